"""A wrapper that keeps the surrogate key out of reprs, logs, exceptions and Spark plan strings."""
from __future__ import annotations

import hashlib
import hmac


class SecretKey:
    """Holds key bytes; ``repr``/``str`` never show them. Only HMACs ever leave this object."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, (bytes, bytearray)) or len(key) < 16:
            raise ValueError("surrogate key must be at least 16 bytes")
        self._key = bytes(key)

    def __repr__(self) -> str:
        return "SecretKey(***)"

    __str__ = __repr__

    def reveal(self) -> bytes:
        """The raw bytes, for the surrogate engine only."""
        return self._key

    def digest(self, *parts: str) -> str:
        """Hex HMAC-SHA256 of the parts joined by a unit separator."""
        msg = "\x1f".join(parts).encode("utf-8")
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()

    def fingerprint(self) -> str:
        """A short, non-reversible id of the key, safe to store (tells runs with different keys apart)."""
        return self.digest("key-fingerprint")[:12]

    def __reduce__(self):  # pickled into the UDF closure; still never printed
        return (SecretKey, (self._key,))
