"""Place and organisation surrogates: realistic fakes of the same kind from locale lists.

Why: "hide in plain sight" needs a replaced hospital to read like a hospital and a street like a
street, while the same place (same normalised text) gets the same fake within a scope.

Rules:

* the kind comes from the subtype (STREET, CITY, STATE, COUNTRY, ZIP, HOSPITAL) or, when empty,
  from the text: a postal code (ZIP, "1012 AB", "SW1A 1AA"); a health-care word -> HOSPITAL; a
  known state/abbreviation or country; a comma -> a multi-part ADDRESS handled part by part; a
  leading postal code then words ("28046 Madrid") -> postal code + city; a street-type word, a
  compound street suffix ("-straße", "-straat") or a house number first or last -> STREET; other
  digits -> keyed digits/letters; anything else -> CITY;
* streets keep the house-number shape (keyed digits), unit words ("Apt", "piso"), directionals
  ("NW") and the street-type word ("Street", "Calle", "rue", "-straße"); only the street name is
  swapped, taken from the list of the locale that owns the type word (a German "-straße" gets a
  German stem). The type word nearest the end that leaves a name wins ("St. Mary's Road"); with
  no type word the first run of words is the name (de/nl add their compound suffix); other word
  runs ("123 Main St Springfield") are read as a city;
* cities, states, countries come from the note's locale; a US state abbreviation gives another
  abbreviation; upper/lower casing of the original is kept;
* hospitals are generated from locale templates ("<City> General Hospital", "Klinikum <City>",
  "Centre Hospitalier de <City>", ...); other organisations from "<Surname> <trade word>"-style
  templates, keeping a legal suffix (Inc., GmbH, S.L., B.V.) when the original has one.
"""
from __future__ import annotations

import re

from udfs.surrogates.identifiers import zip_code
from udfs.surrogates.keyed import MAX_REDRAWS, KeyedStream, scramble
from udfs.surrogates.lexicon import Lexicon, lexicon, place_index, resolve_locale
from udfs.surrogates.shape import LOWER, UPPER, case_style, normalise, split_padding

STREET, CITY, STATE, COUNTRY, ZIP, POSTAL, HOSPITAL, ADDRESS, ORGANIZATION = (
    "STREET", "CITY", "STATE", "COUNTRY", "ZIP", "POSTAL", "HOSPITAL", "ADDRESS", "ORGANIZATION")
#: "28046 Madrid", "D-10117 Berlin", "1012 AB Amsterdam": a postal code, then a city.
POSTAL_CITY = "POSTAL_CITY"

_HEALTH_WORDS = re.compile(
    r"\b(?:hospital|hosp|clinic|clinics|cl[ií]nica|clinique|h[oô]pital|centre hospitalier|chu|chru|"
    r"ospedale|ospedaliera|policlinico|medisch centrum|umc|medical cent(?:er|re)|health cent(?:er|re)|"
    r"infirmary|sanatorium|centro de salud|centro m[eé]dico|ambulatorio|gezondheidscentrum|"
    r"huisartsenpraktijk|casa di cura|u?mc)\b|klinik|krankenhaus|ziekenhuis|spital",
    re.IGNORECASE,
)
_LEGAL_SUFFIX = re.compile(
    r"(?P<sep>,?\s+)(?P<suffix>Inc\.?|LLC|L\.L\.C\.|Ltd\.?|Corp\.?|Co\.|GmbH|AG|KG|S\.A\.|SA|S\.L\.|SL|"
    r"S\.p\.A\.|SpA|S\.r\.l\.|Srl|B\.V\.|BV|N\.V\.|NV|SARL|SAS|plc|PLC)$"
)
_US_ZIP = re.compile(r"\d{5}(?:-\d{4})?")
_POSTAL = re.compile(
    r"\d{4}\s?[A-Za-z]{2}|[A-Za-z]{1,2}\d[A-Za-z\d]?\s?\d[A-Za-z]{2}|[A-Za-z]\d[A-Za-z]\s?\d[A-Za-z]\d|"
    r"(?:[A-Z]{1,2}-)?\d{4,5}"
)
_LEADING_POSTAL = re.compile(r"(?:[A-Z]{1,2}-)?\d{4,5}(?:\s?[A-Z]{2}\b)?(?=\s+[^\W\d_])")
_HOUSE_NUMBER = re.compile(r"(?:#|No\.?|Nr\.?|n[º°]\.?)?\d+[A-Za-z]?(?:[-/]\d+[A-Za-z]?)?[,;]?", re.IGNORECASE)
_TOKEN = re.compile(r"\S+")
_COMMA_PARTS = re.compile(r"(,\s*)")
_TRAILING_PUNCT = ".,;:"
DIRECTIONALS: frozenset[str] = frozenset(
    "n s e w ne nw se sw n. s. e. w. north south east west nord sud ost est oeste este norte noord zuid oost".split()
)
UNIT_WORDS: frozenset[str] = frozenset(
    "apt apt. apartment suite ste unit # piso puerta planta bajo wohnung whg etage appartement app "
    "bat batiment escalier interno int scala piano bus flat floor fl room".split()
)


