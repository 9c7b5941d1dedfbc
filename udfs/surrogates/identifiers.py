"""Identifier and contact surrogates: same length, separators and character classes, never real.

Why: downstream checks (and readers) expect an MRN to still look like an MRN and a phone number
like a phone number, but the value must be impossible to trace. Rules:

* generic IDs (MRN, ACCOUNT, INSURANCE, licence numbers, ...) and unknown postal codes:
  digit -> keyed digit, upper -> keyed upper, lower -> keyed lower, other characters kept;
* SSN: area 900-999 (never issued as an SSN) with group 01-49 (outside the ITIN group ranges
  50-65, 70-88, 90-92, 94-99), so the result is neither a valid SSN nor a valid ITIN;
* e-mail: format-preserving keyed local part @ example.com / example.org / example.net (RFC 2606);
* URL: https://www.example.org/<keyed path> (the scheme/"www." prefix follows the original);
* phone/fax: separators, "+"/"00" country code, trunk "0" and extension layout kept. North
  American numbers (locale en, or +1) become <keyed area code>-555-01xx (the fictional range
  555-0100..0199); other numbers get keyed digits;
* IPv4 -> documentation ranges 192.0.2.x, 198.51.100.x, 203.0.113.x (RFC 5737), port/CIDR kept;
  IPv6 -> 2001:db8::/32 (RFC 3849);
* US ZIP / ZIP+4 -> keyed digits in the same layout.

When the subtype is empty, ``infer_kind`` reads the kind from the text's shape.
"""
from __future__ import annotations

import re

from udfs.surrogates.keyed import MAX_REDRAWS, KeyedStream, scramble, scramble_once

EMAIL, URL, IP, PHONE, FAX, SSN, ZIP, GENERIC = "EMAIL", "URL", "IP", "PHONE", "FAX", "SSN", "ZIP", "GENERIC"

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+", re.IGNORECASE)
_IPV4 = re.compile(r"(?P<ip>\d{1,3}(?:\.\d{1,3}){3})(?P<rest>(?::\d{1,5})?(?:/\d{1,2})?)")
_IPV6 = re.compile(r"(?P<ip>(?=[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:)[0-9A-Fa-f:]{2,39})(?P<rest>/\d{1,3})?")
_SSN = re.compile(r"\d{3}([- ]?)\d{2}\1\d{4}")
_ZIP = re.compile(r"\d{5}(?:-\d{4})?")
_PHONE = re.compile(r"(?:\+|00)?[\d\s().\-/]{7,}(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?", re.IGNORECASE)
_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension)\s*\d{1,6}$", re.IGNORECASE)
_DOC_NETS = ("192.0.2", "198.51.100", "203.0.113")
_EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")
_PATH_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
#: Two-digit country calling codes; "1" and "7" are one digit, every other code three.
_CC2 = frozenset(
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
    "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98".split()
)


def infer_kind(value: str, label: str) -> str:
    """Kind of an ID/CONTACT/ZIP value from its shape, for spans that come without a subtype."""
    v = value.strip()
    if _EMAIL.fullmatch(v):
        return EMAIL
    if _URL.fullmatch(v):
        return URL
    if _IPV4.fullmatch(v) or (v.count(":") >= 2 and _IPV6.fullmatch(v)):
        return IP
    if label == "LOCATION" and _ZIP.fullmatch(v):
        return ZIP
    if _SSN.fullmatch(v) and (label == "ID" or "-" in v):
        return SSN
    digits = sum(ch.isdigit() for ch in v)
    if label == "CONTACT" and _PHONE.fullmatch(v) and 7 <= digits <= 18:
        return PHONE
    return GENERIC


def _lay_digits(template: str, digits: str) -> str:
    """Write ``digits`` into the digit positions of ``template``, keeping everything else."""
    it = iter(digits)
    return "".join(next(it) if ch.isdigit() else ch for ch in template)


def _redraw(stream: KeyedStream, original: str, make) -> str:
    candidate = make(stream)
    for _ in range(MAX_REDRAWS):
        if candidate != original:
            return candidate
        candidate = make(stream)
    return scramble(stream, original)  # pragma: no cover - needs 64 equal draws


def ssn(stream: KeyedStream, value: str) -> str:
    if sum(ch.isdigit() for ch in value) != 9:
        return scramble(stream, value)

    def make(s: KeyedStream) -> str:
        digits = f"9{s.below(100):02d}{s.between(1, 49):02d}{s.between(1, 9999):04d}"
        return _lay_digits(value, digits)

    return _redraw(stream, value, make)


