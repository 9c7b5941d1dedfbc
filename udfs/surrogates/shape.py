"""Text-shape helpers shared by the generators: normalisation and letter-case transfer.

Why: consistency is keyed on a *normalised* value ("JOHN", "John" and "john" are one person),
while the output must keep the *shape* of what it replaces (upper stays upper, lower stays lower).
"""
from __future__ import annotations

import unicodedata

UPPER, LOWER, TITLE, MIXED = "upper", "lower", "title", "mixed"


def normalise(value: str) -> str:
    """Accent-free, case-folded, whitespace-collapsed form used as the consistency key."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def case_style(token: str) -> str:
    """Classify a token's casing: upper, lower, title (first letter upper) or mixed."""
    letters = [ch for ch in token if ch.isalpha()]
    if not letters:
        return MIXED
    if all(ch.isupper() for ch in letters):
        return UPPER if len(letters) > 1 else TITLE
    if all(ch.islower() for ch in letters):
        return LOWER
    if letters[0].isupper():
        return TITLE
    return MIXED


def apply_case(text: str, style: str) -> str:
    """Render ``text`` in ``style``; title and mixed keep the lexicon's own casing (McDonald)."""
    if style == UPPER:
        return text.upper()
    if style == LOWER:
        return text.lower()
    if style == TITLE and text[:1].islower():
        return text[:1].upper() + text[1:]
    return text


def split_padding(value: str) -> tuple[str, str, str]:
    """Split leading and trailing whitespace off, so generators see the bare value."""
    core = value.strip()
    if not core:
        return value, "", ""
    start = value.index(core)
    return value[:start], core, value[start + len(core):]