def _stream(key: bytes, kind: str, scope: str, value: str) -> KeyedStream:
    return KeyedStream(key, f"PLACE.{kind}", scope, normalise(value))


def _pick(stream: KeyedStream, pool: tuple[str, ...], original: str) -> str:
    """Keyed choice from ``pool`` that is not the original (normalised), cased like it."""
    norm = normalise(original)
    candidate = stream.choice(pool)
    for _ in range(MAX_REDRAWS):
        if normalise(candidate) != norm:
            break
        candidate = stream.choice(pool)
    return _case_like(candidate, original)


def _case_like(text: str, original: str) -> str:
    style = case_style(original)
    return text.upper() if style == UPPER else text.lower() if style == LOWER else text


def _compound_suffix(token: str) -> tuple[str, str] | None:
    """(suffix as written in token, locale) when ``token`` is a compound street (Hauptstraße)."""
    lowered = token.lower().rstrip(_TRAILING_PUNCT)
    for suffix, loc in place_index().street_compounds:
        if lowered.endswith(suffix) and len(lowered) >= len(suffix) + 3:
            return token.rstrip(_TRAILING_PUNCT)[-len(suffix):], loc
    return None


def _street_word_locale(token: str) -> str | None:
    return place_index().street_words.get(normalise(token).rstrip(_TRAILING_PUNCT))


def infer_location_kind(value: str) -> str:
    """Kind of an untyped LOCATION from its text (see the module rules)."""
    v = value.strip()
    norm = normalise(v)
    index = place_index()
    if _US_ZIP.fullmatch(v):
        return ZIP
    if _POSTAL.fullmatch(v):
        return POSTAL
    if _HEALTH_WORDS.search(v):
        return HOSPITAL
    if norm in index.states or (v.isupper() and norm in index.state_abbreviations):
        return STATE
    if norm in index.countries:
        return COUNTRY
    if "," in v:
        return ADDRESS
    tokens = v.split()
    if _LEADING_POSTAL.match(v) and not any(_street_word_locale(t) or _compound_suffix(t) for t in tokens):
        return POSTAL_CITY
    if any(_street_word_locale(t) or _compound_suffix(t) for t in tokens) or (
        len(tokens) > 1 and (_HOUSE_NUMBER.fullmatch(tokens[0]) or _HOUSE_NUMBER.fullmatch(tokens[-1]))
    ):
        return STREET
    if any(ch.isdigit() for ch in v):
        return POSTAL
    return CITY