def email(stream: KeyedStream, value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not at:
        return scramble(stream, value)
    upper = domain.isupper()

    def make(s: KeyedStream) -> str:
        new_domain = s.choice(_EXAMPLE_DOMAINS)
        return scramble_once(s, local) + "@" + (new_domain.upper() if upper else new_domain)

    return _redraw(stream, value, make)


def url(stream: KeyedStream, value: str) -> str:
    lowered = value.lower()
    if "://" in lowered:
        prefix = "https://www."
    elif lowered.startswith("www."):
        prefix = "www."
    else:
        prefix = ""

    def make(s: KeyedStream) -> str:
        path = "".join(s.choice(_PATH_ALPHABET) for _ in range(8))
        return f"{prefix}example.org/{path}"

    return _redraw(stream, value, make)


def ip_address(stream: KeyedStream, value: str) -> str:
    m4 = _IPV4.fullmatch(value)
    if m4 is not None:
        rest = m4.group("rest")
        return _redraw(stream, value, lambda s: f"{s.choice(_DOC_NETS)}.{s.between(1, 254)}{rest}")
    m6 = _IPV6.fullmatch(value)
    if m6 is not None:
        rest = m6.group("rest") or ""
        upper = any(ch in "ABCDEF" for ch in value)

        def make(s: KeyedStream) -> str:
            out = f"2001:db8::{s.hexdigest(4).lstrip('0') or '0'}:{s.hexdigest(4).lstrip('0') or '0'}{rest}"
            return out.upper() if upper else out

        return _redraw(stream, value, make)
    return scramble(stream, value)


def _country_code_length(digits: str) -> int:
    if digits[:1] in ("1", "7"):
        return 1
    return 2 if digits[:2] in _CC2 else 3


def _north_american(plus_or_00: bool, digits: str, locale: str) -> bool:
    if plus_or_00:
        return digits[:1] == "1" and len(digits) == 11
    if locale != "en":
        return False
    return len(digits) == 7 or (len(digits) == 10 and digits[0] not in "01") or (len(digits) == 11 and digits[0] == "1")


def phone(stream: KeyedStream, value: str, locale: str) -> str:
    ext = _EXTENSION.search(value)
    main, tail = (value[:ext.start()], value[ext.start():]) if ext else (value, "")
    stripped = main.lstrip()
    intl_prefix = "+" if stripped.startswith("+") else "00" if stripped.startswith("00") else ""
    digits = "".join(ch for ch in main if ch.isdigit())
    if len(digits) < 4:
        return scramble(stream, value)
    body = digits[len(intl_prefix):] if intl_prefix == "00" else digits
    lead = digits[:len(digits) - len(body)]  # the "00" of an international prefix
    nanp = _north_american(bool(intl_prefix), body, locale)

    def make(s: KeyedStream) -> str:
        if nanp:
            line = f"555{s.between(100, 199):04d}"
            if len(body) == 7:
                new = line
            else:
                area = f"{s.between(2, 9)}{s.below(9)}{s.below(10)}"
                if area[1:] == "11":
                    area = area[0] + "10"
                new = body[:len(body) - 10] + area + line
        else:
            keep = _country_code_length(body) if intl_prefix else (1 if body.startswith("0") else 0)
            new = body[:keep] + "".join(s.digit(nonzero=i == 0) for i in range(len(body) - keep))
        new_tail = _lay_digits(tail, "".join(s.digit() for ch in tail if ch.isdigit())) if tail else ""
        return _lay_digits(main, lead + new) + new_tail

    return _redraw(stream, value, make)


def zip_code(stream: KeyedStream, value: str) -> str:
    def make(s: KeyedStream) -> str:
        return _lay_digits(value, f"{s.between(100, 999):03d}" + "".join(s.digit() for _ in range(sum(c.isdigit() for c in value) - 3)))

    if not _ZIP.fullmatch(value):
        return scramble(stream, value)
    return _redraw(stream, value, make)


def identifier_surrogate(stream: KeyedStream, value: str, kind: str, locale: str) -> str:
    """Dispatch one ID/CONTACT value by kind (EMAIL, URL, IP, PHONE, FAX, SSN, ZIP, GENERIC)."""
    if kind == EMAIL:
        return email(stream, value)
    if kind == URL:
        return url(stream, value)
    if kind == IP:
        return ip_address(stream, value)
    if kind in (PHONE, FAX):
        return phone(stream, value, locale)
    if kind == SSN:
        return ssn(stream, value)
    if kind == ZIP:
        return zip_code(stream, value)
    return scramble(stream, value)
