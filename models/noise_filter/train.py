"""Train the NER noise filter on out-of-fold NER predictions and package it for the executors.

    python -m models.noise_filter.train [--config conf/noise_filter.yaml] [--set key=value ...]

1. Every NER span predicted on a note the predicting model did not train on becomes a sample
   (``models.noise_filter.dataset``): the K fold models' out-of-fold predictions on the training
   notes, plus ``extra_predictions`` (the shipped NER on MEDDOCAN train notes outside its
   subsample and on synthetic dev, ``models.noise_filter.predict``). A NER is over-confident on
   its own training notes, so spans it predicts there look nothing like its errors on new notes.
2. Cross-fitting by note: each note's spans are scored by a classifier fit on the other notes.
3. The threshold is the highest one whose PHI-token recall loss on those cross-fitted scores is
   <= ``max_recall_drop`` (``models.noise_filter.threshold``); a nested run (threshold chosen
   without fold f, applied to fold f) estimates the effect on unseen notes.
4. The final classifier is fit on all samples, exported to ONNX (no sklearn at run time), and
   written with ``meta.json`` (features, threshold, sha256, data description, metrics).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import yaml

from deid.errors import ConfigError
from udfs.checksums import sha256_file

REPO = Path(__file__).resolve().parents[2]


@dataclass
class FilterTrainConfig:
    """Every knob of filter training; ``conf/noise_filter.yaml`` may set these and nothing else."""

    #: Folder of oof.jsonl + tags.json from ``models.train --folds K``; "" = none.
    oof_dir: str = "models/.work/oof"
    #: Further prediction files of the same schema (a tags.json beside each) on notes the
    #: predicting model did not train on (``models.noise_filter.predict``); never MEDDOCAN dev
    #: or synthetic test (the loader refuses them).
    extra_predictions: list[str] = field(default_factory=list)
    out_dir: str = "udfs/noise_filter/model"
    report_path: str = "models/.work/noise_filter/report.json"
    classifier: str = "gbt"  # gbt (GradientBoostingClassifier) | logreg
    n_estimators: int = 200
    learning_rate: float = 0.05
    max_depth: int = 5
    min_samples_leaf: int = 20
    subsample: float = 0.8
    logreg_c: float = 1.0
    cv_folds: int = 5
    max_recall_drop: float = 0.002
    #: The recall guard holds overall and within each group: "source" (synthetic / meddocan),
    #: "language", or "" (overall only).
    guard_groups: str = "source"
    seed: int = 13
    threads: int = 1


def load_config(path: str | None, overrides: Sequence[str] = ()) -> FilterTrainConfig:
    raw: dict[str, Any] = {}
    if path:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ConfigError("noise filter config must be a mapping")
        raw.update(loaded)
    for ov in overrides:
        if "=" not in ov:
            raise ConfigError(f"override must be key=value: {ov}")
        key, val = ov.split("=", 1)
        raw[key.strip()] = yaml.safe_load(val)
    known = {f.name for f in fields(FilterTrainConfig)}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{key}: unknown noise filter config key")
    cfg = FilterTrainConfig(**raw)
    if cfg.classifier not in ("gbt", "logreg"):
        raise ConfigError("classifier: expected gbt or logreg")
    if cfg.guard_groups not in ("", "source", "language"):
        raise ConfigError("guard_groups: expected source, language or empty")
    return cfg


def _display(path: Path) -> str:
    """Repo-relative path where possible (meta.json must not record a machine's layout)."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return path.name


def make_classifier(cfg: FilterTrainConfig):
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if cfg.classifier == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(C=cfg.logreg_c, max_iter=2000))
    return GradientBoostingClassifier(
        n_estimators=cfg.n_estimators, learning_rate=cfg.learning_rate, max_depth=cfg.max_depth,
        min_samples_leaf=cfg.min_samples_leaf, subsample=cfg.subsample, random_state=cfg.seed,
    )


