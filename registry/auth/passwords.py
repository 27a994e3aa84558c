"""Password hashing with argon2id (argon2-cffi), at OWASP's minimum cost for login latency."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP minimum for argon2id: m=19 MiB, t=2, p=1 (~30 ms here; library defaults cost ~150 ms).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the account does not exist, so timing reveals nothing.
DUMMY_HASH = hash_password("not-a-real-password")
