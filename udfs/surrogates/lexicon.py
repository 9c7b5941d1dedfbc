"""Locale word lists (names, places, organisations, professions), loaded once per process.

Why: generators need realistic replacements per language; the lists ship as JSON in ``data/`` and
are read through ``importlib.resources`` so they also load when the package is shipped to Spark
executors as a zip. Everything is cached with ``lru_cache`` and returned as tuples/frozensets so
the order of a list (which decides keyed choices) is fixed across processes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Mapping

from udfs.surrogates.shape import normalise

#: Locales with word lists; anything else falls back to DEFAULT_LOCALE.
LOCALES: tuple[str, ...] = ("en", "es", "de", "fr", "it", "nl")
DEFAULT_LOCALE = "en"
FEMALE, MALE = "F", "M"


def resolve_locale(locale: str | None) -> str:
    """Map "en-US", "ES", "de_DE", None, "pt" to a supported locale (unknown -> en)."""
    if not locale:
        return DEFAULT_LOCALE
    base = locale.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LOCALES else DEFAULT_LOCALE


@dataclass(frozen=True)
class Lexicon:
    """The word lists of one locale."""

    locale: str
    first_female: tuple[str, ...]
    first_male: tuple[str, ...]
    last: tuple[str, ...]
    cities: tuple[str, ...]
    states: tuple[str, ...]
    state_abbreviations: tuple[str, ...]
    countries: tuple[str, ...]
    street_names: tuple[str, ...]
    #: "before": the name precedes the type word (Main Street); "after": Calle Mayor.
    street_name_position: str
    street_words: tuple[str, ...]
    street_compounds: tuple[str, ...]
    saints: tuple[str, ...]
    hospital_templates: tuple[str, ...]
    organization_templates: tuple[str, ...]
    organization_words: tuple[str, ...]
    professions: tuple[str, ...]

    @property
    def first_any(self) -> tuple[str, ...]:
        return self.first_female + self.first_male


@lru_cache(maxsize=None)
def lexicon(locale: str) -> Lexicon:
    """The lists of ``locale`` (resolved first, so any string is accepted)."""
    loc = resolve_locale(locale)
    raw = json.loads(resources.files("udfs.surrogates").joinpath("data", f"{loc}.json").read_text("utf-8"))
    streets = raw["street_types"]
    return Lexicon(
        locale=loc,
        first_female=tuple(raw["first_female"]),
        first_male=tuple(raw["first_male"]),
        last=tuple(raw["last"]),
        cities=tuple(raw["cities"]),
        states=tuple(raw["states"]),
        state_abbreviations=tuple(raw["state_abbreviations"]),
        countries=tuple(raw["countries"]),
        street_names=tuple(raw["street_names"]),
        street_name_position=streets["position"],
        street_words=tuple(streets["words"]),
        street_compounds=tuple(streets["compound"]),
        saints=tuple(raw["saints"]),
        hospital_templates=tuple(raw["hospital_templates"]),
        organization_templates=tuple(raw["organization_templates"]),
        organization_words=tuple(raw["organization_words"]),
        professions=tuple(raw["professions"]),
    )


@dataclass(frozen=True)
class NameIndex:
    """Normalised first/last names of all locales, for role and gender inference."""

    first_names: frozenset[str]
    last_names: frozenset[str]
    #: locale -> normalised first name -> "F"/"M" (names listed under both genders are left out).
    gender_by_locale: Mapping[str, Mapping[str, str]]
    #: Same over all locales; a name that is F in one locale and M in another is left out.
    gender_any: Mapping[str, str]


def _gender_map(female: tuple[str, ...], male: tuple[str, ...]) -> dict[str, str]:
    f = {normalise(n) for n in female}
    m = {normalise(n) for n in male}
    out = {n: FEMALE for n in f - m}
    out.update({n: MALE for n in m - f})
    return out


@lru_cache(maxsize=None)
def name_index() -> NameIndex:
    per_locale = {loc: _gender_map(lexicon(loc).first_female, lexicon(loc).first_male) for loc in LOCALES}
    votes: dict[str, set[str]] = {}
    for mapping in per_locale.values():
        for name, gender in mapping.items():
            votes.setdefault(name, set()).add(gender)
    return NameIndex(
        first_names=frozenset(n for loc in LOCALES for n in map(normalise, lexicon(loc).first_any)),
        last_names=frozenset(n for loc in LOCALES for n in map(normalise, lexicon(loc).last)),
        gender_by_locale=per_locale,
        gender_any={n: next(iter(g)) for n, g in votes.items() if len(g) == 1},
    )


def gender_of(normalised_first: str, locale: str) -> str | None:
    """"F", "M" or None (unknown or ambiguous); the note's locale wins over other locales."""
    index = name_index()
    local = index.gender_by_locale.get(resolve_locale(locale), {})
    return local.get(normalised_first) or index.gender_any.get(normalised_first)


@dataclass(frozen=True)
class PlaceIndex:
    """Normalised place words of all locales, for inferring the kind of an untyped LOCATION."""

    states: frozenset[str]
    state_abbreviations: frozenset[str]
    countries: frozenset[str]
    cities: frozenset[str]
    #: normalised street-type word -> locale that owns it (first locale wins).
    street_words: Mapping[str, str]
    #: lower-case compound suffix as written ("straße", "straat") and its locale; longest first.
    street_compounds: tuple[tuple[str, str], ...]


@lru_cache(maxsize=None)
def place_index() -> PlaceIndex:
    words: dict[str, str] = {}
    compounds: dict[str, str] = {}
    for loc in LOCALES:
        lex = lexicon(loc)
        for w in lex.street_words:
            words.setdefault(normalise(w).rstrip("."), loc)
        for c in lex.street_compounds:
            compounds.setdefault(c.lower(), loc)
    return PlaceIndex(
        states=frozenset(normalise(s) for loc in LOCALES for s in lexicon(loc).states),
        state_abbreviations=frozenset(normalise(s) for loc in LOCALES for s in lexicon(loc).state_abbreviations),
        countries=frozenset(normalise(s) for loc in LOCALES for s in lexicon(loc).countries),
        cities=frozenset(normalise(s) for loc in LOCALES for s in lexicon(loc).cities),
        street_words=words,
        street_compounds=tuple(sorted(compounds.items(), key=lambda kv: (-len(kv[0]), kv[0]))),
    )
