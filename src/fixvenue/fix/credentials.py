"""Logon passwords, kept in the configuration only as salted scrypt hashes.

A hash reads `scrypt:N:r:p$SALT$HASH` (salt and hash in hex), the form
`fixvenue password-hash` prints. Checking one costs about a tenth of a second and 32 MiB by
design, on the logging-on session's own thread.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

# scrypt's parameters for new hashes: 2^15 x 8 x 128 bytes = 32 MiB per check.
COST = 2**15
BLOCK_SIZE = 8
PARALLELISM = 1
SALT_BYTES = 16
HASH_BYTES = 32
_FORM = re.compile(r"scrypt:(\d+):(\d+):(\d+)\$([0-9a-f]{16,})\$([0-9a-f]{32,})")
_MEMORY_MAX = 256 * 1024 * 1024


class BadPasswordHashError(ValueError):
    """The text is not a password hash this module can check."""


@dataclass(frozen=True, slots=True)
class PasswordHash:
    cost: int
    block_size: int
    parallelism: int
    salt: bytes
    digest: bytes

    @classmethod
    def parse(cls, text: str) -> PasswordHash:
        found = _FORM.fullmatch(text)
        if found is None:
            raise BadPasswordHashError(
                "expected scrypt:N:r:p$SALT$HASH (run `fixvenue password-hash` to make one)"
            )
        cost, block_size, parallelism = (int(found.group(index)) for index in (1, 2, 3))
        if cost < 2 or cost & (cost - 1) or block_size < 1 or parallelism < 1:
            raise BadPasswordHashError("N must be a power of 2 above 1; r and p at least 1")
        if cost >= 2 ** (16 * block_size):
            raise BadPasswordHashError("N must be below 2^(16 r), as scrypt requires")
        if 128 * cost * block_size * parallelism > _MEMORY_MAX:
            raise BadPasswordHashError(f"N x r x p needs more than {_MEMORY_MAX >> 20} MiB")
        try:
            salt, digest = bytes.fromhex(found.group(4)), bytes.fromhex(found.group(5))
        except ValueError:
            raise BadPasswordHashError("the salt and the hash must be whole bytes of hex") from None
        return cls(cost, block_size, parallelism, salt, digest)

    def matches(self, password: str) -> bool:
        derived = _scrypt(
            password,
            salt=self.salt,
            cost=self.cost,
            block_size=self.block_size,
            parallelism=self.parallelism,
            length=len(self.digest),
        )
        return hmac.compare_digest(derived, self.digest)

    def __str__(self) -> str:
        return (
            f"scrypt:{self.cost}:{self.block_size}:{self.parallelism}"
            f"${self.salt.hex()}${self.digest.hex()}"
        )


def hash_password(password: str) -> PasswordHash:
    """A new salted hash of `password`."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(
        password,
        salt=salt,
        cost=COST,
        block_size=BLOCK_SIZE,
        parallelism=PARALLELISM,
        length=HASH_BYTES,
    )
    return PasswordHash(COST, BLOCK_SIZE, PARALLELISM, salt, digest)


def _scrypt(
    password: str, *, salt: bytes, cost: int, block_size: int, parallelism: int, length: int
) -> bytes:
    return hashlib.scrypt(
        _utf8(password),
        salt=salt,
        n=cost,
        r=block_size,
        p=parallelism,
        maxmem=_MEMORY_MAX + 1024 * 1024,
        dklen=length,
    )


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a session's Logon must carry: Username(553) and a Password(554) that hashes to
    `password_hash`."""

    username: str
    password_hash: PasswordHash

    def admit(self, username: str | None, password: str | None) -> bool:
        # The password is hashed even when the username is wrong, so that the time taken
        # does not tell a broker which of the two was.
        matches = password is not None and self.password_hash.matches(password)
        return (
            matches
            and username is not None
            and hmac.compare_digest(_utf8(username), _utf8(self.username))
        )


def _utf8(text: str) -> bytes:
    """A Logon field's bytes: QuickFIX hands bytes that are not UTF-8 over as lone
    surrogates, which encode back to the bytes sent (and then simply do not match)."""
    return text.encode("utf-8", "surrogateescape")