def street(key: bytes, value: str, scope: str, locale: str) -> str:
    """Swap the street name, re-key house/unit numbers, keep type and unit words."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(value)]
    kinds: list[str] = []
    candidates: list[tuple[int, str, str, str | None]] = []  # (index, kind, locale, compound suffix)
    for i, (_, _, tok) in enumerate(tokens):
        if _HOUSE_NUMBER.fullmatch(tok):
            kinds.append("number")
        elif tok.lower().rstrip(_TRAILING_PUNCT) in UNIT_WORDS or tok.startswith("#"):
            kinds.append("unit")
        else:
            kinds.append("word")
            if len(tokens) > 1 and (loc := _street_word_locale(tok)):
                candidates.append((i, "type", loc, None))
            elif found := _compound_suffix(tok):
                candidates.append((i, "compound", found[1], found[0]))
    # The type word nearest the end that leaves a name to swap wins ("St. Mary's Road").
    name_locale, type_at, compound = resolve_locale(locale), -1, None
    region = None
    for i, kind, loc, suffix in reversed(candidates):
        trial = kinds[:i] + [kind] + kinds[i + 1:]
        region = _name_region(trial, i, lexicon(loc))
        if region:
            kinds, type_at, name_locale, compound = trial, i, loc, suffix
            break
    if type_at < 0:
        region = _name_region(kinds, -1, lexicon(name_locale))
    replacements: list[tuple[int, int, str]] = []
    name_text = ""
    if region:
        first, last = region
        start = tokens[first][0]
        end = tokens[last][1]
        if kinds[last] == "compound":
            end -= len(tokens[last][2]) - len(tokens[last][2].rstrip(_TRAILING_PUNCT)) + len(compound or "")
        else:
            end -= len(tokens[last][2]) - len(tokens[last][2].rstrip(_TRAILING_PUNCT))
        name_text = value[start:end]
        if name_text:
            new_name = _pick(_stream(key, "STREET", scope, name_text), lexicon(name_locale).street_names, name_text)
            compounds = lexicon(name_locale).street_compounds
            if kinds[last] == "compound":
                new_name = new_name.replace(" ", "")
            elif type_at < 0 and compounds:  # "Unter den Linden" -> "Lindenstraße", not "Linden"
                new_name = new_name.replace(" ", "") + compounds[0]
            replacements.append((start, end, _case_like(new_name, name_text)))
    replacements += _leftover_words(key, value, tokens, kinds, region, scope, name_locale)
    for i, (start, end, tok) in enumerate(tokens):
        if kinds[i] == "number" or (kinds[i] == "unit" and any(ch.isdigit() for ch in tok)):
            stream = KeyedStream(key, "PLACE.NUMBER", scope, normalise(name_text), tok)
            replacements.append((start, end, scramble(stream, tok)))
    out = value
    for start, end, new in sorted(replacements, reverse=True):
        out = out[:start] + new + out[end:]
    return out


def _leftover_words(key: bytes, value: str, tokens: list[tuple[int, int, str]], kinds: list[str],
                    region: tuple[int, int] | None, scope: str, locale: str) -> list[tuple[int, int, str]]:
    """Word runs outside the street name ("123 Main St Springfield") are read as a city.

    Directionals ("NW", "Nord") and letters right after a unit word ("Apt B") are kept.
    """
    covered = range(region[0], region[1] + 1) if region else range(0)
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(kinds):
        if kinds[i] != "word" or i in covered or (i > 0 and kinds[i - 1] == "unit"):
            i += 1
            continue
        j = i
        while j + 1 < len(kinds) and kinds[j + 1] == "word" and j + 1 not in covered:
            j += 1
        start, end = tokens[i][0], tokens[j][1] - (len(tokens[j][2]) - len(tokens[j][2].rstrip(_TRAILING_PUNCT)))
        run = value[start:end]
        if run and not all(normalise(t).rstrip(_TRAILING_PUNCT) in DIRECTIONALS for t in run.split()):
            out.append((start, end, city(key, run, scope, locale)))
        i = j + 1
    return out


def _name_region(kinds: list[str], type_at: int, lex: Lexicon) -> tuple[int, int] | None:
    """Token range of the street name: next to the type word, or all plain words."""
    if type_at >= 0 and kinds[type_at] == "compound":
        first = type_at
        while first > 0 and kinds[first - 1] == "word":
            first -= 1
        return first, type_at
    if type_at >= 0:
        step = 1 if lex.street_name_position == "after" else -1
        i, found = type_at + step, []
        while 0 <= i < len(kinds) and kinds[i] == "word":
            found.append(i)
            i += step
        return (min(found), max(found)) if found else None
    words = [i for i, k in enumerate(kinds) if k == "word" and (i == 0 or kinds[i - 1] != "unit")]
    if not words:
        return None
    last = words[0]
    while last + 1 < len(kinds) and kinds[last + 1] == "word":  # one contiguous run of words
        last += 1
    return words[0], last


def _postal(key: bytes, value: str, scope: str) -> str:
    stream = _stream(key, "POSTAL", scope, value)
    return scramble(stream, value)


def city(key: bytes, value: str, scope: str, locale: str) -> str:
    return _pick(_stream(key, CITY, scope, value), lexicon(locale).cities, value)


def state(key: bytes, value: str, scope: str, locale: str) -> str:
    v = value.strip()
    stream = _stream(key, STATE, scope, value)
    if v.isupper() and len(v) <= 3:
        abbreviations = lexicon("en").state_abbreviations
        if normalise(v) in place_index().state_abbreviations and len(v) == 2:
            return _pick(stream, abbreviations, value)
        return scramble(stream, value)
    pool = lexicon(locale).states or lexicon("en").states
    return _pick(stream, pool, value)


def country(key: bytes, value: str, scope: str, locale: str) -> str:
    return _pick(_stream(key, COUNTRY, scope, value), lexicon(locale).countries, value)


def _fill(template: str, stream: KeyedStream, lex: Lexicon) -> str:
    fields = {
        "city": stream.choice(lex.cities),
        "last": stream.choice(lex.last),
        "last2": stream.choice(lex.last),
        "saint": stream.choice(lex.saints),
        "orgword": stream.choice(lex.organization_words),
    }
    return template.format(**fields)


def _templated(key: bytes, kind: str, value: str, scope: str, templates: tuple[str, ...], lex: Lexicon) -> str:
    stream = _stream(key, kind, scope, value)
    norm = normalise(value)
    candidate = _fill(stream.choice(templates), stream, lex)
    for _ in range(MAX_REDRAWS):
        if normalise(candidate) != norm:
            break
        candidate = _fill(stream.choice(templates), stream, lex)
    return _case_like(candidate, value) if case_style(value) == UPPER else candidate


def hospital(key: bytes, value: str, scope: str, locale: str) -> str:
    lex = lexicon(locale)
    return _templated(key, HOSPITAL, value, scope, lex.hospital_templates, lex)


def organization(key: bytes, value: str, scope: str, locale: str) -> str:
    """A hospital-like fake for health-care organisations, else a company-like fake."""
    if _HEALTH_WORDS.search(value):
        return hospital(key, value, scope, locale)
    lex = lexicon(locale)
    m = _LEGAL_SUFFIX.search(value)
    base, tail = (value[:m.start()], m.group()) if m and m.start() > 0 else (value, "")
    return _templated(key, ORGANIZATION, base, scope, lex.organization_templates, lex) + tail


def _address_part(key: bytes, part: str, scope: str, locale: str) -> str:
    """One comma-separated part of an address: street, "IL 62704", city, state, unit, ..."""
    if not part.strip():
        return part
    tokens = part.split()
    tail: list[str] = []
    index = place_index()
    while len(tokens) > 1 and (_US_ZIP.fullmatch(tokens[-1]) or (
            tokens[-1].isupper() and normalise(tokens[-1]) in index.state_abbreviations)):
        tail.insert(0, tokens.pop())
    if tail:
        head_len = part.index(tokens[-1]) + len(tokens[-1])
        head, rest = part[:head_len], part[head_len:]
        new_rest = rest
        for tok in tail:
            new_tok = location_surrogate(key, tok, "", scope, locale)
            pos = new_rest.index(tok)
            new_rest = new_rest[:pos] + new_tok + new_rest[pos + len(tok):]
        return _address_part(key, head, scope, locale) + new_rest
    if tokens[0].lower().rstrip(_TRAILING_PUNCT) in UNIT_WORDS or tokens[0].startswith("#"):
        return street(key, part, scope, locale)
    kind = infer_location_kind(part)
    if kind == POSTAL and not _POSTAL.fullmatch(part.strip()):  # "3º izq", "Bloque 2": digits only
        return scramble(_stream(key, POSTAL, scope, part), part, letters=False)
    return location_surrogate(key, part, kind, scope, locale)


def location_surrogate(key: bytes, value: str, kind: str, scope: str, locale: str) -> str:
    """Dispatch a LOCATION (or ORGANIZATION-like) value by kind; empty kind is inferred."""
    loc = resolve_locale(locale)
    kind = (kind or "").upper() or infer_location_kind(value)
    if kind == ZIP:
        return _postal(key, value, scope) if not _US_ZIP.fullmatch(value.strip()) else _zip(key, value, scope)
    if kind == POSTAL:
        return _postal(key, value, scope)
    if kind == POSTAL_CITY:
        m = _LEADING_POSTAL.match(value)
        assert m is not None
        code = value[:m.end()]
        new_code = _zip(key, code, scope) if _US_ZIP.fullmatch(code) else _postal(key, code, scope)
        lead, name, trail = split_padding(value[m.end():])
        return new_code + lead + city(key, name, scope, loc) + trail
    if kind == ADDRESS:
        pieces = _COMMA_PARTS.split(value)
        return "".join(p if i % 2 else _address_part(key, p, scope, loc) for i, p in enumerate(pieces))
    if kind == STREET and "," not in value:
        return street(key, value, scope, loc)
    if kind == STREET:  # "Main St 5, 10117 Berlin" typed as a street: still a multi-part address
        return location_surrogate(key, value, ADDRESS, scope, loc)
    if kind == STATE:
        return state(key, value, scope, loc)
    if kind == COUNTRY:
        return country(key, value, scope, loc)
    if kind == HOSPITAL:
        return hospital(key, value, scope, loc)
    if kind == ORGANIZATION:
        return organization(key, value, scope, loc)
    return city(key, value, scope, loc)


def _zip(key: bytes, value: str, scope: str) -> str:
    return zip_code(_stream(key, ZIP, scope, value), value)
