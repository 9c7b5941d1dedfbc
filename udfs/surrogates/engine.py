"""The surrogate engine: one keyed, stateless entry point that dispatches by label and subtype.

A surrogate is a pure function of (secret key, scope, PHI type, normalised value) plus the note's
locale, which only picks the word lists: HMAC-SHA256(key, purpose | scope | type | value) seeds a
deterministic stream (``keyed.py``). There is no mapping table, no ``hash()`` and no ``random``
state, so every executor, run and process gives the same output for the same inputs. ``scope`` is
the unit of consistency (typically the patient id): inside it the same value always gets the same
surrogate and all dates move by the same offset; different scopes get unrelated surrogates.

Rules chosen (details in each module's docstring):

* NAME (``names.py``): per-token consistency keyed on (scope, FIRST/LAST, normalised token), so
  "John Smith" ... "Mr. Smith" ... "Smith, John" -> "Peter Jones" ... "Mr. Jones" ... "Jones,
  Peter". Titles, suffixes, particles, casing, initials, hyphens and comma order are kept; first
  names keep their gender when the lists know it. Roles: "Last, First" by comma; otherwise the
  last token is a surname, the first a first name unless it is a known surname only ("Rivera
  Bueno"); "SMITH JOHN" (known surname + known first name) is read surname-first. An ambiguous
  single token is a surname, so "Smith" alone maps like the "Smith" of "John Smith"; a single
  token is a first name only when it is a known first name and not a known surname anywhere.
* DATE (``dates.py``): shifted by ``date_shift_days(scope)``, a keyed magnitude in [min, max]
  days with a keyed sign (never 0), written back in the original format (numeric order by locale:
  en M/D/Y unless the first part is > 12; es/de/fr/it/nl D/M/Y unless the second part is > 12).
  Intervals within a scope are exact. Coarse dates move through a representative day (a year
  through July 1, a month-year through the 15th, a day-month through the leap year 2000, a weekday
  through a reference week) and may come out unchanged when the shift does not cross their
  boundary. Dates inside a longer span are shifted in place; text with no parseable date gets a
  format-preserving keyed surrogate.
* AGE (``ages.py``): over 89 years -> "90+" with the unit kept ("92-year-old" -> "90+ year old");
  89 and under unchanged unless ``replace_all_ages`` (then a keyed -2..+2, never the same).
* ID / CONTACT (``identifiers.py``): format-preserving keyed characters; SSN area 9xx + group
  01-49 (neither SSN nor ITIN); e-mail @example.com/.org/.net; URL https://www.example.org/...;
  North American phones <area>-555-01xx; other phones keep country code, trunk 0 and layout; IPs in
  RFC 5737 / RFC 3849 documentation ranges; ZIP keyed digits. Kind from the subtype, else read
  from the text's shape.
* LOCATION / ORGANIZATION (``places.py``): fakes of the same kind from locale lists (street name
  swapped with house-number shape and type word kept, postal code + city, city, state, country,
  hospital templates, company templates keeping the legal suffix).
* PROFESSION (``professions.py``): keyed pick from a short locale list.
* Locale: "en", "es", "de", "fr", "it", "nl" (regional tags such as "es-MX" are reduced); any
  other -> "en".
* Except for coarse dates and ages the rules keep, a surrogate never equals its original: each
  generator redraws (next value of the same keyed stream) when a draw equals the original, and
  the engine falls back to a format-preserving keyed scramble if anything still comes out equal.
* Leading/trailing whitespace of a value is kept.

Secrecy: the key is never part of a repr, str or exception message, and exceptions never carry
the PHI value: any internal error is re-raised as ``SurrogateError`` naming only label/subtype,
with the original exception suppressed (``from None``).

Limitations: names outside the lists have unknown gender (drawn from both lists) and compound
first names are gendered per token ("María José" may get a male second name); lists are ~150
surnames per locale, so two people in one scope can share a surrogate surname; the locale is an
input, so one person written in notes of two languages gets two surrogates; numeric dates
whose day and month are both <= 12 are read by the locale rule, and a D/M date in an en note can
be read back as M/D after shifting; "May"/"Mai"/"juin" are read as full month names; relative
dates ("2 weeks ago") are scrambled, not understood.
"""
from __future__ import annotations

from udfs.spans import LABELS
from udfs.surrogates import ages, dates, identifiers, names, places, professions
from udfs.surrogates.keyed import KeyedStream, keyed_digest, scramble
from udfs.surrogates.lexicon import resolve_locale
from udfs.surrogates.shape import normalise, split_padding


class SurrogateError(ValueError):
    """A surrogate could not be produced; the message names the label, never the value."""


_ID_KINDS = frozenset({"EMAIL", "URL", "IP", "PHONE", "FAX", "SSN", "ZIP"})
_PLACE_KINDS = frozenset({"STREET", "CITY", "STATE", "COUNTRY", "ZIP", "HOSPITAL", "ADDRESS", "ORGANIZATION"})


