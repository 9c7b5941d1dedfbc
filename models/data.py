"""Training data for the PHI NER model: MEDDOCAN + the synthetic corpus in one record type.

Splits are by note id (sha256), so they never change when notes are added and augmented
variants always stay in their note's split. MEDDOCAN dev and synthetic test are for evaluation
only: nothing here hands them to training or tuning (``training_notes`` refuses them).

Run ``python -m models.data`` to rebuild ``models/splits.json`` from the current corpus
(and the MEDDOCAN subsample size in ``conf/train.yaml``).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Sequence

from models.corpus.markup import to_spans

ROOT = Path(__file__).resolve().parent
SYNTHETIC_DIR = ROOT / "corpus" / "synthetic"
MEDDOCAN_DIR = ROOT.parent.parent / "shared" / "data" / "meddocan"
SPLITS_PATH = ROOT / "splits.json"

#: Gold labels that are not PHI targets: tagged O in training, "don't care" in evaluation.
NON_TARGET_LABELS: frozenset[str] = frozenset({"OTHER"})
SPLIT_SCHEME = "sha256(note id) first 8 hex digits as int % 100: <70 train, <85 dev, else test"


@dataclass(frozen=True)
class Note:
    """One annotated note. ``spans`` are dicts {start, end, label[, subtype]}, end exclusive."""

    id: str
    language: str
    note_type: str
    text: str
    spans: list[dict] = field(default_factory=list)
    source: str = "synthetic"

    def to_dict(self) -> dict:
        return asdict(self)


def split_of(note_id: str) -> str:
    """Deterministic 70/15/15 split of a synthetic note id."""
    bucket = int(hashlib.sha256(note_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if bucket < 70 else "dev" if bucket < 85 else "test"


def load_synthetic(directory: Path = SYNTHETIC_DIR) -> list[Note]:
    """All built synthetic notes (``models/corpus/synthetic/*.jsonl``), sorted by id."""
    notes: list[Note] = []
    for path in sorted(directory.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                rec = json.loads(line)
                text, spans = to_spans(rec["marked"])
                notes.append(Note(rec["id"], rec["language"], rec["note_type"], text, spans, "synthetic"))
    return sorted(notes, key=lambda n: n.id)


def load_meddocan(split: str, directory: Path = MEDDOCAN_DIR) -> list[Note]:
    """MEDDOCAN ``train`` or ``dev`` (Spanish clinical case reports)."""
    if split not in ("train", "dev"):
        raise ValueError("MEDDOCAN split must be 'train' or 'dev' (test is held out elsewhere)")
    notes = []
    with (directory / f"{split}.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            spans = [{"start": s["start"], "end": s["end"], "label": s["label"]} for s in rec["spans"]]
            notes.append(Note(rec["id"], "es", "clinical_case", rec["text"], spans, "meddocan"))
    return notes


def synthetic_split(notes: Iterable[Note], split: str) -> list[Note]:
    return [n for n in notes if split_of(n.id) == split]


def meddocan_subsample(notes: Sequence[Note], max_docs: int) -> list[Note]:
    """The first ``max_docs`` MEDDOCAN notes in sha256(id) order (deterministic); all if <= 0."""
    ranked = sorted(notes, key=lambda n: hashlib.sha256(n.id.encode()).hexdigest())
    return ranked if max_docs <= 0 else ranked[:max_docs]


def training_notes(synthetic: Sequence[Note], meddocan_train: Sequence[Note], meddocan_max_docs: int) -> list[Note]:
    """Synthetic train split + (a subsample of) MEDDOCAN train — never dev/test notes."""
    train = synthetic_split(synthetic, "train")
    med = meddocan_subsample([n for n in meddocan_train if n.id.startswith("train/")], meddocan_max_docs)
    return train + med


def write_splits(
    synthetic: Sequence[Note], meddocan_used: Sequence[str] = (), path: Path = SPLITS_PATH
) -> dict:
    """Write the synthetic split lists (and the MEDDOCAN policy and subsample) to
    ``models/splits.json``."""
    out: dict = {
        "scheme": SPLIT_SCHEME,
        "synthetic": {s: sorted(n.id for n in synthetic if split_of(n.id) == s) for s in ("train", "dev", "test")},
        "meddocan": {
            "train": "train.jsonl; training uses the first N documents in sha256(id) order",
            "train_used": sorted(meddocan_used),
            "dev": "dev.jsonl; evaluation only, never used for training or tuning",
        },
        "augmented_variants": "stay in their source note's split",
    }
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


# ---------------------------------------------------------------- augmentation

SurrogateFn = Callable[[str, str, str, str, str], str]  # (value, label, subtype, scope, locale)


def resample_note(note: Note, surrogate: SurrogateFn, variant: int) -> Note:
    """A variant of ``note`` with every annotated value replaced by a surrogate; offsets are
    recomputed. Values the engine cannot replace (error or empty result) are kept."""
    parts: list[str] = []
    spans: list[dict] = []
    pos = 0
    length = 0
    scope = f"{note.id}#aug{variant}"
    for s in sorted(note.spans, key=lambda s: s["start"]):
        if s["start"] < pos:  # overlapping gold spans: leave as is
            continue
        before = note.text[pos:s["start"]]
        value = note.text[s["start"]:s["end"]]
        new = value
        if s["label"] not in NON_TARGET_LABELS:
            try:
                new = surrogate(value, s["label"], s.get("subtype", ""), scope, note.language) or value
            except Exception:  # an engine gap must not stop training; keep the original value
                new = value
            new = new.strip() or value
        parts += [before, new]
        length += len(before)
        spans.append({**s, "start": length, "end": length + len(new)})
        length += len(new)
        pos = s["end"]
    parts.append(note.text[pos:])
    return replace(note, id=f"{note.id}#aug{variant}", text="".join(parts), spans=spans)


def load_surrogate_fn(variant: int, seed: int) -> SurrogateFn | None:
    """A surrogate function backed by ``udfs.surrogates.engine.SurrogateEngine`` with a
    per-variant key, or None when the engine is not available (no augmentation then)."""
    try:
        from udfs.surrogates.engine import SurrogateEngine
    except Exception:
        return None
    key = hashlib.sha256(f"phi-ner-augment/{seed}/{variant}".encode()).digest()
    try:  # vary young ages too: the model must learn ages, not memorise values
        engine = SurrogateEngine(key, replace_all_ages=True)
    except TypeError:
        engine = SurrogateEngine(key)

    def fn(value: str, label: str, subtype: str, scope: str, locale: str) -> str:
        return engine.surrogate(value, label, subtype, scope, locale)

    return fn


def augment(notes: Sequence[Note], variants: int, seed: int) -> tuple[list[Note], bool]:
    """``variants`` re-sampled copies of each synthetic note (MEDDOCAN notes are not
    augmented). Returns (variants, engine_available)."""
    out: list[Note] = []
    for k in range(1, variants + 1):
        fn = load_surrogate_fn(k, seed)
        if fn is None:
            return [], False
        out += [resample_note(n, fn, k) for n in notes if n.source == "synthetic"]
    return out, True


if __name__ == "__main__":  # python -m models.data [conf/train.yaml]
    import sys

    from models.train import load_config

    cfg = load_config(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "conf" / "train.yaml")
    syn = load_synthetic()
    med = load_meddocan("train") if cfg.use_meddocan else []
    used = [n.id for n in training_notes(syn, med, cfg.meddocan_max_docs) if n.source == "meddocan"]
    info = write_splits(syn, used)
    print({s: len(v) for s, v in info["synthetic"].items()}, "meddocan_train_used", len(used))
