"""Unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters from a 31-character alphabet (no I, O, S, V, Z); the last one is a check
character computed from the first 17 with weights 3^i mod 31.
"""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
_VALUE = {ch: value for value, ch in enumerate(ALPHABET)}
_ALLOWED = frozenset(ALPHABET)


class CreditCodeError(ValueError):
    """The text is not a valid unified social credit code."""


def check_character(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters."""
    total = sum(map(int.__mul__, map(_VALUE.__getitem__, first17), WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(text: str) -> str:
    """Trim and upper-case `text`, and return it if it is a valid code; else raise CreditCodeError."""
    code = (text or "").strip().upper()
    if len(code) != LENGTH:
        raise CreditCodeError(f"a credit code has {LENGTH} characters, not {len(code)}")
    bad = sorted(set(code) - _ALLOWED)
    if bad:
        raise CreditCodeError("characters not allowed in a credit code: " + " ".join(bad))
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError(f"check character should be {expected}, not {code[17]}")
    return code


def is_valid_credit_code(text: str) -> bool:
    try:
        normalise_credit_code(text)
    except CreditCodeError:
        return False
    return True


def make_credit_code(body17: str) -> str:
    """Complete 17 characters with their check character (demo data and tests)."""
    return body17 + check_character(body17)
