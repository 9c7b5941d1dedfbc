#!/usr/bin/env python
"""Focused micro-benchmarks behind docs/benchmarks.md ("what we changed and what it bought").

    python scripts/micro_bench.py ort    [--notes 40] [--batch-sizes 1,4,16] [--models PATH,...]
    python scripts/micro_bench.py python [--notes 200]

``ort``: ms per 256-piece window of the NER graph on the windows of the ``deid bench`` notes, one
intra-op thread, for each model file (default: the shipped int8 and fp16), ONNX Runtime graph
optimisation level (BASIC / EXTENDED / ALL) and windows-per-run batch size.
``python``: the per-note Python work that was rewritten, old implementation vs new on the same
notes: propagation search, leak-gate search, tokenizer case ids.
Run it on an otherwise idle machine; each number is the best of ``--repeat`` runs.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _notes(n: int, target: int = 500) -> list[dict]:
    from deid.bench import build_notes
    from deid.sample import load_sample

    return build_notes(load_sample(), n, target)


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def cmd_ort(args) -> None:
    import onnxruntime as ort

    from udfs.ner.host import DEFAULT_MODEL_DIR
    from udfs.ner.tokenization import build_batch, encode_batch, load_tokenizer, make_windows, special_ids

    tok = load_tokenizer(DEFAULT_MODEL_DIR / "tokenizer.json")
    cls, sep, pad = special_ids(tok)
    encs = encode_batch(tok, [n["text"] for n in _notes(args.notes)])
    windows = [(e, s, t) for e in encs for s, t in make_windows(len(e), 256, 64)]
    pieces = sum(len(e) for e in encs)
    print(f"{len(encs)} notes, {pieces / len(encs):.0f} word pieces/note, {len(windows) / len(encs):.2f} windows/note, "
          f"{len(windows)} windows; ORT {ort.__version__}, 1 intra-op thread")
    models = args.models.split(",") if args.models else [str(DEFAULT_MODEL_DIR / "model.int8.onnx"),
                                                         str(DEFAULT_MODEL_DIR / "model.fp16.onnx")]
    levels = {"BASIC": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
              "EXTENDED": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
              "ALL": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}
    for path in models:
        for lname in args.levels.split(","):
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1
            opts.log_severity_level = 3
            opts.graph_optimization_level = levels[lname]
            t = time.perf_counter()
            sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
            load = time.perf_counter() - t
            names = {i.name for i in sess.get_inputs()}
            for bs in [int(b) for b in args.batch_sizes.split(",")]:
                batches = []
                for i in range(0, len(windows), bs):
                    b = build_batch(windows[i:i + bs], cls, sep, pad)
                    feed = {"input_ids": b.input_ids, "attention_mask": b.attention_mask}
                    if "case_ids" in names:
                        feed["case_ids"] = b.case_ids
                    batches.append(feed)
                sess.run(["logits"], batches[0])

                def run():
                    for f in batches:
                        sess.run(["logits"], f)

                sec = _best(run, args.repeat)
                print(f"{Path(path).name:22s} {lname:8s} load {load:5.2f} s  batch {bs:3d}: "
                      f"{1000 * sec / len(windows):6.1f} ms/window  {len(encs) / sec:6.2f} notes/s")


def _old_propagate(text, spans):
    from udfs.spans import Span

    extra, seen = [], set()
    for span in spans:
        if span.label not in {"NAME", "ID", "CONTACT"}:
            continue
        value = text[span.start:span.end]
        if len(value.strip()) < 3 or (value, span.label) in seen:
            continue
        seen.add((value, span.label))
        pattern = re.compile(r"(?<!\w)" + re.escape(value) + r"(?!\w)")
        for m in pattern.finditer(text):
            if m.start() != span.start:
                extra.append(Span(m.start(), m.end(), span.label, span.score * 0.9, "propagation", span.subtype))
    return [*spans, *extra]


def _old_leaks(original, output, spans):
    leaks = 0
    for span in spans:
        if span.label not in {"NAME", "ID", "CONTACT", "LOCATION", "ORGANIZATION", "DATE"}:
            continue
        value = original[span.start:span.end].strip()
        if len(value) < (6 if span.label == "DATE" else 4):
            continue
        if re.search(r"(?<!\w)" + re.escape(value) + r"(?!\w)", output):
            leaks += 1
    return leaks


def _old_case_ids(text, enc):
    import numpy as np

    from udfs.ner.tokenization import CASE_OTHER, case_class

    n = len(enc.ids)
    offsets = np.asarray(enc.offsets, dtype=np.int32).reshape(n, 2)
    case_ids = np.full(n, CASE_OTHER, dtype=np.int64)
    word_ids = enc.word_ids
    i = 0
    while i < n:
        w = word_ids[i]
        j = i + 1
        while j < n and w is not None and word_ids[j] == w:
            j += 1
        case_ids[i:j] = case_class(text[offsets[i, 0]:offsets[j - 1, 1]])
        i = j
    return case_ids


def cmd_python(args) -> None:
    from udfs.detection import propagate_spans
    from udfs.merge import merge_spans
    from udfs.ner.host import DEFAULT_MODEL_DIR
    from udfs.ner.tokenization import _encoded, load_tokenizer
    from udfs.spans import Span
    from udfs.worker import leaked_spans

    notes = _notes(args.notes)
    # The detection stack's spans are about the gold ones: use gold spans, so no model is needed.
    spans = [merge_spans(Span(s["start"], s["end"], s["label"], 0.8, "ner") for s in n["spans"]
                         if s["label"] != "OTHER") for n in notes]
    texts = [n["text"] for n in notes]
    outputs = [t.replace("a", "o") for t in texts]  # a stand-in for surrogate output: most values gone

    def timed(label, fn):
        def run():
            re.purge()  # the pattern cache would hide per-value compiles on these repeated notes
            for i in range(len(notes)):
                fn(i)
        sec = _best(run, args.repeat)
        print(f"{label:38s} {1000 * sec / len(notes):7.3f} ms/note")
        return sec

    print(f"{len(notes)} notes, {sum(map(len, spans)) / len(notes):.0f} spans/note")
    a = timed("propagation, one pattern per value", lambda i: _old_propagate(texts[i], spans[i]))
    b = timed("propagation, LiteralMatcher", lambda i: propagate_spans(texts[i], spans[i]))
    print(f"  -> x{a / b:.1f}")
    a = timed("leak gate, one pattern per value", lambda i: _old_leaks(texts[i], outputs[i], spans[i]))
    b = timed("leak gate, LiteralMatcher", lambda i: leaked_spans(texts[i], outputs[i], spans[i]))
    print(f"  -> x{a / b:.1f}")
    tok = load_tokenizer(DEFAULT_MODEL_DIR / "tokenizer.json")
    encs = tok.encode_batch(texts, add_special_tokens=False)
    a = timed("case ids, per-piece loop", lambda i: _old_case_ids(texts[i], encs[i]))
    b = timed("case ids, vectorised + cached", lambda i: _encoded(texts[i], encs[i]))
    print(f"  -> x{a / b:.1f}")
    t = _best(lambda: tok.encode_batch(texts, add_special_tokens=False), args.repeat)
    print(f"{'tokenizer encode_batch (Rust)':38s} {1000 * t / len(notes):7.3f} ms/note")
    t = _best(lambda: [tok.encode(x, add_special_tokens=False) for x in texts], args.repeat)
    print(f"{'tokenizer encode, one call per note':38s} {1000 * t / len(notes):7.3f} ms/note")


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("ort")
    p.add_argument("--notes", type=int, default=40)
    p.add_argument("--models", default="")
    p.add_argument("--levels", default="ALL")
    p.add_argument("--batch-sizes", default="1,4,16")
    p.add_argument("--repeat", type=int, default=2)
    p = sub.add_parser("python")
    p.add_argument("--notes", type=int, default=200)
    p.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    {"ort": cmd_ort, "python": cmd_python}[args.cmd](args)


if __name__ == "__main__":
    main()
