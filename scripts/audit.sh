#!/usr/bin/env bash
# `make audit`: pip-audit over the pinned requirements (needs the network, so it is not part of
# `make test`). Accepted findings live in audit-waivers.txt, one a line: the advisory id, then
# why it is accepted. A waiver without a reason is refused.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
ignores=()
while read -r id reason; do
  case "$id" in ''|'#'*) continue ;; esac
  if [ -z "$reason" ]; then
    echo "audit-waivers.txt: $id has no reason" >&2
    exit 2
  fi
  ignores+=(--ignore-vuln "$id")
done < audit-waivers.txt
exec "$PY" -m pip_audit --strict --progress-spinner off -r requirements.txt -r requirements-dev.txt \
  "${ignores[@]}" "$@"
