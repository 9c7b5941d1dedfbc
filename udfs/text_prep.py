"""Text preparation before detection: Unicode normalisation and markup stripping.

Invisible characters (zero-width spaces, joiners, BOMs, control characters) can split a name so
that neither the model nor a regex sees it ("Jo\u200bhn"), so they are removed and the text is
NFC-normalised. HTML and RTF markup is converted to plain text for the same reason
("<b>John</b> Smith"). The prepared text is what gets de-identified and written; offsets in the
audit table refer to it.
"""
from __future__ import annotations

import html
import re
import unicodedata

_INVISIBLE_RE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"  # C0/C1 controls except \t \n \r
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_HTML_HINT_RE = re.compile(r"<\s*(?:html|body|div|p|br|span|b|i|u|table|tr|td|font|strong|em|li|ul|ol|h[1-6])\b[^>]*>",
                           re.IGNORECASE)
_HTML_BREAK_RE = re.compile(r"<\s*(?:br|/p|/div|/tr|/li|/h[1-6])\s*/?\s*>", re.IGNORECASE)
_HTML_DROP_RE = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_TAG_RE = re.compile(r"<[^<>]{0,2000}>")
_RTF_HINT_RE = re.compile(r"^\s*\{\\rtf", re.IGNORECASE)
_RTF_DESTINATION_RE = re.compile(r"\{\\\*[^{}]*\}|\{\\(?:fonttbl|colortbl|stylesheet|info)(?:[^{}]|\{[^{}]*\})*\}")
_RTF_PAR_RE = re.compile(r"\\(?:par|line)\b ?")
_RTF_HEX_RE = re.compile(r"\\'([0-9a-fA-F]{2})")
_RTF_UNICODE_RE = re.compile(r"\\u(-?\d+)\??")
_RTF_CONTROL_RE = re.compile(r"\\[a-zA-Z]+-?\d* ?|\\[{}\\]|[{}]")
_MULTI_BLANK_RE = re.compile(r"[ \t]{2,}")


def looks_like_html(text: str) -> bool:
    return _HTML_HINT_RE.search(text) is not None


def looks_like_rtf(text: str) -> bool:
    return _RTF_HINT_RE.match(text) is not None


def strip_html(text: str) -> str:
    text = _HTML_DROP_RE.sub(" ", text)
    text = _HTML_BREAK_RE.sub("\n", text)
    text = _HTML_TAG_RE.sub(" ", text)
    return _MULTI_BLANK_RE.sub(" ", html.unescape(text))


def strip_rtf(text: str) -> str:
    text = _RTF_DESTINATION_RE.sub("", text)
    text = _RTF_PAR_RE.sub("\n", text)
    text = _RTF_HEX_RE.sub(lambda m: bytes([int(m.group(1), 16)]).decode("cp1252", "replace"), text)
    text = _RTF_UNICODE_RE.sub(lambda m: chr(int(m.group(1)) % 65536), text)
    text = text.replace("\\{", "{").replace("\\}", "}").replace("\\\\", "\\")
    text = _RTF_CONTROL_RE.sub("", text)
    return _MULTI_BLANK_RE.sub(" ", text).strip()


def prepare_text(text: str, *, strip_markup: bool = True) -> tuple[str, list[str]]:
    """Return (prepared text, flags). Flags name what was changed: MARKUP_HTML, MARKUP_RTF, INVISIBLE."""
    flags: list[str] = []
    if strip_markup:
        if looks_like_rtf(text):
            text = strip_rtf(text)
            flags.append("MARKUP_RTF")
        elif looks_like_html(text):
            text = strip_html(text)
            flags.append("MARKUP_HTML")
    normalised = unicodedata.normalize("NFC", text)
    cleaned = _INVISIBLE_RE.sub("", normalised)
    if cleaned != normalised:
        flags.append("INVISIBLE")
    return cleaned, flags
