"""Deterministic keyed draws: HMAC-SHA256 of (purpose, scope, value) seeds a counter-mode stream.

Why: a surrogate must be a pure function of (secret key, scope, PHI type, normalised value), the
same in every process and on every executor, without a mapping table. Python's ``hash()`` is salted
per process and ``random`` has global state, so neither is used. Every draw starts from
``HMAC(key, purpose \\x1f scope \\x1f ... )``; further draws (a "redraw" when a candidate equals the
original) come from ``HMAC(seed, counter)``, so the key itself is never kept by a stream.
"""
from __future__ import annotations

import hashlib
import hmac
import string
from typing import Sequence, TypeVar

T = TypeVar("T")

#: Separates the parts of an HMAC message (unit separator: cannot occur in a normalised value).
_SEP = "\x1f"
_UPPER = string.ascii_uppercase
_LOWER = string.ascii_lowercase
_DIGITS = string.digits
#: Redraws before giving up on "never equal to the original" (only reachable with 1-item lists).
MAX_REDRAWS = 64


def keyed_digest(key: bytes, *parts: str) -> bytes:
    """HMAC-SHA256 of the parts, joined by a separator so ("ab", "c") differs from ("a", "bc")."""
    return hmac.new(key, _SEP.join(parts).encode("utf-8"), hashlib.sha256).digest()


class KeyedStream:
    """An endless deterministic stream of draws derived from one keyed digest."""

    __slots__ = ("_seed", "_counter", "_buffer")

    def __init__(self, key: bytes, *parts: str) -> None:
        self._seed = keyed_digest(key, *parts)
        self._counter = 0
        self._buffer = b""

    def __repr__(self) -> str:  # never show seed material
        return "KeyedStream(<hidden>)"

    def _take(self, n: int) -> bytes:
        while len(self._buffer) < n:
            block = hmac.new(self._seed, self._counter.to_bytes(8, "big"), hashlib.sha256).digest()
            self._counter += 1
            self._buffer += block
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    def below(self, n: int) -> int:
        """Uniform-enough int in [0, n): 64 bits mod n, bias under n / 2**64."""
        if n <= 0:
            raise ValueError("below() needs a positive bound")
        return int.from_bytes(self._take(8), "big") % n

    def between(self, low: int, high: int) -> int:
        """Int in [low, high], both ends included."""
        return low + self.below(high - low + 1)

    def choice(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def digit(self, nonzero: bool = False) -> str:
        return _DIGITS[1 + self.below(9)] if nonzero else _DIGITS[self.below(10)]

    def upper(self) -> str:
        return _UPPER[self.below(26)]

    def lower(self) -> str:
        return _LOWER[self.below(26)]

    def hexdigest(self, n: int) -> str:
        return self._take((n + 1) // 2).hex()[:n]


def scramble_once(stream: KeyedStream, value: str, keep_first_nonzero: bool = True, letters: bool = True) -> str:
    """Format-preserving draw: digit->digit, upper->upper, lower->lower, everything else kept.

    Letters come out ASCII (an accented or non-Latin letter becomes an ASCII letter of the same
    case), so the length and the separators are unchanged. A leading non-zero digit stays non-zero
    so numbers do not grow a leading zero. ``letters=False`` re-keys digits only ("Apt 4B").
    """
    out: list[str] = []
    for i, ch in enumerate(value):
        if ch.isnumeric():  # digits, also "¼", "²", "٣"
            out.append(stream.digit(nonzero=keep_first_nonzero and i == 0 and ch != "0"))
        elif ch.isalpha() and letters:
            if ch.isupper():
                out.append(stream.upper())
            elif ch.islower():
                out.append(stream.lower())
            else:  # caseless scripts
                out.append(stream.lower())
        else:
            out.append(ch)
    return "".join(out)


def _changeable(ch: str, letters: bool) -> bool:
    return ch.isnumeric() or (letters and ch.isalpha())


def scramble(stream: KeyedStream, value: str, letters: bool = True) -> str:
    """``scramble_once`` redrawn until it differs from ``value``.

    A value without letters or digits cannot keep its shape and change, so it becomes a run of
    ``X`` of the same length: "never left as it was" wins over "same shape".
    """
    if not any(_changeable(ch, letters) for ch in value):
        if not letters and any(_changeable(ch, True) for ch in value):
            return scramble(stream, value)
        return "X" * len(value) if value != "X" * len(value) else "Y" * len(value)
    for _ in range(MAX_REDRAWS):
        candidate = scramble_once(stream, value, letters=letters)
        if candidate != value:
            return candidate
    return scramble_once(stream, value, keep_first_nonzero=False)  # pragma: no cover - 10**-64
