"""CONTACT recognizers: phone/fax numbers (US and European), e-mail, URL and IP addresses.

Phone numbers share their digits with doses, vitals, lab values and IDs, so only formatted
numbers score high on their own; bare digit runs need a phone word ("Tel", "fax") nearby.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import re
from typing import ClassVar

from udfs.recognizers.base import Pattern, PatternRecognizer
from udfs.spans import Span

_PHONE_WORDS = (
    "tel", "tel.", "telephone", "phone", "ph", "call", "fax", "mobile", "mob", "cell", "contact",
    "pager", "beeper", "teléfono", "telefono", "tlf", "tfno", "móvil", "movil", "telefon",
    "handy", "mobil", "tél", "téléphone", "portable", "cellulare", "telefoon",
)
# The nearest phone word before a number decides PHONE vs FAX ("Tel ..., Fax ...").
_KIND_RE = re.compile(
    r"\b(?:(fax|telefax|télécopie)|" + "|".join(re.escape(w) for w in _PHONE_WORDS if w != "fax") + r")\b",
    re.IGNORECASE,
)
_KIND_WINDOW = 30

_BEFORE = r"(?<![\w+/.,:-])"
_AFTER = r"(?![\w/-]|[.,:]\d)"
_EXT = r"(?:\s*(?:x|ext\.?|extension|Durchwahl|poste)\s*\d{1,5})?"


def _phone_or_fax(text: str, span: Span) -> Span:
    """Re-label a phone span FAX when the nearest phone word before it is a fax word."""
    window = text[max(0, span.start - _KIND_WINDOW):span.start]
    last = None
    for last in _KIND_RE.finditer(window):
        pass
    if last is not None and last.group(1):
        return dataclasses.replace(span, subtype="FAX")
    return span


_EXT_START = re.compile(r"x|ext|extension|durchwahl|poste", re.IGNORECASE)


def _digit_count(value: str) -> int:
    """Digits of the number itself, extension excluded."""
    return sum(c.isdigit() for c in _EXT_START.split(value, maxsplit=1)[0])


class PhoneRecognizer(PatternRecognizer):
    """Formatted phone and fax numbers: US (555) 123-4567, +34 913 908 121, 030/1234567, ..."""

    name: ClassVar[str] = "pattern:phone"
    patterns = (
        Pattern(  # (555) 123-4567, 555-123-4567, 555.123.4567, +1 555 123 4567 x12
            "us",
            _BEFORE + r"(?:\+?1[\s.-]?)?(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}[\s.-])\d{3}[\s.-]\d{4}"
            + _EXT + _AFTER,
            0.95, "CONTACT", "PHONE",
        ),
        Pattern(  # 555 123 4567: separators are only spaces, could be an identifier
            "us_spaced",
            _BEFORE + r"[2-9]\d{2} \d{3} \d{4}" + _EXT + r"(?![\w/-]|[.,:]\d|\s\d)",
            0.75, "CONTACT", "PHONE",
        ),
        Pattern(  # +34 913 908 121, +49 (0)30 1234567
            "international_plus",
            r"(?<![\w+])\+[1-9]\d{0,2}(?:[\s.-]?\(0\))?(?:[\s./-]?\d{1,5}){2,6}" + _EXT + r"(?!\d)",
            0.95, "CONTACT", "PHONE",
        ),
        Pattern(  # 0049 30 1234567
            "international_00",
            r"(?<![\w+/.,:-])00[1-9]\d{0,2}[\s./-]\d{1,5}(?:[\s./-]?\d{1,5}){1,5}" + _EXT + r"(?!\d)",
            0.85, "CONTACT", "PHONE",
        ),
        Pattern(  # Spanish 913 908 121, 913 90 81 21, 93 416 97 00
            "es_national",
            _BEFORE + r"(?:[6789]\d{2}(?:[\s.]\d{3}[\s.]\d{3}|[\s.]\d{2}[\s.]\d{2}[\s.]\d{2})"
            r"|[89]\d[\s.]\d{3}[\s.]\d{2}[\s.]\d{2})(?![\w/-]|[.,:]\d|\s\d)",
            0.7, "CONTACT", "PHONE",
        ),
        Pattern(  # French 06 12 34 56 78
            "fr_national",
            _BEFORE + r"0[1-9](?:[\s.-]\d{2}){4}(?![\w/-]|[.,:]\d|[\s-]\d)",
            0.75, "CONTACT", "PHONE",
        ),
        Pattern(  # German/Dutch/Italian trunk-prefixed 030/1234567, 020-1234567, 06 12345678
            "trunk_national",
            _BEFORE + r"0\d{1,4}(?:\s?/\s?|[\s-])\d{3,8}(?:[\s-]\d{2,4}){0,3}" + _EXT
            + r"(?![\w/-]|[.,:]\d|\s\d)",
            0.7, "CONTACT", "PHONE",
        ),
    )
    context = _PHONE_WORDS
    context_boost = 0.25

    def validate(self, match_text: str, pattern: Pattern) -> bool:
        digits = _digit_count(match_text)
        if pattern.name == "us":
            return any(c in "()-.+" for c in match_text)
        if pattern.name.startswith("international"):
            return 9 <= digits <= 15
        if pattern.name == "trunk_national":
            return 9 <= digits <= 12
        return True

    def analyze(self, text: str, language: str | None = None) -> list[Span]:
        return [_phone_or_fax(text, s) for s in super().analyze(text, language)]


class PhoneContextRecognizer(PhoneRecognizer):
    """Unformatted numbers (914567890, 123-4567) only right after a phone word."""

    name: ClassVar[str] = "pattern:phone_context"
    patterns = (
        Pattern(  # not the tail of "(555) 123-4567" / "555 123-4567", which PhoneRecognizer owns
            "bare_digits",
            _BEFORE + r"(?<!\d\s)(?<!\)\s)(?<!\))(?:\d{9,11}|\d{3}-\d{4})" + _AFTER,
            0.4, "CONTACT", "PHONE",
        ),
    )
    context_window = 25
    context_boost = 0.4
    min_score = 0.7

    def validate(self, match_text: str, pattern: Pattern) -> bool:
        return True


_URL_TAIL = r"""[^\s<>"']*[^\s<>"'.,;:!?)\]]"""
_TLDS = "com|org|net|edu|gov|mil|int|info|biz|io|health|eu|us|uk|ca|es|cat|de|at|ch|fr|be|it|nl|pt|ie"


class EmailRecognizer(PatternRecognizer):
    """E-mail addresses."""

    name: ClassVar[str] = "pattern:email"
    patterns = (
        Pattern(
            "email",
            r"(?<![\w.+%-])[A-Z0-9][A-Z0-9._%+-]*@[A-Z0-9](?:[A-Z0-9-]*[A-Z0-9])?"
            r"(?:\.[A-Z0-9](?:[A-Z0-9-]*[A-Z0-9])?)*\.[A-Z]{2,24}\b",
            1.0, "CONTACT", "EMAIL",
        ),
    )


class UrlRecognizer(PatternRecognizer):
    """URLs: with a scheme, starting with www., or a bare domain followed by a path."""

    name: ClassVar[str] = "pattern:url"
    patterns = (
        Pattern("scheme", r"\b(?:https?|ftp)://" + _URL_TAIL, 0.95, "CONTACT", "URL"),
        Pattern("www", r"(?<![\w@./-])www\." + _URL_TAIL, 0.95, "CONTACT", "URL"),
        Pattern(
            "bare_domain_path",
            r"(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:" + _TLDS + r")/(?:" + _URL_TAIL + r")?",
            0.85, "CONTACT", "URL",
        ),
    )


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"


class IpRecognizer(PatternRecognizer):
    """IPv4 (octets validated) and IPv6 (full or compressed, checked with ``ipaddress``)."""

    name: ClassVar[str] = "pattern:ip"
    patterns = (
        Pattern(
            "ipv4", r"(?<![\w.:])(?:" + _OCTET + r"\.){3}" + _OCTET + r"(?!\w|\.\d)", 0.9, "CONTACT", "IP"
        ),
        Pattern(
            "ipv6",
            r"(?<![\w:.])(?=[0-9a-f:.]*\d)(?:[0-9a-f]{0,4}:){2,7}"
            r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]{1,4})?(?![\w:]|\.\d)",
            0.95, "CONTACT", "IP",
        ),
    )
    context = ("ip", "ip address", "host", "dirección ip", "IP-Adresse", "adresse ip")

    def validate(self, match_text: str, pattern: Pattern) -> bool:
        if pattern.name == "ipv4":
            return True
        if len(match_text) < 6:  # "::1" and friends are loopback, not PHI
            return False
        try:
            ipaddress.IPv6Address(match_text)
        except ValueError:
            return False
        return True