def cv_fold(note_id: str, k: int) -> int:
    base = note_id.split("#aug", 1)[0]
    return int(hashlib.sha256(f"noise-filter/{base}".encode()).hexdigest()[:8], 16) % k


def stack(notes, idx: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Fit matrix of the notes ``idx``, don't-care samples left out."""
    X = np.concatenate([notes[i].X for i in idx])
    y = np.concatenate([notes[i].y for i in idx])
    keep = y >= 0
    return X[keep].astype(np.float32), y[keep].astype(np.int64)


def cross_fit(cfg: FilterTrainConfig, notes, folds: np.ndarray) -> list[np.ndarray]:
    """P(PHI) for every candidate span from a classifier that never saw its note."""
    probs = [np.ones(len(n.y), dtype=np.float64) for n in notes]
    for f in range(cfg.cv_folds):
        held = np.flatnonzero(folds == f)
        X, y = stack(notes, np.flatnonzero(folds != f))
        model = make_classifier(cfg).fit(X, y)
        for i in held:
            if len(notes[i].y):
                probs[i] = model.predict_proba(notes[i].X.astype(np.float32))[:, 1]
    return probs


def span_effect(notes, probs: Sequence[np.ndarray], threshold: float, subset: Sequence[int]) -> dict:
    """Candidate NER spans dropped at ``threshold``: false positives vs. true PHI, by label."""
    from udfs.spans import LABELS

    out: dict[str, Any] = {"candidates": 0, "fp_spans": 0, "fp_dropped": 0, "tp_spans": 0, "tp_dropped": 0}
    by_label = {lab: [0, 0, 0, 0] for lab in LABELS}  # fp, fp dropped, tp, tp dropped
    for i in subset:
        n = notes[i]
        drop = probs[i] < threshold
        for j, (y, d) in enumerate(zip(n.y, drop)):
            lab = n.ner_spans[int(n.candidates[j])].label
            out["candidates"] += 1
            if y == 0:
                by_label[lab][0] += 1
                by_label[lab][1] += int(d)
            elif y == 1:
                by_label[lab][2] += 1
                by_label[lab][3] += int(d)
    out["fp_spans"] = sum(v[0] for v in by_label.values())
    out["fp_dropped"] = sum(v[1] for v in by_label.values())
    out["tp_spans"] = sum(v[2] for v in by_label.values())
    out["tp_dropped"] = sum(v[3] for v in by_label.values())
    out["fp_reduction"] = out["fp_dropped"] / out["fp_spans"] if out["fp_spans"] else 0.0
    out["by_label"] = {lab: dict(zip(("fp", "fp_dropped", "tp", "tp_dropped"), v))
                       for lab, v in by_label.items() if any(v)}
    return out


def evaluate(counter, notes, probs, threshold: float, subset: Sequence[int]) -> dict:
    """Binary PHI-token metrics of the pipeline without / with the filter, plus span effect."""
    base = counter.counts(probs, -np.inf, subset)
    filt = counter.counts(probs, threshold, subset)
    return {
        "threshold": threshold, "notes": len(subset),
        "phi_token_no_filter": base, "phi_token_filtered": filt,
        "recall_change": filt["recall"] - base["recall"],
        "precision_change": filt["precision"] - base["precision"],
        "token_fp_reduction": (base["fp"] - filt["fp"]) / base["fp"] if base["fp"] else 0.0,
        "spans": span_effect(notes, probs, threshold, subset),
    }


def nested(counter, notes, probs, folds: np.ndarray, k: int, max_drop: float, group_of) -> dict:
    """Threshold chosen without fold f, applied to fold f; counts summed over folds."""
    from models.noise_filter.threshold import choose_threshold

    per_note_threshold = np.zeros(len(notes))
    chosen = []
    for f in range(k):
        t, _ = choose_threshold(counter, probs, max_drop, list(np.flatnonzero(folds != f)), group_of)
        chosen.append(t)
        per_note_threshold[folds == f] = t
    # Apply each note's own fold threshold by rescaling: p < t_f  <=>  p - t_f + 0.5 < 0.5.
    shifted = [p - per_note_threshold[i] + 0.5 for i, p in enumerate(probs)]
    res = evaluate(counter, notes, shifted, 0.5, list(range(len(notes))))
    res["threshold"] = None
    res["fold_thresholds"] = chosen
    return res


def export_onnx(model, n_features: int) -> bytes:
    from skl2onnx import to_onnx

    sample = np.zeros((1, n_features), dtype=np.float32)
    onx = to_onnx(model, sample, options={"zipmap": False}, target_opset={"": 17, "ai.onnx.ml": 3})
    return onx.SerializeToString()


def onnx_parity(blob: bytes, model, X: np.ndarray, threshold: float) -> dict:
    import onnxruntime as ort

    sess = ort.InferenceSession(blob, providers=["CPUExecutionProvider"])
    p_onnx = sess.run(["probabilities"], {sess.get_inputs()[0].name: X})[0][:, 1]
    p_skl = model.predict_proba(X)[:, 1]
    return {"max_abs_diff": float(np.abs(p_onnx - p_skl).max()) if len(X) else 0.0,
            "decision_flips": int(((p_onnx >= threshold) != (p_skl >= threshold)).sum()),
            "input": sess.get_inputs()[0].name}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default=str(REPO / "conf" / "noise_filter.yaml"))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key")
    args = ap.parse_args(argv)
    try:
        cfg = load_config(args.config, args.set)
    except (ConfigError, OSError) as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(cfg.threads)

    import sklearn
    import skl2onnx

    from models.noise_filter.dataset import load_notes
    from models.noise_filter.threshold import RecallCounter, choose_threshold
    from udfs.noise_filter.features import FEATURE_NAMES, N_FEATURES
    from udfs.noise_filter.filter import META_FILE

    t0 = time.perf_counter()
    files = ([REPO / cfg.oof_dir / "oof.jsonl"] if cfg.oof_dir else []) + [REPO / p for p in cfg.extra_predictions]
    missing = [str(p) for p in files for q in (p, p.parent / "tags.json") if not q.is_file()]
    if not files or missing:
        print(f"missing prediction files: {missing or 'none configured'}", file=sys.stderr)
        return 2
    headers = [json.loads((p.parent / "tags.json").read_text(encoding="utf-8")) for p in files]
    tags = tuple(headers[0]["tags"])
    if any(tuple(h["tags"]) != tags for h in headers):
        print("prediction files disagree on the tag order", file=sys.stderr)
        return 2
    notes = load_notes(files, tags)
    folds = np.array([cv_fold(n.id, cfg.cv_folds) for n in notes])
    X_all, y_all = stack(notes, range(len(notes)))
    t_feat = time.perf_counter() - t0
    print(f"{len(notes)} notes, {len(y_all)} samples ({int(y_all.sum())} PHI), features in {t_feat:.0f}s", flush=True)

    counter = RecallCounter(notes)
    everyone = list(range(len(notes)))
    probs = cross_fit(cfg, notes, folds)
    group_of = [getattr(n, cfg.guard_groups) for n in notes] if cfg.guard_groups else None
    threshold, curve = choose_threshold(counter, probs, cfg.max_recall_drop, None, group_of)
    selection = evaluate(counter, notes, probs, threshold, everyone)
    held_out = nested(counter, notes, probs, folds, cfg.cv_folds, cfg.max_recall_drop, group_of)
    by_source = {src: evaluate(counter, notes, probs, threshold, [i for i in everyone if notes[i].source == src])
                 for src in sorted({n.source for n in notes})}
    by_language = {lang: evaluate(counter, notes, probs, threshold, [i for i in everyone if notes[i].language == lang])
                   for lang in sorted({n.language for n in notes})}
    # The naive alternative the paper argues against: drop spans by their own NER score.
    score_probs = [np.array([n.ner_spans[int(j)].score for j in n.candidates]) for n in notes]
    score_t, _ = choose_threshold(counter, score_probs, cfg.max_recall_drop, None, group_of)
    score_baseline = evaluate(counter, notes, score_probs, score_t, everyone)
    print(f"threshold {threshold:.4f}: recall change {selection['recall_change']:+.4f}, "
          f"FP spans dropped {selection['spans']['fp_reduction']:.1%}", flush=True)

    model = make_classifier(cfg).fit(X_all, y_all)
    blob = export_onnx(model, N_FEATURES)
    parity = onnx_parity(blob, model, X_all, threshold)
    digest = hashlib.sha256(blob).hexdigest()
    out_dir = REPO / cfg.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "model.onnx").write_bytes(blob)

    def summary(ev: dict) -> dict:
        return {k: ev[k] for k in ("threshold", "notes", "recall_change", "precision_change", "token_fp_reduction")} | {
            "phi_token_no_filter": {k: ev["phi_token_no_filter"][k] for k in ("recall", "precision", "fp", "fn")},
            "phi_token_filtered": {k: ev["phi_token_filtered"][k] for k in ("recall", "precision", "fp", "fn")},
            "spans": {k: v for k, v in ev["spans"].items() if k != "by_label"},
        }

    by_src_notes = {src: sum(n.source == src for n in notes) for src in sorted({n.source for n in notes})}
    meta = {
        "format": 1,
        "version": f"{cfg.classifier}-{digest[:12]}",
        "model_file": "model.onnx",
        "sha256": digest,
        "input": parity["input"],
        "probability_output": "probabilities",
        "feature_names": list(FEATURE_NAMES),
        "threshold": threshold,
        "threshold_rule": (f"highest keep-threshold whose binary PHI-token recall loss vs. no filter is "
                           f"<= {cfg.max_recall_drop} overall and per {cfg.guard_groups or 'nothing'}, on "
                           f"{cfg.cv_folds}-fold cross-fitted scores of the training notes"),
        "classifier": {"type": type(model).__name__ if cfg.classifier == "gbt" else "StandardScaler+LogisticRegression",
                       "config": {k: v for k, v in asdict(cfg).items()
                                  if k not in ("oof_dir", "extra_predictions", "out_dir", "report_path")}},
        "training_data": {
            "description": "NER predictions on notes the predicting model did not train on; "
                           "no MEDDOCAN dev, no synthetic test",
            "files": [{"path": _display(p), "sha256": sha256_file(p), "notes": sum(1 for _ in p.open(encoding="utf-8")),
                       "kind": h.get("kind", f"out-of-fold predictions of {h.get('folds', '?')} fold NER models "
                                             "(models.train --folds) on the NER training notes"),
                       "ner_model": h.get("model_version", "fold models")} for p, h in zip(files, headers)],
            "ner_tags": list(tags),
            "notes": len(notes), "notes_by_source": by_src_notes,
            "samples": int(len(y_all)), "phi": int(y_all.sum()), "false_positives": int((y_all == 0).sum()),
            "dont_care": int(sum((n.y < 0).sum() for n in notes)),
            "target": "span overlaps any gold PHI span (label-agnostic); OTHER/PROFESSION-only overlaps left out",
        },
        "metrics": {"selection": summary(selection), "nested_held_out": summary(held_out)
                    | {"fold_thresholds": held_out["fold_thresholds"]},
                    "score_threshold_baseline": summary(score_baseline)},
        "onnx_parity": parity,
        "created": dt.date.today().isoformat(),
        "versions": {"sklearn": sklearn.__version__, "skl2onnx": skl2onnx.__version__},
    }
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    report = {"meta": meta, "selection": selection, "nested_held_out": held_out, "by_source": by_source,
              "by_language": by_language,
              "score_threshold_baseline": score_baseline, "curve": curve,
              "seconds": round(time.perf_counter() - t0, 1)}
    report_path = REPO / cfg.report_path
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"version": meta["version"], "threshold": threshold,
                      "selection": summary(selection), "nested_held_out": summary(held_out),
                      "score_threshold_baseline": summary(score_baseline), "onnx_parity": parity,
                      "seconds": report["seconds"]}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
