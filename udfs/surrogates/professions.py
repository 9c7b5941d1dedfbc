"""Profession surrogates: a keyed pick from the locale's short list of common jobs.

Why: an unusual profession ("lighthouse keeper") can identify a patient; a common one from the
same language keeps the sentence readable. Casing follows the original.
"""
from __future__ import annotations

from udfs.surrogates.keyed import MAX_REDRAWS, KeyedStream
from udfs.surrogates.lexicon import lexicon
from udfs.surrogates.shape import LOWER, TITLE, UPPER, case_style, normalise


def profession_surrogate(key: bytes, value: str, scope: str, locale: str) -> str:
    norm = normalise(value)
    pool = lexicon(locale).professions
    stream = KeyedStream(key, "PROFESSION", scope, norm)
    candidate = stream.choice(pool)
    for _ in range(MAX_REDRAWS):
        if normalise(candidate) != norm:
            break
        candidate = stream.choice(pool)
    style = case_style(value)
    if style == UPPER:
        return candidate.upper()
    if style == LOWER and lexicon(locale).locale != "de":  # German nouns stay capitalised
        return candidate.lower()
    if style == TITLE:
        return candidate[:1].upper() + candidate[1:]
    return candidate
