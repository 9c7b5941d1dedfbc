"""Inline PHI markup used by the synthetic corpus, and its conversion to offset spans.

Notes are authored with PHI marked inline as ``{{LABEL|value}}`` or ``{{LABEL/SUBTYPE|value}}``,
e.g. ``Seen by {{NAME|Dr. Ana Ruiz}}`` is wrong (titles stay outside) and
``Seen by Dr. {{NAME|Ana Ruiz}} on {{DATE|03/14/2021}}`` is right.
``to_spans`` strips the markup and returns the clean text with span offsets into it.
"""
from __future__ import annotations

import re
from typing import Any

from udfs.spans import LABELS

MARK_RE = re.compile(r"\{\{([A-Z]+)(?:/([A-Z_]+))?\|(.+?)\}\}", re.DOTALL)


class MarkupError(ValueError):
    """A marked note is malformed (unknown label, nested or unbalanced markup)."""


def to_spans(marked: str) -> tuple[str, list[dict[str, Any]]]:
    """Strip ``{{LABEL|value}}`` markup; return (text, spans) with offsets into ``text``."""
    out: list[str] = []
    spans: list[dict[str, Any]] = []
    pos = 0
    length = 0
    for m in MARK_RE.finditer(marked):
        label, subtype, value = m.group(1), m.group(2) or "", m.group(3)
        if label not in LABELS:
            raise MarkupError(f"unknown label {label!r} at offset {m.start()}")
        if "{{" in value or "|" in value:
            raise MarkupError(f"nested or malformed markup at offset {m.start()}")
        if value != value.strip() or not value:
            raise MarkupError(f"span value has surrounding whitespace at offset {m.start()}")
        before = marked[pos:m.start()]
        out.append(before)
        length += len(before)
        spans.append({"start": length, "end": length + len(value), "label": label, "subtype": subtype})
        out.append(value)
        length += len(value)
        pos = m.end()
    rest = marked[pos:]
    if "{{" in rest or "}}" in rest:
        raise MarkupError("unbalanced markup after the last span")
    out.append(rest)
    text = "".join(out)
    if "{{" in text or "}}" in text:
        raise MarkupError("unbalanced markup")
    return text, spans


def validate_file(path: str) -> dict[str, int]:
    """Check every line of a marked corpus file; return counts per label. Raises on the first bad line."""
    import json
    from collections import Counter

    counts: Counter[str] = Counter()
    ids: set[str] = set()
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            for key in ("id", "language", "note_type", "marked"):
                if key not in rec:
                    raise MarkupError(f"{path}:{lineno}: missing key {key!r}")
            if rec["id"] in ids:
                raise MarkupError(f"{path}:{lineno}: duplicate id {rec['id']!r}")
            ids.add(rec["id"])
            try:
                _, spans = to_spans(rec["marked"])
            except MarkupError as exc:
                raise MarkupError(f"{path}:{lineno}: {exc}") from None
            counts["notes"] += 1
            counts.update(s["label"] for s in spans)
    return dict(counts)


if __name__ == "__main__":  # python -m models.corpus.markup FILE...
    import sys

    for p in sys.argv[1:]:
        print(p, validate_file(p))
