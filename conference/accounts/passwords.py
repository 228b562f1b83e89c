"""Password hashing (Argon2id) and the password policy."""

from __future__ import annotations

import re
import string
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

#: Words a password must not contain: the app's own names, the first a guesser tries.
APP_WORDS = ("conference", "marac")
#: zxcvbn's estimate of the guesses a password needs, as a power of ten. 8 is its score 3,
#: "safely unguessable" against an online attack (which the lockout slows further).
MIN_GUESSES_LOG10 = 8
#: zxcvbn refuses longer input; the first 72 characters of a longer password are scored.
SCORED_LENGTH = 72
#: Name and email parts shorter than this are too common to refuse inside a password.
MIN_PERSONAL_PART = 4

BREACHED = "This password is in lists of passwords stolen from other websites: choose another"
TOO_EASY = "Password is too easy to guess: use a few unrelated words"
PERSONAL = "Password must not contain your name, your email address or the name of this service"
SAME_AS_CURRENT = "Your new password must be different from your current password"


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
    """Say what is wrong with a new password, or None if it is acceptable (ASVS 2.1).

    Length first, then the person's own name and email and the app's name, then the list of
    breached passwords, then zxcvbn's estimate of how many guesses it needs (which catches
    keyboard walks, repeats, sequences, dates and common words with digits added).
    """
    cfg = current_app.config
    if len(password) < cfg["PASSWORD_MIN_LENGTH"]:
        return f"Password must be {cfg['PASSWORD_MIN_LENGTH']} characters or more"
    if len(password) > cfg["PASSWORD_MAX_LENGTH"]:
        return f"Password must be {cfg['PASSWORD_MAX_LENGTH']} characters or fewer"
    personal = personal_words(email=email, name=name)
    squashed = _letters_and_digits(password)
    if any(word in squashed for word in personal):
        return PERSONAL
    if is_breached(password):
        return BREACHED
    if guesses_log10(password, personal) < MIN_GUESSES_LOG10:
        return TOO_EASY
    return None


def personal_words(*, email: str, name: str) -> list[str]:
    """The app's names, the person's name and its parts, and their email's local part and its
    parts: what a password must not contain (lower case, letters and digits only)."""
    local_part = email.split("@")[0]
    words = [*APP_WORDS, _letters_and_digits(name), _letters_and_digits(local_part)]
    for text in (name, local_part):
        words += [_letters_and_digits(part) for part in re.split(r"[\s._+'-]+", text)]
    return sorted({w for w in words if len(w) >= MIN_PERSONAL_PART})


def is_breached(password: str) -> bool:
    """True when the password, or its word without the digits and symbols around it, is one
    of the 30,000 passwords seen most often in breaches (zxcvbn's list, see _breached)."""
    lowered = password.lower()
    core = lowered.strip(string.digits + string.punctuation + string.whitespace)
    return lowered in _breached() or (len(core) >= MIN_PERSONAL_PART and core in _breached())


def guesses_log10(password: str, user_inputs: list[str]) -> float:
    """zxcvbn's estimate of the guesses needed, as a power of ten.

    The per-call dictionaries (not zxcvbn()'s shared one) keep one request's words out of
    another's on a threaded server.
    """
    from zxcvbn import matching, scoring

    scored = password[:SCORED_LENGTH]
    dictionaries = {
        **matching.RANKED_DICTIONARIES,
        "user_inputs": matching.build_ranked_dict(user_inputs),
    }
    result = scoring.most_guessable_match_sequence(scored, matching.omnimatch(scored, dictionaries))
    return float(result["guesses_log10"])


@cache
def _breached() -> frozenset[str]:
    """The breached passwords, shipped offline in the zxcvbn package (PyPI ``zxcvbn`` 4.5.0,
    MIT): the 30,000 passwords seen most often in Mark Burnett's / Xato's 10 million leaked
    passwords, part of its 790 KB of frequency lists. Loaded on first use."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _letters_and_digits(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())
