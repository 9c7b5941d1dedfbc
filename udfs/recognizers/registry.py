"""The catalogue of pattern recognizers: build them by name and run them over one text.

Recognizers are built once per executor (regexes compile in their constructors) and then
reused for every row, so building and running are separate steps.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from udfs.recognizers.address import StreetRecognizer, ZipRecognizer
from udfs.recognizers.age import AgeRecognizer
from udfs.recognizers.base import Recognizer
from udfs.recognizers.contact import (
    EmailRecognizer, IpRecognizer, PhoneContextRecognizer, PhoneRecognizer, UrlRecognizer,
)
from udfs.recognizers.dates import (
    MonthDayRecognizer, NumericDateRecognizer, WrittenDateRecognizer, YearRecognizer,
)
from udfs.recognizers.ids import IdRecognizer, SsnRecognizer
from udfs.spans import Span

_CLASSES: tuple[type[Recognizer], ...] = (
    NumericDateRecognizer, WrittenDateRecognizer, MonthDayRecognizer, YearRecognizer,
    PhoneRecognizer, PhoneContextRecognizer, EmailRecognizer, UrlRecognizer, IpRecognizer,
    SsnRecognizer, IdRecognizer,
    AgeRecognizer,
    ZipRecognizer, StreetRecognizer,
)

#: Names accepted by :func:`default_recognizers`, in the order they run.
RECOGNIZER_NAMES: tuple[str, ...] = tuple(cls.name for cls in _CLASSES)
_BY_NAME = {cls.name: cls for cls in _CLASSES}


def default_recognizers(enabled: Iterable[str] | None = None) -> list[Recognizer]:
    """One instance of each recognizer (or of those named in ``enabled``), in catalogue order.

    Unknown names raise ``ValueError`` so a typo in the config does not silently disable
    detection.
    """
    if enabled is None:
        wanted = set(RECOGNIZER_NAMES)
    else:
        wanted = set(enabled)
        unknown = sorted(wanted - _BY_NAME.keys())
        if unknown:
            raise ValueError(
                f"unknown recognizer name(s): {', '.join(unknown)}; known: {', '.join(RECOGNIZER_NAMES)}"
            )
    return [cls() for cls in _CLASSES if cls.name in wanted]


def run_recognizers(recognizers: Sequence[Recognizer], text: str, language: str | None) -> list[Span]:
    """All spans of the recognizers that support ``language``, sorted by (start, -end)."""
    spans: list[Span] = []
    for recognizer in recognizers:
        if recognizer.supports(language):
            spans.extend(recognizer.analyze(text, language))
    spans.sort(key=lambda s: (s.start, -s.end))
    return spans
