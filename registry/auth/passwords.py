"""Password hashing with argon2id (argon2-cffi), at OWASP's minimum cost for login latency."""
from __future__ import annotations

import string
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

# OWASP minimum for argon2id: m=19 MiB, t=2, p=1 (~30 ms here; library defaults cost ~150 ms).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_PASSWORD_LENGTH = 10
MIN_DISTINCT_CHARACTERS = 5
COMMON_PASSWORDS = frozenset(
    line.strip() for line in (Path(__file__).with_name("common_passwords.txt"))
    .read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, email: str = ""):
    """Why `password` is too weak (a translatable sentence), or None: the one rule for every
    password set on the web or from the command line."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("A password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return _l("A password needs at least %(n)s different characters.",
                  n=MIN_DISTINCT_CHARACTERS)
    lowered = password.lower()
    local = (email or "").strip().lower().partition("@")[0]
    if len(local) >= 3 and local in lowered:
        return _l("A password must not contain the e-mail address.")
    core = lowered.strip(string.digits + string.punctuation + " ")
    if core in COMMON_PASSWORDS or lowered in COMMON_PASSWORDS or not core:
        return _l("This password is among the most common ones; choose another.")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the account does not exist, so timing reveals nothing.
DUMMY_HASH = hash_password("not-a-real-password")
