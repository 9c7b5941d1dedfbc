"""ID recognizers: US SSNs (validated) and record/account/insurance/... numbers next to a keyword.

An identifier has no fixed shape ("26 63514095", "A1234567", "445-22-901"), so it is only
trusted after its keyword (MRN, NHC, NASS, Acct#, ...); the keyword decides the subtype and
only the identifier itself becomes the span.
"""
from __future__ import annotations

import re
from typing import ClassVar

from udfs.recognizers.base import Pattern, PatternRecognizer

_SSN_END = r"(?![\w-]|[.,]\d)"
_NON_DIGIT = re.compile(r"\D")


class SsnRecognizer(PatternRecognizer):
    """US social security numbers.

    A bare ###-##-#### that is impossible as an SSN (area 000/666/9xx, group 00, serial 0000) is
    dropped: it is more likely some other code. Next to an explicit "SSN" keyword it is kept anyway:
    a mistyped or test-range number written as an SSN still identifies someone (recall first).
    """

    name: ClassVar[str] = "pattern:ssn"
    patterns = (
        Pattern("ssn_formatted", r"(?<![\w-])\d{3}-\d{2}-\d{4}" + _SSN_END, 0.95, "ID", "SSN"),
        Pattern(
            "ssn_with_context",
            r"\b(?:SSN|SS#|S\.S\.N\.|social\s+security)(?:\s*(?:number|no\.?|#|num\.?))?\s*[:#]?\s*"
            r"(?:is\s+)?(\d{3}[- ]?\d{2}[- ]?\d{4})" + _SSN_END,
            0.9, "ID", "SSN", group=1,
        ),
    )
    context = ("ssn", "social security", "ss#")
    context_boost = 0.05

    def validate(self, match_text: str, pattern: Pattern) -> bool:
        digits = _NON_DIGIT.sub("", match_text)
        if len(digits) != 9:
            return False
        if pattern.name == "ssn_with_context":
            return True
        area, group, serial = digits[:3], digits[3:5], digits[5:]
        return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


# Keyword alternatives per subtype (regex fragments, matched case-insensitively).
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "MRN": (
        r"MRN", r"M\.R\.N\.?", r"medical\s+record", r"record\s+(?:number|no\.?|#)",
        r"historia\s+cl[ií]nica", r"N\.?H\.?C\.?", r"patient\s+(?:id|number|no\.?)", r"pt\.?\s+id",
        r"Patienten-?(?:ID|nummer)", r"(?:num[ée]ro\s+de\s+|n[º°o]\.?\s*(?:de\s+)?)?dossier",
        r"cartella\s+clinica", r"pati[ëe]ntnummer",
    ),
    "ACCOUNT": (
        r"acct", r"account", r"Fallnummer", r"case\s+(?:number|no\.?)", r"encounter\s+(?:id|number|no\.?)",
        r"visit\s+(?:id|number|no\.?)", r"episodio",
    ),
    "INSURANCE": (
        r"NASS", r"member\s+id", r"subscriber\s+id", r"policy", r"insurance\s+(?:id|number|no\.?)",
        r"(?:Kranken)?versichertennummer", r"Versicherungsnummer", r"tarjeta\s+sanitaria", r"CIP",
    ),
    "ACCESSION": (r"accession", r"specimen", r"sample\s+id", r"lab\s+(?:id|number|no\.?)"),
    "LICENSE": (
        r"N[º°o]\.?\s*Col(?:egiado)?\.?", r"(?:n[º°o]\.?\s*(?:de\s+)?)?colegiado", r"NPI", r"DEA",
        r"licen[sc]e\s+(?:number|no\.?|#)", r"LANR",
    ),
    "NATIONAL_ID": (
        r"BSN", r"codice\s+fiscale",
        r"(?:n[º°o]\.?|num[ée]ro)\s*(?:de\s+)?s[ée]curit[ée]\s+sociale", r"NIR", r"DNI", r"NIE", r"NIF",
        r"passport(?:\s+(?:number|no\.?))?", r"pasaporte", r"Steuer-?ID",
    ),
    "": (r"(?-i:ID)", r"identifier"),
}
# Optional "number"/"#"/":" between keyword and identifier ("Acct# ...", "MRN: ...", "NHC nº ...").
_SEP = (
    r"\.?\s*(?:#|n[º°o]\.?|no\.|nr\.?|num\.?|number|n[úu]mero|nummer|num[ée]ro)?\s*[:#=]?\s*"
)
# Words after a number that make it a dose, an age or a count, not part of the identifier.
_NOT_ID_NEXT = (
    r"(?:mg|mcg|g|kg|ml|l|cc|units?|iu|mmol|mm|cm|y|yo|y/o|yrs?|years?|a[ñn]os|jahre|ans|anni|jaar)\b"
)
# Letters, digits, inner dashes/slashes/dots, inner spaces before more digits ("26 63514095").
_IDENT = (
    r"(?=[A-Z0-9/.-]*\d)"
    r"([A-Z0-9](?:[A-Z0-9]|[-/.](?=[A-Z0-9])| (?=\d)(?!\d+\s*" + _NOT_ID_NEXT + r")){3,24})"
    r"(?![\w-])(?!\s*" + _NOT_ID_NEXT + r"|\s*%)"
)


def _keyword_pattern(subtype: str, keywords: tuple[str, ...], score: float) -> Pattern:
    regex = r"(?<!\w)(?:" + "|".join(keywords) + r")(?!\w)" + _SEP + _IDENT
    return Pattern(f"id_{subtype.lower() or 'generic'}", regex, score, "ID", subtype, group=1)


class IdRecognizer(PatternRecognizer):
    """Record, account, insurance, accession, license and national IDs after their keyword."""

    name: ClassVar[str] = "pattern:id"
    patterns = tuple(
        _keyword_pattern(subtype, words, 0.75 if subtype == "" else 0.85)
        for subtype, words in _KEYWORDS.items()
    ) + (
        Pattern(  # MRN-00451723, A1234567 on their own: identifier-shaped, but no keyword
            "id_token",
            r"(?<![\w-])(?:[A-Z]{1,5}-?\d{6,10}|[A-Z]{2,5}-\d{4,10})(?![\w-])",
            0.5, "ID", flags=0,
        ),
    )