class SurrogateEngine:
    """Keyed, stateless surrogate generator (see the module docstring for the rules).

    Pickles with its key (it must reach Spark executors); never prints it.
    """

    __slots__ = ("_key", "_min_days", "_max_days", "_replace_all_ages")

    def __init__(
        self,
        key: bytes,
        *,
        date_shift_min_days: int = 1,
        date_shift_max_days: int = 365,
        replace_all_ages: bool = False,
    ) -> None:
        if not isinstance(key, (bytes, bytearray)) or len(key) == 0:
            raise TypeError("surrogate key must be non-empty bytes")
        if not (isinstance(date_shift_min_days, int) and isinstance(date_shift_max_days, int)):
            raise TypeError("date shift bounds must be integers")
        if not 1 <= date_shift_min_days <= date_shift_max_days:
            raise ValueError(
                f"date shift bounds must satisfy 1 <= min <= max, got {date_shift_min_days}..{date_shift_max_days}"
            )
        self._key = bytes(key)
        self._min_days = date_shift_min_days
        self._max_days = date_shift_max_days
        self._replace_all_ages = bool(replace_all_ages)

    def __repr__(self) -> str:
        return (
            f"SurrogateEngine(key=<hidden>, date_shift_days={self._min_days}..{self._max_days}, "
            f"replace_all_ages={self._replace_all_ages})"
        )

    __str__ = __repr__

    def __getstate__(self) -> tuple[bytes, int, int, bool]:
        return self._key, self._min_days, self._max_days, self._replace_all_ages

    def __setstate__(self, state: tuple[bytes, int, int, bool]) -> None:
        self._key, self._min_days, self._max_days, self._replace_all_ages = state

    # -- public API -------------------------------------------------------------------------

    def date_shift_days(self, scope: str) -> int:
        """The scope's date offset: keyed magnitude in [min, max] days, keyed sign, never 0."""
        stream = KeyedStream(self._key, "DATE_SHIFT", scope)
        magnitude = stream.between(self._min_days, self._max_days)
        return magnitude if stream.below(2) else -magnitude

    def hash_tag(self, value: str, label: str, scope: str) -> str:
        """First 4 hex digits of HMAC(key, scope | label | normalised value), for "hash" mode."""
        return keyed_digest(self._key, "HASH", scope, label, normalise(value)).hex()[:4]

    def surrogate(self, value: str, label: str, subtype: str, scope: str, locale: str) -> str:
        """The surrogate of ``value`` (a span's text) for ``label``/``subtype`` in ``scope``."""
        if label not in LABELS:
            raise SurrogateError(f"unknown label {label!r}")
        subtype = (subtype or "").upper()
        try:
            lead, core, trail = split_padding(value)
            if not core:
                return value
            out, may_stay = self._dispatch(core, label, subtype, scope, resolve_locale(locale))
            if out == core and not may_stay:
                out = scramble(KeyedStream(self._key, "FALLBACK", scope, label, normalise(core)), core)
            return lead + out + trail
        except SurrogateError:
            raise
        except Exception as exc:  # never let the value reach a message or a chained traceback
            raise SurrogateError(
                f"surrogate failed for label={label} subtype={subtype or '-'} ({type(exc).__name__})"
            ) from None

    # -- dispatch ---------------------------------------------------------------------------

    def _dispatch(self, value: str, label: str, subtype: str, scope: str, locale: str) -> tuple[str, bool]:
        """(surrogate, whether it may equal the input): only young ages and parsed coarse dates may."""
        key = self._key
        norm = normalise(value)
        if label == "NAME":
            return names.name_surrogate(key, value, scope, locale), False
        if label == "DATE":
            shifted = dates.shift_date(value, self.date_shift_days(scope), locale)
            if shifted is not None:
                return shifted, True
            return scramble(KeyedStream(key, "DATE.UNPARSED", scope, norm), value), False
        if label == "AGE":
            return ages.age_surrogate(key, value, subtype, scope, self._replace_all_ages), True
        if label == "PROFESSION":
            return professions.profession_surrogate(key, value, scope, locale), False
        if label == "ORGANIZATION":
            if subtype in _PLACE_KINDS - {"ORGANIZATION"}:
                return places.location_surrogate(key, value, subtype, scope, locale), False
            return places.organization(key, value, scope, locale), False
        if label == "LOCATION" and subtype not in _ID_KINDS - {"ZIP"}:
            kind = subtype if subtype in _PLACE_KINDS else ""
            return places.location_surrogate(key, value, kind, scope, locale), False
        # ID, CONTACT (and a LOCATION span typed as a contact)
        kind = subtype if subtype in _ID_KINDS else identifiers.infer_kind(value, label)
        stream = KeyedStream(key, f"{label}.{kind}", scope, norm)
        return identifiers.identifier_surrogate(stream, value, kind, locale), False
