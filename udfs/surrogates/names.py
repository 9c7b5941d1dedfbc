"""Person-name surrogates that keep the shape of the original and are consistent per token.

Why per token: "John Smith" in one sentence and "Mr. Smith" or "Smith, John" in the next must
stay the same person, so the surrogate of every name token is a keyed function of
(key, scope, role, normalised token) only, never of the whole span.

Shape rules (what is kept, what is replaced):

* titles at the start ("Dr.", "Mrs", "Sra.", "Herr", "Mme", "Dott.", "Dhr."; "M." only in fr),
  suffixes at the end ("Jr.", "III", "MD") and surname particles followed by a name
  ("van der", "de la", "von", "y") are kept verbatim;
* every other letter run is a name token: FIRST or LAST (see *roles*), replaced by a name from
  the locale's lists, with the original casing (JOHN -> PETER, john -> peter);
* hyphenated compounds are replaced part by part (Smith-Jones -> Baker-Hill), so each part
  stays consistent with its standalone use;
* an initial ("J." or a lone capital) becomes another keyed initial; digits become keyed digits;
* all separators (spaces, commas, dots, hyphens) are kept.

Roles:

* "Last, First ..." (a comma followed by a name): tokens before the comma are LAST, after it FIRST;
* otherwise, with two or more name tokens: the last is LAST; the first is FIRST unless it is a
  known surname and not a known first name (so "Rivera Bueno" is two surnames); a middle token is
  FIRST only while it follows FIRST tokens and is a known first name but not a known surname
  ("John Michael Smith"), else LAST ("Juan Rivera Bueno"); a particle starts the surname; two
  tokens read as surname + known first name are "Last First" ("SMITH JOHN");
* a single name token is LAST (an ambiguous token is a surname, so "Smith" alone maps like the
  "Smith" of "John Smith"), unless it is a known first name and not a known surname in any
  locale and no title or initial precedes it ("john" -> first-name surrogate).

First-name surrogates keep the gender of the original when the lists know it (the note's locale
first, then any locale where it is unambiguous); unknown gender draws from both lists.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from udfs.surrogates.keyed import MAX_REDRAWS, KeyedStream, scramble
from udfs.surrogates.lexicon import FEMALE, MALE, gender_of, lexicon, name_index, resolve_locale
from udfs.surrogates.shape import apply_case, case_style, normalise

FIRST, LAST = "FIRST", "LAST"

#: A letter run with inner apostrophes (O'Brien, D'Angelo); digits are matched separately.
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*|\d+")
_HYPHENS = frozenset({"-", "\u2010", "\u2011"})

TITLES: frozenset[str] = frozenset(
    "mr mrs ms miss mx dr drs prof professor doctor rev sir dame sr sra srta dra don dona "
    "senor senora senorita herr frau med dott dottssa dottor dottore dottoressa sig signor "
    "signore signora signorina dhr mevr mevrouw meneer mw mme mlle madame monsieur "
    "mademoiselle pr doktor ing".split()
)
SUFFIXES: frozenset[str] = frozenset("jr sr ii iii iv md phd dds rn np esq".split())
PARTICLES: frozenset[str] = frozenset(
    "van von der den de del della delle dei di da du des la le lo los las dos das do y zu zur ter ten te".split()
)


@dataclass(eq=False)  # identity equality: list.index() must find this very unit
class _Unit:
    """A name unit: one word, or words joined by hyphens (Jean-Pierre, Smith-Jones)."""

    words: list[tuple[int, int]]
    kind: str = "name"  # name | title | suffix | particle | initial | digits
    role: str = LAST


def _units(value: str) -> list[_Unit]:
    units: list[_Unit] = []
    prev_end = -1
    for m in _WORD.finditer(value):
        joined = units and value[prev_end:m.start()] in _HYPHENS and not m.group().isdigit()
        if joined and units[-1].kind == "name":
            units[-1].words.append(m.span())
        else:
            units.append(_Unit([m.span()], "digits" if m.group().isdigit() else "name"))
        prev_end = m.end()
    return units


def _text(value: str, unit: _Unit) -> str:
    return value[unit.words[0][0]:unit.words[-1][1]]


def _classify(value: str, units: list[_Unit], locale: str) -> None:
    """Mark titles, suffixes, particles and initials; what is left are name tokens."""
    seen_name = False
    for i, unit in enumerate(units):
        if unit.kind == "digits" or len(unit.words) > 1:
            seen_name = seen_name or unit.kind == "name"
            continue
        start, end = unit.words[0]
        word = normalise(value[start:end])
        dotted = value[end:end + 1] == "."
        has_name_after = any(u.kind == "name" for u in units[i + 1:])
        if not seen_name and has_name_after and (word in TITLES or (word == "m" and dotted and locale == "fr")):
            unit.kind = "title"
        elif len(word) == 1:
            unit.kind = "initial"
        elif seen_name and word in SUFFIXES:
            unit.kind = "suffix"
        elif word in PARTICLES and has_name_after:
            unit.kind = "particle"
        else:
            seen_name = True


def _assign_roles(value: str, units: list[_Unit]) -> None:
    index = name_index()

    def known(unit: _Unit) -> tuple[bool, bool]:
        n = normalise(_text(value, unit))
        return n in index.first_names, n in index.last_names

    names = [u for u in units if u.kind == "name"]
    if not names:
        return
    comma = value.find(",")
    if comma >= 0 and any(u.words[0][0] > comma for u in names):
        for u in names:
            u.role = LAST if u.words[0][0] < comma else FIRST
        return
    if len(names) == 1:
        unit = names[0]
        before = units[:units.index(unit)]
        is_first, is_last = known(unit)
        qualified = any(u.kind in ("title", "initial", "particle") for u in before)
        unit.role = FIRST if is_first and not is_last and not qualified else LAST
        return
    role = FIRST
    for pos, unit in enumerate(names):
        between = units[units.index(names[pos - 1]) + 1:units.index(unit)] if pos else units[:units.index(unit)]
        is_first, is_last = known(unit)
        if pos == len(names) - 1 or any(u.kind == "particle" for u in between):
            role = LAST
        elif pos == 0:
            role = LAST if is_last and not is_first else FIRST
        elif role == FIRST and not (is_first and not is_last):
            role = LAST
        unit.role = role
    if len(names) == 2 and names[0].role == LAST and known(names[1]) == (True, False):
        names[1].role = FIRST  # "SMITH JOHN": surname first, as in EHR exports


def _draw_name(key: bytes, scope: str, role: str, token: str, locale: str) -> str:
    norm = normalise(token)
    lex = lexicon(locale)
    if role == FIRST:
        gender = gender_of(norm, locale)
        pool = lex.first_female if gender == FEMALE else lex.first_male if gender == MALE else lex.first_any
        stream = KeyedStream(key, "NAME.FIRST", scope, norm)
    else:
        pool = lex.last
        stream = KeyedStream(key, "NAME.LAST", scope, norm)
    candidate = stream.choice(pool)
    for _ in range(MAX_REDRAWS):
        if normalise(candidate) != norm:
            break
        candidate = stream.choice(pool)
    return apply_case(candidate, case_style(token))


def _draw_initial(key: bytes, scope: str, letter: str) -> str:
    stream = KeyedStream(key, "NAME.INITIAL", scope, normalise(letter))
    candidate = stream.upper()
    while candidate == normalise(letter).upper():
        candidate = stream.upper()
    return candidate.lower() if letter.islower() else candidate


def token_surrogate(key: bytes, scope: str, role: str, token: str, locale: str) -> str:
    """The surrogate of one name token in ``role`` (FIRST or LAST): the unit of consistency."""
    return _draw_name(key, scope, role, token, resolve_locale(locale))


def name_surrogate(key: bytes, value: str, scope: str, locale: str) -> str:
    """Replace every name token of ``value``, keeping titles, particles, order and punctuation."""
    loc = resolve_locale(locale)
    units = _units(value)
    _classify(value, units, loc)
    _assign_roles(value, units)
    replacements: list[tuple[int, int, str]] = []
    for unit in units:
        for start, end in unit.words:
            token = value[start:end]
            if unit.kind == "name":
                replacements.append((start, end, _draw_name(key, scope, unit.role, token, loc)))
            elif unit.kind == "initial":
                replacements.append((start, end, _draw_initial(key, scope, token)))
            elif unit.kind == "digits":
                replacements.append((start, end, scramble(KeyedStream(key, "NAME.DIGITS", scope, token), token)))
    out = value
    for start, end, new in reversed(replacements):
        out = out[:start] + new + out[end:]
    return out
