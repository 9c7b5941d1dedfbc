"""The one span type every detector returns, and the rule that merges overlapping spans."""
from __future__ import annotations

from dataclasses import dataclass, asdict
from typing import Iterable

#: The PHI labels the product knows. OTHER (MEDDOCAN kinship/sex words) is not PHI and never emitted.
LABELS: tuple[str, ...] = (
    "NAME", "DATE", "AGE", "ID", "LOCATION", "ORGANIZATION", "CONTACT", "PROFESSION",
)

#: Sources whose spans are certain enough never to be filtered or overridden by the NER model.
CERTAIN_SUBTYPES: frozenset[str] = frozenset({"SSN", "EMAIL", "PHONE", "FAX", "URL", "IP"})


@dataclass(frozen=True, slots=True)
class Span:
    """A detected PHI span. Offsets are Python str offsets into the original text, end exclusive.

    ``subtype`` refines the label where the detector knows more (PHONE, EMAIL, SSN, ZIP, MRN, ...);
    the surrogate engine uses it to pick a format-preserving generator.
    """

    start: int
    end: int
    label: str
    score: float
    source: str
    subtype: str = ""

    def __post_init__(self) -> None:
        if self.start < 0 or self.end <= self.start:
            raise ValueError(f"invalid span offsets {self.start}..{self.end}")
        if self.label not in LABELS:
            raise ValueError(f"unknown label {self.label!r}")

    @property
    def length(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def to_dict(self) -> dict:
        return asdict(self)
