"""``deid eval``: the detection stack against gold data, with and without the noise filter.

Datasets: ``sample`` (the bundled synthetic sample), ``synthetic-dev`` / ``synthetic-test`` (the
project's corpus, split by note id), ``meddocan-dev`` (Spanish, CC BY 4.0; needs ../shared/data).
The numbers in the model card come from this command; the JSON it writes feeds the report notebook.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

from deid.config import DeidConfig
from deid.errors import ConfigError

DATASETS = ("sample", "synthetic-dev", "synthetic-test", "meddocan-dev")


def load_dataset(name: str) -> list[dict[str, Any]]:
    """Gold notes as dicts {id, language, text, spans}."""
    if name == "sample":
        from deid.sample import load_sample

        return [{"id": r["note_id"], "language": r.get("language") or "en", "text": r["note_text"],
                 "spans": r["spans"]} for r in load_sample()]
    from models.data import load_meddocan, load_synthetic, synthetic_split

    if name in ("synthetic-dev", "synthetic-test"):
        notes = synthetic_split(load_synthetic(), name.split("-")[1])
    elif name == "meddocan-dev":
        try:
            notes = load_meddocan("dev")
        except FileNotFoundError:
            raise ConfigError("dataset meddocan-dev needs ../shared/data/meddocan/dev.jsonl") from None
    else:
        raise ConfigError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return [{"id": n.id, "language": n.language, "text": n.text, "spans": n.spans} for n in notes]


def _scores(docs) -> dict[str, Any]:
    from models.metrics import phi_token_recall, span_scores, token_scores

    return {"token": token_scores(docs), "span_overlap": span_scores(docs, "overlap"),
            "phi_token": phi_token_recall(docs)}


def evaluate_notes(stack, notes: Sequence[dict], batch_size: int = 16) -> dict[str, Any]:
    """Scores with and without the noise filter, overall and per language, plus the filter's effect."""
    preds: dict[bool, list] = {False: [], True: []}
    for i in range(0, len(notes), batch_size):
        chunk = notes[i:i + batch_size]
        variants = stack.detect_variants([n["text"] for n in chunk], [n["language"] for n in chunk])
        for mode in (False, True):
            preds[mode].extend(variants.get(mode, variants[False]))
    result: dict[str, Any] = {"n_notes": len(notes), "noise_filter_available": stack.noise_filter is not None}
    for mode, key in ((False, "without_filter"), (True, "with_filter")):
        docs = [(n["text"], n["spans"], p) for n, p in zip(notes, preds[mode])]
        by_lang: dict[str, list] = defaultdict(list)
        for n, d in zip(notes, docs):
            by_lang[n["language"]].append(d)
        result[key] = {"overall": _scores(docs),
                       "per_language": {lang: _scores(d) for lang, d in sorted(by_lang.items())}}
    from models.metrics import token_confusion

    # Gold x predicted token counts with the filter on ("O" = no span): what gets mistaken for what.
    result["token_confusion"] = token_confusion([(n["text"], n["spans"], p) for n, p in zip(notes, preds[True])])
    before = result["without_filter"]["overall"]["phi_token"]
    after = result["with_filter"]["overall"]["phi_token"]
    result["filter_effect"] = {
        "fp_tokens_without": before["fp"], "fp_tokens_with": after["fp"],
        "fp_tokens_removed_share": (1 - after["fp"] / before["fp"]) if before["fp"] else 0.0,
        "phi_token_recall_without": before["recall"], "phi_token_recall_with": after["recall"],
        "recall_change": after["recall"] - before["recall"],
    }
    return result


def _text_report(report: dict[str, Any]) -> str:
    lines = [f"detection stack: {report['stack_version']}"]
    for name, res in report["datasets"].items():
        fe = res["filter_effect"]
        lines.append(f"\n== {name} ({res['n_notes']} notes)")
        for key in ("without_filter", "with_filter"):
            o = res[key]["overall"]
            lines.append(f"  {key:15s} PHI-token recall {o['phi_token']['recall']:.4f} precision "
                         f"{o['phi_token']['precision']:.4f} | token micro F1 {o['token']['micro']['f1']:.4f} "
                         f"| span(overlap) micro F1 {o['span_overlap']['micro']['f1']:.4f}")
        lines.append(f"  noise filter: FP tokens {fe['fp_tokens_without']} -> {fe['fp_tokens_with']} "
                     f"({100 * fe['fp_tokens_removed_share']:.1f}% removed), recall change {fe['recall_change']:+.4f}")
        per = res["with_filter"]["overall"]["token"]
        lines.append("  per label (token, with filter): " + ", ".join(
            f"{lab} P{v['precision']:.2f}/R{v['recall']:.2f}" for lab, v in per.items() if lab != "micro"))
    return "\n".join(lines)


def run_eval(cfg: DeidConfig, *, datasets: Sequence[str] | None = None, output: str | None = None,
             limit: int | None = None) -> dict[str, Any]:
    from deid.pipeline import detection_settings
    from udfs.detection import get_detection_stack

    stack = get_detection_stack(detection_settings(cfg))
    names = list(datasets) if datasets else [d for d in DATASETS if _available(d)]
    report: dict[str, Any] = {"stack_version": stack.version, "datasets": {}, "config_version": cfg.fingerprint()}
    for name in names:
        notes = load_dataset(name)[: limit or None]
        t0 = time.monotonic()
        res = evaluate_notes(stack, notes)
        res["seconds"] = round(time.monotonic() - t0, 1)
        report["datasets"][name] = res
    report["text"] = _text_report(report)
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(json.dumps(report, indent=2, sort_keys=True))
    return report


def _available(name: str) -> bool:
    try:
        return bool(load_dataset(name))
    except (ConfigError, FileNotFoundError, OSError):
        return False
