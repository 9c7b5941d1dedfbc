"""DATE recognizers: numeric and written dates (EN/ES/DE/FR/IT/NL), month/day and bare years.

Clinical text is full of number/number tokens that are not dates (BP 120/80, 1/2 tab,
5/5 strength, 24 2/7 weeks), so numeric forms are validated (day/month ranges) and the
ambiguous ones (month/day without year, a year alone) need a context word.
"""
from __future__ import annotations

import re
from typing import ClassVar

from udfs.recognizers.base import Pattern, PatternRecognizer

# Full month names of the supported languages, plus unambiguous abbreviations.
_MONTH_WORDS = (
    # English
    "january february march april june july august september october november december "
    "jan feb apr jun jul aug sep sept oct nov dec "
    # Spanish
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre "
    "diciembre ene "
    # German
    "januar jänner februar märz juni juli oktober dezember mär mrz okt dez "
    # French
    "janvier février fevrier mars avril juin juillet août aout septembre octobre novembre "
    "décembre decembre janv févr fevr avr juil déc "
    # Italian
    "gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre "
    # Dutch
    "januari februari maart mei augustus"
)
_MONTHS = sorted(set(_MONTH_WORDS.split()), key=len, reverse=True)
# "May"/"Mar"/"Mai" are also common words ("may take", "mar" = sea): only capitalised.
_MONTH = r"(?:" + "|".join(re.escape(m) for m in _MONTHS) + r"|(?-i:May|MAY|Mar|MAR|Mai|MAI))\.?"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th|er|º|°)?"
_YEAR = r"(?:1[89]\d{2}|20\d{2})"
_YEAR_ALONE = r"(?:19\d{2}|20[0-3]\d)"  # narrower: "in 2000 patients" is not a date
# Optional trailing clock time, kept inside the date span ("03/14/2021 14:30", "...T08:05").
_TIME = (
    r"(?:(?:[ T]|,\s?|\s(?:at|a las|um|à|alle|om)\s)(?:[01]?\d|2[0-3])[:h][0-5]\d(?::[0-5]\d)?"
    r"(?:\s?[ap]\.?m\.?)?(?!\d))?"
)
_NO_DIGIT_BEFORE = r"(?<![\w/-])(?<!\d[.,:])"
_NO_DIGIT_AFTER = r"(?![\w/]|[.,:-]\d)"


def _valid_day_month(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)


class NumericDateRecognizer(PatternRecognizer):
    """Numeric dates with a year: 03/14/2021, 3/14/21, 14.03.2021, 14-03-2021, 2021-03-14."""

    name: ClassVar[str] = "pattern:date"
    patterns = (
        Pattern(
            "dmy_or_mdy",
            _NO_DIGIT_BEFORE
            + r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
            + _TIME + _NO_DIGIT_AFTER,
            0.9, "DATE",
        ),
        Pattern(
            "iso",
            _NO_DIGIT_BEFORE
            + r"(?P<y>" + _YEAR + r")(?P<sep>[/.-])(?P<a>\d{1,2})(?P=sep)(?P<b>\d{1,2})"
            + _TIME + _NO_DIGIT_AFTER,
            0.95, "DATE",
        ),
    )

    def validate(self, match_text: str, pattern: Pattern) -> bool:
        m = pattern.compiled.fullmatch(match_text)
        if m is None:
            return False
        a, b, year = int(m["a"]), int(m["b"]), m["y"]
        if pattern.name == "iso":
            return _valid_day_month(b, a)
        if len(year) == 4 and not 1800 <= int(year) <= 2099:
            return False
        # "1.2.10" is more often a version or a list than a date: dots need 2-digit parts.
        if m["sep"] == "." and len(year) == 2 and (len(m["a"]) < 2 or len(m["b"]) < 2):
            return False
        return _valid_day_month(b, a) or _valid_day_month(a, b)


