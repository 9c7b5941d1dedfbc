"""Build the synthetic corpus JSONL from the hand-authored source files.

Source files (``models/corpus/synthetic/src/*.txt``) hold notes separated by header lines::

    ### id=en-a-0001 | note_type=discharge_summary | language=en
    Patient {{NAME|John Smith}} was admitted on {{DATE|03/14/2021}} ...

Output: ``models/corpus/synthetic/<stem>.jsonl`` with ``id, language, note_type, marked``.
Run: ``python -m models.corpus.build`` (validates every note; fails on the first bad one).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from models.corpus.markup import MarkupError, to_spans

HEADER_RE = re.compile(r"^### (.+)$")
ROOT = Path(__file__).resolve().parent / "synthetic"


def parse_source(path: Path) -> list[dict[str, str]]:
    """Parse one source file into marked-note records."""
    notes: list[dict[str, str]] = []
    header: dict[str, str] | None = None
    body: list[str] = []

    def flush() -> None:
        if header is None:
            return
        marked = "\n".join(body).strip("\n")
        if not marked.strip():
            raise MarkupError(f"{path.name}: note {header.get('id')} is empty")
        to_spans(marked)  # validate
        notes.append({**header, "marked": marked})

    for line in path.read_text(encoding="utf-8").splitlines():
        m = HEADER_RE.match(line)
        if m:
            flush()
            fields = dict(part.strip().split("=", 1) for part in m.group(1).split("|"))
            for key in ("id", "note_type", "language"):
                if key not in fields:
                    raise MarkupError(f"{path.name}: header missing {key!r}: {line[:60]}")
            header, body = fields, []
        else:
            body.append(line)
    flush()
    return notes


def build(src_dir: Path = ROOT / "src", out_dir: Path = ROOT) -> dict[str, int]:
    counts: dict[str, int] = {}
    seen: set[str] = set()
    for src in sorted(src_dir.glob("*.txt")):
        notes = parse_source(src)
        for n in notes:
            if n["id"] in seen:
                raise MarkupError(f"duplicate note id {n['id']}")
            seen.add(n["id"])
        out = out_dir / f"{src.stem}.jsonl"
        with out.open("w", encoding="utf-8") as fh:
            for n in notes:
                fh.write(json.dumps(n, ensure_ascii=False, sort_keys=True) + "\n")
        counts[src.stem] = len(notes)
    return counts


if __name__ == "__main__":
    try:
        print(build())
    except MarkupError as exc:
        print(f"corpus error: {exc}", file=sys.stderr)
        sys.exit(1)
