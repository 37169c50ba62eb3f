"""Password hashing: Argon2id at OWASP's minimum, still reading the older werkzeug hashes.

Argon2id with m=19 MiB, t=2, p=1 (OWASP's minimum) costs about a twentieth of the CPU of scrypt at
N=2^17 on the 2-core machine (`benchmarks/signin_burst.py` prints both), so a class joining at
once stays fast. Hashes made before (werkzeug's `scrypt:`/`pbkdf2:`) still verify, and are
replaced at the next successful sign-in (`needs_rehash`).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from werkzeug.security import check_password_hash

ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_PARALLELISM = 1


def describe_hashing(config=None) -> str:
    """The hashing the app uses, for the benchmark's print-out."""
    config = config or {}
    memory = config.get("PASSWORD_ARGON2_MEMORY_KIB", ARGON2_MEMORY_KIB)
    time_cost = config.get("PASSWORD_ARGON2_TIME_COST", ARGON2_TIME_COST)
    return f"argon2id m={memory} KiB t={time_cost} p={ARGON2_PARALLELISM}"


class Passwords:
    """The app's password hasher, and a dummy hash for usernames that don't exist."""

    def __init__(self, time_cost: int, memory_kib: int):
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=ARGON2_PARALLELISM
        )
        self._dummy_hash: str | None = None

    @property
    def dummy_hash(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash("not a real password")
        return self._dummy_hash


def init_passwords(app: Flask) -> None:
    app.extensions["passwords"] = Passwords(
        app.config["PASSWORD_ARGON2_TIME_COST"], app.config["PASSWORD_ARGON2_MEMORY_KIB"]
    )


def _passwords() -> Passwords:
    return current_app.extensions["passwords"]


def hash_password(password: str) -> str:
    """A new hash. Slow on purpose: call it before opening a write transaction."""
    return _passwords().hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if password_hash.startswith("$argon2"):
        try:
            return _passwords().hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """True for a werkzeug hash or an Argon2 hash with other parameters than the app's."""
    if not password_hash.startswith("$argon2"):
        return True
    try:
        return _passwords().hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def waste_time_like_a_check(password: str) -> None:
    """Check against a dummy hash, so an unknown username takes as long as a wrong password."""
    verify_password(_passwords().dummy_hash, password)
