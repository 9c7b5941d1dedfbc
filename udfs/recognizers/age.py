"""AGE recognizer: "92-year-old", "92 yo", "aged 92", "92 años", "92M" at a line start.

The span is the number with its unit ("92-year-old", "92 años"); where the unit is a keyword
or a sex letter ("aged 92", "92M") it is the number alone, so the sex survives replacement.

Every age is reported; ages of 90 and over get subtype OVER_89 because HIPAA Safe Harbor
must aggregate them. Durations ("3 years ago", "for 5 years", "hace 3 años") are not ages.
"""
from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

from udfs.recognizers.base import Pattern, PatternRecognizer
from udfs.spans import Span

_NUM = r"(?<![\w.,/-])(?:1[0-2]\d|[1-9]?\d)"  # 0..129; validate() keeps 0..125
# Units in the languages we support, with an optional "old"/"alt"/"de edad" tail.
_FOREIGN_UNIT = (
    r"(?:a[ñn]os(?:\s+de\s+edad)?|Jahre(?:\s+alt)?|ans|anni|jaar(?:\s+oud)?)"
)
# What follows "92M" in a note ("92M with CP", "92 F, s/p ..."), unlike "5 M KCl".
_CLINICAL_NEXT = (
    r"(?=[ \t]*(?:$|[,.:;(]|(?i:w/|with|presents?|presenting|s/p|h/o|hx|pmh|c/o|who|here|admitted|"
    r"complain\w*|brought|from|in|on|is|was|pt|patient|con|mit|avec)\b))"
)
_NOT_DURATION_NEXT = r"(?!\s*(?:ago|de\s+evoluci[óo]n|de\s+antig[üu]edad|zuvor|fa|geleden|auparavant)\b)"
# Words right before a number that make "5 years"/"5 años" a duration, not an age.
_DURATION_BEFORE = re.compile(
    r"(?:\b(?:for|over|past|last|since|within|after|x|hace|durante|desde|tras|hasta|vor|seit|"
    r"nach|für|depuis|pendant|il\s+y\s+a|dans|da|per|dopo|sinds|gedurende|na))\s*$",
    re.IGNORECASE,
)
# Units that make a value a number of years (OVER_89 is about years, not "92-day-old").
_YEARS_UNIT = re.compile(r"(?i)year|yr|y\.?o|y/o|a[ñn]o|jahr|ans|anni|jaar")
# Bare "N años/ans/anni/Jahre/jaar" is also how durations are written: check the word before.
_LEADING_INT = re.compile(r"\d+")
_BARE_FOREIGN = re.compile(r"(?i)\d\s(?:a[ñn]os|Jahre|ans|anni|jaar)$")


class AgeRecognizer(PatternRecognizer):
    """Ages with an explicit unit or keyword; subtype OVER_89 for years >= 90."""

    name: ClassVar[str] = "pattern:age"
    patterns = (
        Pattern(  # 92-year-old, 92 year old, 92 years old, 3-month-old, 92 years of age
            "unit_old",
            _NUM + r"[- ](?:years?|yrs?|months?|mos?|weeks?|wks?|days?)[- ](?:old|of\s+age)\b",
            0.95, "AGE",
        ),
        Pattern("yo", _NUM + r"\s?(?:yo|y/o|y\.o\.|yrs?\s+old)(?!\w)", 0.9, "AGE"),
        Pattern(  # aged 92, age: 92, edad: 92, Alter 92, âge 92, età 92, leeftijd 92
            "keyword",
            r"\b(?:aged|age|edad|alter|âge|âgée?|età|leeftijd)\s*[:=]?\s*(" + _NUM + r")"
            r"(?![\w/.,-]|\s*(?:\d+/\d+|weeks?|wks?|days?|months?|mos?|semanas|wochen|semaines|"
            r"settimane|weken)\b)",
            0.85, "AGE", group=1,
        ),
        Pattern("foreign_unit", _NUM + r"\s" + _FOREIGN_UNIT + r"(?!\w)" + _NOT_DURATION_NEXT, 0.8, "AGE"),
        Pattern(  # "92M", "92 F", "92 yo M" at the start of a clinical line
            "line_sex",
            r"^[ \t]*(" + _NUM + r")\s?(?:yo\s?)?[MF](?![\w/.-])" + _CLINICAL_NEXT,
            0.6, "AGE", group=1, flags=re.MULTILINE,
        ),
    )

    def validate(self, match_text: str, pattern: Pattern) -> bool:
        return int(_LEADING_INT.match(match_text).group()) <= 125

    def analyze(self, text: str, language: str | None = None) -> list[Span]:
        spans = []
        for span in super().analyze(text, language):
            value = text[span.start:span.end]
            before = text[max(0, span.start - 20):span.start]
            if _BARE_FOREIGN.search(value) and _DURATION_BEFORE.search(before):
                continue
            in_years = _YEARS_UNIT.search(value) or value.isdigit()
            if in_years and int(_LEADING_INT.match(value).group()) >= 90:
                span = dataclasses.replace(span, subtype="OVER_89")
            spans.append(span)
        return spans
