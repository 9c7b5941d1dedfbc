"""LOCATION recognizers: ZIP/postal codes in an address context, and street lines.

A five-digit number is only a ZIP after a state or a postal-code word; a street needs a
house number plus a street-type word (Street, Calle, -straße, rue, Via, -straat), so
"Room 412", "bed 3" and "Grade 3" never match. Patterns are case-sensitive (names are
capitalised) with ``(?i:...)`` around the type words.
"""
from __future__ import annotations

from typing import ClassVar

from udfs.recognizers.base import Pattern, PatternRecognizer

_STATE_ABBR = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR"
)
_STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|"
    "Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|"
    "Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|"
    "New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|"
    "Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|"
    "West Virginia|Wisconsin|Wyoming|Puerto Rico"
)
_ZIP = r"(\d{5}(?:-\d{4})?)(?![\w-])"


class ZipRecognizer(PatternRecognizer):
    """ZIP / postal codes after a US state or a postal-code keyword (ZIP, CP, PLZ, CAP, ...)."""

    name: ClassVar[str] = "pattern:zip"
    patterns = (
        Pattern("after_state_abbr", r",\s*(?:" + _STATE_ABBR + r")\.?\s+" + _ZIP, 0.9, "LOCATION", "ZIP",
                group=1, flags=0),
        Pattern("after_state_name", r"\b(?:" + _STATE_NAMES + r"),?\s+" + _ZIP, 0.85, "LOCATION", "ZIP",
                group=1, flags=0),
        Pattern(
            "after_keyword",
            r"(?:(?i:\b(?:zip(?:\s*code)?|postal\s+code|post\s*code|c[oó]digo\s+postal|code\s+postal|"
            r"cod\.?\s*postal|PLZ|CAP)\b)|(?<!\w)(?:C\.P\.|CP\b))\.?\s*[:#]?\s*"
            r"(\d{5}(?:-\d{4})?|\d{4}\s?[A-Z]{2})(?![\w-])",
            0.85, "LOCATION", "ZIP", group=1, flags=0,
        ),
    )


_WORD = r"(?:[A-ZÀ-ÖØ-Ý][a-zà-öø-ÿA-Z'’-]*|\d{1,3}(?:st|nd|rd|th))"
_NAME = _WORD + r"\.?"  # "St. Mary" inside a name; never used last, where a dot ends the sentence
_PARTICLE = (
    r"(?:de\s+la|de\s+los|de\s+las|del|de|du|des|la|le|les|las|los|el|di|della|dei|van|der|den|von|y|e)"
)
_NAMES = _NAME + r"(?:\s+(?:" + _PARTICLE + r"\s+)?" + _NAME + r"){0,4}"
# Full words end the span; abbreviations take their dot ("45 Elm Ave.", but "123 Oak Street.").
_EN_TYPES = (
    r"(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Place|Way|Terrace|Parkway|Highway|Circle|Square|"
    r"Trail)\b|(?:St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Pkwy|Hwy|Cir|Sq|Trl)\b\.?"
)
_UNIT = r"(?:Apt|Apartment|Suite|Ste|Unit)\.?\s*#?\s*[A-Z0-9-]{1,6}\b"
_NOT_UNIT_NEXT = r"(?!\s*(?i:mg|mcg|g|ml|cc|mmhg|units?|%)\b)"


class StreetRecognizer(PatternRecognizer):
    """Street lines in EN/ES/DE/FR/IT/NL: number + street-type word + name, in either order."""

    name: ClassVar[str] = "pattern:street"
    patterns = (
        Pattern(  # 123 Oak Street, 45 Elm Ave., Apt 4B
            "en_street",
            r"(?<![\w/.-])\d{1,5}[A-Z]?\s+(?:[NSEW]\.?\s+)?(?:" + _NAME + r"\s+){1,3}(?:" + _EN_TYPES + r")"
            r"(?:,?\s*" + _UNIT + r")?",
            0.85, "LOCATION", "STREET", flags=0,
        ),
        Pattern("apartment", r"\b(?:Apt|Apartment)\.?\s*#?\s*(?:\d{1,5}[A-Z]?|[A-Z]\d{0,4})\b", 0.6,
                "LOCATION", "STREET", flags=0),
        Pattern(  # Calle Miguel Benitez 90, Avda. de la Constitución 12, 3º B; Via Roma 5
            "type_name_number",
            r"(?<!\w)(?i:Calle|C/|Avda\.|Avenida|Av\.|Plaza|Pza\.|Paseo|P[º°]|Camino|Carretera|Ctra\.|"
            r"Ronda|Traves[ií]a|Glorieta|Rambla|Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo)"
            r"\s*(?:" + _PARTICLE + r"\s+)?" + _NAMES
            + r",?\s+(?:n[º°]\.?\s*)?\d{1,4}[A-Za-z]?(?:/[A-Za-z])?"
            r"(?:,?\s*\d{1,2}[º°ª]\s*[A-Z]?)?(?!\w)" + _NOT_UNIT_NEXT,
            0.8, "LOCATION", "STREET", flags=0,
        ),
        Pattern(  # Hauptstraße 12, Kerkstraat 12, Berliner Straße 5
            "compound_number",
            r"(?<!\w)(?:[A-ZÄÖÜ][a-zäöüß-]*(?i:straße|strasse|str\.|weg|gasse|platz|allee|damm|ufer|"
            r"chaussee|straat|laan|plein|gracht|kade|singel|dijk|steeg|markt)"
            r"|[A-ZÄÖÜ][a-zäöüß-]+\s(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse))"
            r"\s*\d{1,4}[a-zA-Z]?(?!\w)" + _NOT_UNIT_NEXT,
            0.8, "LOCATION", "STREET", flags=0,
        ),
        Pattern(  # 12 rue de la Paix, 3 bis avenue Victor Hugo
            "fr_number_type_name",
            r"(?<![\w/.-])\d{1,4}(?:\s?(?:bis|ter))?,?\s+"
            r"(?i:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai)\s+"
            r"(?:(?:d'|l')|" + _PARTICLE + r"\s+)*" + _WORD
            + r"(?:[\s-]+(?:(?:d'|l')|" + _PARTICLE + r"\s+)*" + _WORD + r"){0,4}",
            0.8, "LOCATION", "STREET", flags=0,
        ),
    )
