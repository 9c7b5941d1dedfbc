"""Date shifting that keeps the written format of the original.

Why: dates are shifted by one keyed offset per scope (patient), so every interval between a
patient's dates is preserved exactly while no real date survives. The output is written exactly
like the input (separators, zero padding, 2- or 4-digit year, month name language/abbreviation/
casing, ordinal suffix, weekday, trailing time), so downstream readers and parsers see a
plausible note.

Rules:

* numeric day/month order: ``en`` reads M/D/Y unless the first part is > 12 (then D/M/Y); the
  other locales read D/M/Y unless the second part is > 12 (then M/D/Y); a 4-digit first part is
  Y-M-D; 8 digits are YYYYMMDD;
* two-digit years pivot at 50 (00-49 -> 2000s, 50-99 -> 1900s) and are written back with two;
* coarse dates are shifted through a representative day: a year alone through July 1, a month
  and year through the 15th; a day and month without a year through the leap year 2000. A coarse
  year alone comes out unchanged when the shift does not cross its boundary (by design: years
  alone are not Safe Harbor identifiers, and the shift stays consistent); a month-level date that
  would come out unchanged is moved one more month in the shift's direction, so no month + year
  survives;
* a time after the date ("14:30", "T14:30:00Z", "at 2:30 pm") is kept verbatim;
* a month spelling that is both a full name and an abbreviation ("May", "Mai", "juin") is read as
  the full name of the note's language, so "May 3" in an abbreviating note may become "June 2";
* a month or weekday alone is shifted too (through the 15th of its month / a reference week):
  "January" -> "March", "Tuesday" -> "Saturday";
* when the whole span is not a date, dates inside it are shifted and the other words kept
  ("el 3 de enero de 2020", "last Tuesday", "early March 2019"); a month or weekday alone is only
  taken there when written in full;
* a date-like text with nothing parseable returns None; the engine then gives it a
  format-preserving keyed surrogate, so it never survives as it was.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable

from udfs.surrogates.lexicon import resolve_locale
from udfs.surrogates.shape import LOWER, UPPER, case_style, normalise

FULL, ABBR = "full", "abbr"

MONTHS: dict[tuple[str, str], tuple[str, ...]] = {
    ("en", FULL): ("January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December"),
    ("en", ABBR): ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    ("es", FULL): ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                   "septiembre", "octubre", "noviembre", "diciembre"),
    ("es", ABBR): ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
    ("de", FULL): ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                   "September", "Oktober", "November", "Dezember"),
    ("de", ABBR): ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"),
    ("fr", FULL): ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                   "septembre", "octobre", "novembre", "décembre"),
    ("fr", ABBR): ("janv", "févr", "mars", "avr", "mai", "juin", "juil", "août", "sept", "oct", "nov", "déc"),
    ("it", FULL): ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
                   "settembre", "ottobre", "novembre", "dicembre"),
    ("it", ABBR): ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"),
    ("nl", FULL): ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                   "september", "oktober", "november", "december"),
    ("nl", ABBR): ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
}
#: Monday first, as ``date.weekday()``.
WEEKDAYS: dict[tuple[str, str], tuple[str, ...]] = {
    ("en", FULL): ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    ("en", ABBR): ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    ("es", FULL): ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    ("de", FULL): ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    ("fr", FULL): ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    ("it", FULL): ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    ("nl", FULL): ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
}
#: Extra spellings read as (lang, style, index) and written back in the table's spelling.
_MONTH_ALIASES: dict[str, tuple[str, str, int]] = {"sept": ("en", ABBR, 8)}
_WEEKDAY_ALIASES: dict[str, tuple[str, str, int]] = {
    "tues": ("en", ABBR, 1), "thur": ("en", ABBR, 3), "thurs": ("en", ABBR, 3)}


def _lookup(table: dict[tuple[str, str], tuple[str, ...]],
            aliases: dict[str, tuple[str, str, int]]) -> dict[str, list[tuple[str, str, int]]]:
    """spelling (case-folded, with and without accents) -> [(lang, style, index), ...]."""
    out: dict[str, list[tuple[str, str, int]]] = {}
    for (lang, style), names in table.items():
        for i, name in enumerate(names):
            for spelling in dict.fromkeys((name.casefold(), normalise(name))):
                out.setdefault(spelling, []).append((lang, style, i))
    for spelling, entry in aliases.items():
        out.setdefault(spelling, []).append(entry)
    return out


_MONTH_LOOKUP = _lookup(MONTHS, _MONTH_ALIASES)
_WEEKDAY_LOOKUP = _lookup(WEEKDAYS, _WEEKDAY_ALIASES)


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_MON = rf"(?P<mon>{_alternation(list(_MONTH_LOOKUP))})(?P<mdot>\.)?"
_WD = rf"(?:(?P<wd>{_alternation(list(_WEEKDAY_LOOKUP))})\.?,?\s+)?"
_DAY = r"(?P<day>\d{1,2})(?P<ord>st|nd|rd|th|er|º|°|\.)?"
_SEP = r"(?:\s*[-/]\s*|\s+)"

_F = re.IGNORECASE
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ymd", re.compile(r"(?P<year>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<day>\d{1,2})")),
    ("compact", re.compile(r"(?P<year>(?:1[89]|20|21)\d{2})(?P<m>[01]\d)(?P<day>[0-3]\d)")),
    ("abY", re.compile(r"(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})(?P=s)(?P<year>\d{4}|\d{2})")),
    ("ym", re.compile(r"(?P<year>\d{4})(?P<s>[-/])(?P<m>\d{1,2})")),
    ("mY", re.compile(r"(?P<m>\d{1,2})(?P<s>[-/.])(?P<year>\d{4})")),
    ("ab", re.compile(r"(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})\.?")),
    ("year", re.compile(r"(?P<year>\d{4})")),
    ("text_mdy", re.compile(_WD + _MON + _SEP + _DAY + r"(?:,?" + _SEP + r"(?P<year>\d{4}|'\d{2}))?", _F)),
    ("text_dmy", re.compile(_WD + _DAY + r"\s*(?:(?:de|of)\s+)?" + r"(?:[-/]\s*)?" + _MON
                            + r"(?:,?" + _SEP + r"(?:(?:de|del)\s+)?(?P<year>\d{4}|\d{2}|'\d{2}))?", _F)),
    ("text_my", re.compile(_MON + r"(?:\s+(?:de|del))?,?" + _SEP + r"(?P<year>\d{4}|'\d{2})", _F)),
    ("text_m", re.compile(_MON, _F)),
    ("text_wd", re.compile(rf"(?P<wd>{_alternation(list(_WEEKDAY_LOOKUP))})\.?", _F)),
)
_FULL_MONTHS = [n for (_, style), names in MONTHS.items() if style == FULL for n in names]
_FULL_WEEKDAYS = [n for (_, style), names in WEEKDAYS.items() if style == FULL for n in names]
#: Patterns searched inside a longer date span ("el 3 de enero", "last Tuesday"); a month or
#: weekday alone is only taken when written in full, so words like "ago" or "mar" are left alone.
_EMBEDDED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rf"(?<!\w)(?:{p.pattern})(?!\w)", p.flags))
    for kind, p in _PATTERNS if kind not in ("text_m", "text_wd")
) + (
    ("text_m", re.compile(rf"(?<!\w)(?P<mon>{_alternation(_FULL_MONTHS)})(?!\w)", _F)),
    ("text_wd", re.compile(rf"(?<!\w)(?P<wd>{_alternation(_FULL_WEEKDAYS)})(?!\w)", _F)),
)
_TIME = re.compile(
    r"(?P<time>(?:T|\s*,?\s*(?:(?:at|um|à|a las|alle|om|ore)\s+)?)"
    r"\d{1,2}[:h]\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[ap]\.?m\.?)?"
    r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}|Uhr|h|hrs?|UTC))?)$",
    _F,
)
_EN_ORDINALS = ("st", "nd", "rd", "th")
_REF_LEAP_YEAR = 2000
_REF_MONDAY = dt.date(2000, 1, 3)


@dataclass(frozen=True)
class _Parsed:
    """A parsed date: the day it stands for and how to write another day in the same format."""

    day: dt.date
    render: Callable[[dt.date], str]


def _year_from(text: str) -> int:
    """The full year of "2021", "21" or "'21" (two digits pivot at 50)."""
    digits = text.lstrip("'")
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if year < 50 else 1900
    return year


def _write_year(original: str, year: int) -> str:
    if original.startswith("'"):
        return f"'{year % 100:02d}"
    if len(original) == 2:
        return f"{year % 100:02d}"
    return f"{year:0{len(original)}d}"


def _write_num(number: int, pad: bool) -> str:
    return f"{number:02d}" if pad else str(number)


def _numeric_padding(*parts: str) -> bool:
    """Zero-pad a numeric date's day and month unless one of them was written with one digit."""
    return all(len(p) >= 2 for p in parts)