class WrittenDateRecognizer(PatternRecognizer):
    """Dates with a month name: March 14, 2021; 14 de marzo de 2021; 14. März 2021; Mar 2021."""

    name: ClassVar[str] = "pattern:date_written"
    patterns = (
        Pattern(  # March 14, 2021 / Mar 14th 2021 / March 14
            "month_day_year",
            r"\b" + _MONTH + r"\s+" + _DAY + r"(?!\d|[/.:-]\d)(?:,?\s+" + _YEAR + r")?\b" + _TIME,
            0.85, "DATE",
        ),
        Pattern(  # 14 March 2021 / 14 de marzo de 2021 / 14. März 2021 / 14th of March / 1er mars
            "day_month_year",
            r"(?<![\w/.,-])" + _DAY + r"\.?\s*(?:de\s+|of\s+)?" + _MONTH
            + r"(?:,?\s*(?:de\s+|del\s+)?" + _YEAR + r")?(?!\w)" + _TIME,
            0.85, "DATE",
        ),
        Pattern(  # March 2021 / March of 2019 / marzo de 2021 / März 2021
            "month_year",
            r"\b" + _MONTH + r",?\s+(?:of\s+|de\s+|del\s+)?" + _YEAR + r"\b",
            0.8, "DATE",
        ),
    )


# "pain 3/10", "VAS 7/10", "power 4/5": scores, not dates (fixed-width lookbehinds).
_NOT_AFTER_SCORE_WORD = "".join(
    f"(?<!{w} )(?<!{w}: )" for w in ("pain", "score", "grade", "strength", "power", "vas", "eva", "nrs")
)


class MonthDayRecognizer(PatternRecognizer):
    """Month/day without a year (3/14): so ambiguous with fractions and scores that it needs context."""

    name: ClassVar[str] = "pattern:date_month_day"
    patterns = (
        Pattern(
            "month_day",
            r"(?<![\w/.,:-])(?<!\d\s)" + _NOT_AFTER_SCORE_WORD
            + r"(?P<a>1[0-2]|0?[1-9])/(?P<b>3[01]|[12]\d|0?[1-9])"
            r"(?![\w/]|[.,:-]\d)"
            r"(?!\s*(?:tabs?|tablets?|pills?|caps?|strength|pain|weeks?|wks?|days?|d|doses?|units?|of)\b)",
            0.35, "DATE",
        ),
    )
    context = (
        "on", "since", "from", "until", "till", "dated", "date", "seen", "admitted", "admission",
        "discharged", "discharge", "DOS", "visit", "last", "next", "follow-up", "f/u", "scheduled",
        "returned", "started", "stopped", "through", "el", "desde", "hasta", "am", "seit", "bis",
        "le", "depuis", "il", "dal", "op", "sinds",
    )
    context_window = 20
    context_boost = 0.3
    min_score = 0.6

    def validate(self, match_text: str, pattern: Pattern) -> bool:
        m = pattern.compiled.fullmatch(match_text)
        return m is not None and _valid_day_month(int(m["b"]), int(m["a"]))


class YearRecognizer(PatternRecognizer):
    """A year alone ("in 2019", "since 2015", "(2018)"): only next to a context word, low score."""

    name: ClassVar[str] = "pattern:date_year"
    _AFTER = r"(?![\w/]|[.,:]\d|\s*(?:mg|mcg|g|ml|cc|units?|iu|mmol|kcal|cells|%)\b)"
    patterns = (
        Pattern(
            "year_after_word",
            r"\b(?:in|since|from|until|during|year|en|desde|hasta|año|seit|im|jahr|depuis|"
            r"année|nel|dal|anno|sinds|jaar)\s+(" + _YEAR_ALONE + r")" + _AFTER,
            0.5, "DATE", group=1,
        ),
        Pattern("year_in_parens", r"\((" + _YEAR_ALONE + r")\)", 0.5, "DATE", group=1),
    )
