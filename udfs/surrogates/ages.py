"""Age surrogates: HIPAA Safe Harbor aggregation of ages over 89, optional jitter below.

Why: ages 90 and over are identifying and must be grouped into "90+"; younger ages are not
Safe Harbor identifiers and stay as written unless ``replace_all_ages`` asks for a keyed
nearby value. The unit and its language are kept; a hyphen glued to the number is turned into
a space so the result reads naturally ("92-year-old" -> "90+ year old", "92 años" -> "90+ años").

Rules: the first number in the span is the age; it counts as years unless a month/week/day/hour
word follows it (a 95-day-old infant is not over 89). Over 89 years -> "90+" (a "+" already
after the number is absorbed, so "90+" stays "90+"). With ``replace_all_ages`` every other age
moves by a keyed -2..+2 (never 0), staying in 0..89 for years. A span without digits is kept,
unless its subtype is OVER_89, where it becomes "90+".
"""
from __future__ import annotations

import re

from udfs.surrogates.keyed import KeyedStream
from udfs.surrogates.shape import normalise

OVER_89_TEXT = "90+"
_NUMBER = re.compile(r"(?<![\d.,])(?P<int>\d{1,3})(?P<frac>[.,]\d+)?(?P<plus>\s*\+)?")
_SMALL_UNIT = re.compile(
    r"\s*-?\s*(?:months?|mos?|mths?|weeks?|wks?|w|days?|d|hours?|hrs?|h|meses|mes|semanas?|d[ií]as?|"
    r"monate?n?|wochen?|tage?n?|stunden?|mois|semaines?|jours?|heures?|mesi|mese|settimane?|giorni|"
    r"giorno|ore|maanden?|weken?|dagen?|uur)\b",
    re.IGNORECASE,
)
_GLUED_UNIT = re.compile(r"-(\S+)")


def _dehyphenate(rest: str) -> str:
    """"-year-old patient" -> " year old patient": readable after "90+"."""
    m = _GLUED_UNIT.match(rest)
    if m is None:
        return rest
    return " " + m.group(1).replace("-", " ") + rest[m.end():]


def age_surrogate(key: bytes, value: str, subtype: str, scope: str, replace_all: bool) -> str:
    m = _NUMBER.search(value)
    if m is None:
        return OVER_89_TEXT if subtype.upper() == "OVER_89" else value
    age = int(m.group("int"))
    rest = value[m.end():]
    in_years = _SMALL_UNIT.match(rest) is None
    if in_years and age > 89:
        return value[:m.start()] + OVER_89_TEXT + _dehyphenate(rest)
    if not replace_all:
        return value
    upper = 89 if in_years else 999
    stream = KeyedStream(key, "AGE", scope, normalise(value))
    deltas = [d for d in (-2, -1, 1, 2) if 0 <= age + d <= upper]
    new_age = age + stream.choice(deltas)
    return value[:m.start("int")] + str(new_age) + value[m.end("int"):]
