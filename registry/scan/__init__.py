"""The whole-registry evaluation, set-based: firm-id ranges read with a handful of queries into
the rules engine's columns (`loader`), a compact snapshot and digests of each firm's inputs and
verdict (`snapshot`), and bulk writes of only what changed (`apply`)."""
