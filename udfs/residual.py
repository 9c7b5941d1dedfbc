"""Residual-PHI patterns: the safety net scanned over the *masked view* of each output note.

One list serves both the row-level gate in the UDF and the Great Expectations suite, so the two
can never disagree. They run on the masked view (every replaced span shown as ``[LABEL]``)
because surrogates are PHI-shaped by design. The patterns are deliberately narrow: each hit
quarantines a note.
"""
from __future__ import annotations

import re

#: name -> regex (Java- and Python-compatible: GX evaluates them in Spark, the UDF in Python).
RESIDUAL_PATTERNS: dict[str, str] = {
    "SSN": r"\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b",
    "PHONE": r"(\+?1[ .-])?\(?\b[0-9]{3}\)?[ .-][0-9]{3}[.-][0-9]{4}\b",
    "EMAIL": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "URL": r"\b(https?://|www\.)[^\s]+",
    "IPV4": r"\b(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}\b",
}

_COMPILED = {name: re.compile(rx) for name, rx in RESIDUAL_PATTERNS.items()}


def residual_hits(masked_text: str) -> list[str]:
    """Names of the residual patterns found in a masked output text (empty = clean)."""
    return [name for name, rx in _COMPILED.items() if rx.search(masked_text)]
