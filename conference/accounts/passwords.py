"""Password hashing (Argon2id) and the password policy."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# A short local list of passwords seen most often in breaches. Length rules already stop most;
# these are the long ones people still pick.
COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "123456789012",
        "1234567890123",
        "qwertyuiop12",
        "qwertyuiopasdf",
        "iloveyou1234",
        "welcome12345",
        "letmein12345",
        "changeme1234",
        "administrator",
        "football1234",
        "monkey123456",
        "abcdefghijkl",
        "aaaaaaaaaaaa",
        "111111111111",
        "000000000000",
        "trustno11234",
        "sunshine1234",
        "princess1234",
        "baseball1234",
        "superman1234",
        "starwars1234",
    }
)


@cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def hasher() -> PasswordHasher:
    """The Argon2id hasher with this app's configured cost."""
    cfg = current_app.config
    return _hasher(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_KIB"], cfg["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when password matches; a missing or corrupt hash never matches."""
    if not password_hash:
        # Spend the same time as a real check, so response time does not reveal the account.
        hasher().hash(password)
        return False
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Say what is wrong with a new password, or None if it is acceptable."""
    cfg = current_app.config
    if len(password) < cfg["PASSWORD_MIN_LENGTH"]:
        return f"Password must be {cfg['PASSWORD_MIN_LENGTH']} characters or more"
    if len(password) > cfg["PASSWORD_MAX_LENGTH"]:
        return f"Password must be {cfg['PASSWORD_MAX_LENGTH']} characters or fewer"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "Password is too easy to guess: use a few unrelated words"
    local_part = email.split("@")[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (
        name and name.lower().replace(" ", "") in lowered.replace(" ", "")
    ):
        return "Password must not contain your name or email address"
    return None