def _cased(word: str, original: str) -> str:
    style = case_style(original)
    if style == UPPER:
        return word.upper()
    if style == LOWER:
        return word.lower()
    return word[:1].upper() + word[1:]


def _name_entry(lookup: dict[str, list[tuple[str, str, int]]], word: str, locale: str) -> tuple[str, str, int]:
    entries = lookup[word.casefold()] if word.casefold() in lookup else lookup[normalise(word)]
    for entry in entries:
        if entry[0] == locale:
            return entry
    return entries[0]


def _ordinal(original: str, day: int) -> str:
    """The ordinal suffix for ``day`` in the style of the original one (st/nd/rd/th, fr "er")."""
    if not original:
        return ""
    if original.lower() in _EN_ORDINALS:
        suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
        return suffix.upper() if original.isupper() else suffix
    if original.lower() == "er":
        return original if day == 1 else ""
    return original


def _substitute(text: str, m: re.Match[str], values: dict[str, str]) -> str:
    """Rewrite the named groups of ``m`` in ``text`` (right to left), keeping everything else."""
    spans = sorted(((m.start(g), m.end(g), v) for g, v in values.items() if m.group(g) is not None), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def _month_first(a: int, b: int, locale: str) -> bool:
    """Whether the first of two numeric parts is the month, by the locale rule."""
    if locale == "en":
        return a <= 12
    return b > 12


def _parse(text: str, locale: str) -> _Parsed | None:
    for kind, pattern in _PATTERNS:
        m = pattern.fullmatch(text)
        if m is not None:
            try:
                return _build(kind, m, text, locale)
            except (ValueError, KeyError):
                return None
    return None


def _build(kind: str, m: re.Match[str], text: str, locale: str) -> _Parsed:
    g = m.groupdict()
    if kind in ("ymd", "compact"):
        pad = _numeric_padding(g["m"], g["day"])
        day = dt.date(int(g["year"]), int(g["m"]), int(g["day"]))
        return _Parsed(day, lambda d: _substitute(text, m, {
            "year": _write_year(g["year"], d.year), "m": _write_num(d.month, pad), "day": _write_num(d.day, pad)}))
    if kind in ("abY", "ab"):
        a, b = int(g["a"]), int(g["b"])
        a_is_month = _month_first(a, b, locale)
        month, dom = (a, b) if a_is_month else (b, a)
        pad = _numeric_padding(g["a"], g["b"])
        year = _year_from(g["year"]) if kind == "abY" else _REF_LEAP_YEAR
        day = dt.date(year, month, dom)

        def render(d: dt.date) -> str:
            values = {"a": _write_num(d.month if a_is_month else d.day, pad),
                      "b": _write_num(d.day if a_is_month else d.month, pad)}
            if kind == "abY":
                values["year"] = _write_year(g["year"], d.year)
            return _substitute(text, m, values)

        return _Parsed(day, render)
    if kind in ("ym", "mY"):
        pad = _numeric_padding(g["m"])
        day = dt.date(int(g["year"]), int(g["m"]), 15)
        return _Parsed(day, lambda d: _substitute(text, m, {
            "year": _write_year(g["year"], d.year), "m": _write_num(d.month, pad)}))
    if kind == "year":
        day = dt.date(int(g["year"]), 7, 1)
        return _Parsed(day, lambda d: _substitute(text, m, {"year": _write_year(g["year"], d.year)}))
    if kind == "text_wd":
        wd_lang, wd_style, wd_index = _name_entry(_WEEKDAY_LOOKUP, g["wd"], locale)
        day = _REF_MONDAY + dt.timedelta(days=wd_index)
        return _Parsed(day, lambda d: _substitute(text, m, {
            "wd": _cased(WEEKDAYS[(wd_lang, wd_style)][d.weekday()], g["wd"])}))
    # textual forms with a month name
    lang, style, month_index = _name_entry(_MONTH_LOOKUP, g["mon"], locale)
    year = _year_from(g["year"]) if g.get("year") else None
    if kind in ("text_my", "text_m"):
        day = dt.date(year if year is not None else _REF_LEAP_YEAR, month_index + 1, 15)
    else:
        day = dt.date(year if year is not None else _REF_LEAP_YEAR, month_index + 1, int(g["day"]))
    wd_entry = _name_entry(_WEEKDAY_LOOKUP, g["wd"], lang) if g.get("wd") else None

    def render(d: dt.date) -> str:
        values = {"mon": _cased(MONTHS[(lang, style)][d.month - 1], g["mon"])}
        if g.get("year"):
            values["year"] = _write_year(g["year"], d.year)
        if g.get("day"):
            values["day"] = _write_num(d.day, g["day"].startswith("0"))
            values["ord"] = _ordinal(g.get("ord") or "", d.day)
        if wd_entry is not None:
            wd_lang, wd_style, _ = wd_entry
            values["wd"] = _cased(WEEKDAYS[(wd_lang, wd_style)][d.weekday()], g["wd"])
        return _substitute(text, m, values)

    return _Parsed(day, render)


def _shift_whole(text: str, days: int, locale: str) -> str | None:
    parsed = _parse(text, locale)
    if parsed is None:
        return None
    try:
        new = parsed.render(parsed.day + dt.timedelta(days=days))
        if new == text and days:
            # A month-level date ("Mar 2021", "03/2021") whose shift stays inside its month would
            # survive as it was, and month + year is a Safe Harbor identifier: step one more month
            # in the shift's direction. (A year alone may survive: Safe Harbor allows years.)
            new = parsed.render(parsed.day + dt.timedelta(days=days + (31 if days > 0 else -31)))
        return new
    except OverflowError:
        return None


def _shift_embedded(value: str, days: int, locale: str) -> str | None:
    """Shift every date found inside ``value`` (longest matches first), keep the other words."""
    found = [(m.start(), m.end()) for _, pattern in _EMBEDDED for m in pattern.finditer(value)]
    chosen: list[tuple[int, int]] = []
    for start, end in sorted(found, key=lambda se: (se[0] - se[1], se[0])):
        if all(end <= s or start >= e for s, e in chosen):
            chosen.append((start, end))
    out, changed = value, False
    for start, end in sorted(chosen, reverse=True):
        new = _shift_whole(value[start:end], days, locale)
        if new is not None:
            out, changed = out[:start] + new + out[end:], True
    return out if changed else None


def shift_date(value: str, days: int, locale: str) -> str | None:
    """``value`` shifted by ``days`` in its own format, or None when it holds no parseable date.

    The whole value is tried first (with a trailing time kept verbatim); failing that, dates
    found inside it are shifted and the surrounding words kept ("el 3 de enero de 2020").
    """
    loc = resolve_locale(locale)
    time = _TIME.search(value)
    head, tail = (value[:time.start()], value[time.start():]) if time and time.start() > 0 else (value, "")
    whole = _shift_whole(head, days, loc)
    if whole is not None:
        return whole + tail
    return _shift_embedded(value, days, loc)
