"""Whole-word search for many literal strings in one regex pass (propagation and the leak gate).

Searching each detected value with its own ``re.compile(r"(?<!\\w)" + re.escape(v) + r"(?!\\w)")``
costs one compilation per value per note (Python's pattern cache rarely helps: values differ from
note to note) and one scan of the text per value. ``LiteralMatcher`` compiles one alternation per
note and scans once, and still reports exactly what the per-value searches would:

* the alternation sits inside a lookahead, so it matches at *every* start position (overlapping
  occurrences of different values are all seen), longest value first;
* a shorter value that is a prefix of the matched one (and ends at a word boundary inside it)
  also occurs at that position, so it is reported too;
* per value, occurrences overlapping that value's previous occurrence are skipped, which is what
  ``finditer`` of the single-value pattern does.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

_WORD_CHAR = re.compile(r"\w")


class LiteralMatcher:
    """Whole-word (``(?<!\\w)value(?!\\w)``), case-sensitive occurrences of several literals."""

    __slots__ = ("values", "_re", "_prefixes")

    def __init__(self, values: Iterable[str]) -> None:
        vals = sorted({v for v in values if v}, key=lambda v: (-len(v), v))
        self.values: tuple[str, ...] = tuple(vals)
        self._re = (re.compile(r"(?<!\w)(?=(" + "|".join(map(re.escape, vals)) + r")(?!\w))")
                    if vals else None)
        # For each value, the other values that are its prefixes ending at a word boundary inside it:
        # wherever it occurs as a whole word, so do they.
        self._prefixes: dict[str, tuple[str, ...]] = {}
        for v in vals:
            pre = tuple(p for p in vals if len(p) < len(v) and v.startswith(p)
                        and not _WORD_CHAR.match(v, len(p)))
            if pre:
                self._prefixes[v] = pre

    def finditer(self, text: str) -> Iterator[tuple[int, int, str]]:
        """``(start, end, value)`` for every occurrence, as ``re.finditer`` per value would give,
        ordered by start (then longer value first)."""
        if self._re is None:
            return
        last_end: dict[str, int] = {}
        for m in self._re.finditer(text):
            pos = m.start()
            longest = m.group(1)
            for v in (longest, *self._prefixes.get(longest, ())):
                if pos >= last_end.get(v, 0):
                    end = pos + len(v)
                    last_end[v] = end
                    yield pos, end, v

    def found(self, text: str) -> set[str]:
        """The values that occur at least once in ``text``."""
        return {v for _, _, v in self.finditer(text)}
