#!/usr/bin/env python
"""Profile the detection stack (and optionally the worker's replacement step) on bench notes.

    python scripts/profile_detection.py --notes 100 [--worker] [--set detection.ner.variant=fp32]

Builds the same ~500-token notes as ``deid bench``, runs ``DetectionStack.detect`` in batches of
``spark.arrow_batch_size`` under cProfile with one ONNX intra-op thread, and prints the top entries
by own time and by cumulative time, plus a per-stage breakdown. ``--worker`` profiles
``udfs.worker.process_frame`` instead (detection + surrogates + leak gate: the UDF body).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notes", type=int, default=100)
    ap.add_argument("--target-tokens", type=int, default=500)
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--worker", action="store_true", help="profile process_frame (the whole UDF body)")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    os.environ.setdefault("RAYON_NUM_THREADS", "1")

    from deid.bench import build_notes
    from deid.cli import default_config_path
    from deid.config import load_config
    from deid.pipeline import detection_settings
    from deid.sample import load_sample
    from udfs.detection import get_detection_stack

    cfg = load_config(default_config_path(), args.overrides)
    settings = detection_settings(cfg)
    if settings.intra_op_threads is None:
        settings = replace(settings, intra_op_threads=1)
    notes = build_notes(load_sample(), args.notes, args.target_tokens)
    texts = [n["text"] for n in notes]
    langs = [n["language"] for n in notes]
    batch = cfg.spark.arrow_batch_size
    stack = get_detection_stack(settings)
    stack.detect(texts[:2], langs[:2])

    if args.worker:
        import pandas as pd

        from udfs.secret import SecretKey
        from udfs.worker import WorkerSettings, process_frame

        ws = WorkerSettings(detection=settings, key=SecretKey(b"profile-key-not-secret-0123456789"))
        frames = [pd.DataFrame({"note_id": [n["id"] for n in notes[i:i + batch]],
                                "patient_id": [n["patient_id"] for n in notes[i:i + batch]],
                                "text": texts[i:i + batch], "note_date": [n["note_date"] for n in notes[i:i + batch]],
                                "note_type": [n["note_type"] for n in notes[i:i + batch]],
                                "language": langs[i:i + batch], "source_hash": "h", "dup_count": 1})
                  for i in range(0, len(notes), batch)]

        def work():
            for f in frames:
                process_frame(f, ws)
    else:
        def work():
            for i in range(0, len(texts), batch):
                stack.detect(texts[i:i + batch], langs[i:i + batch])

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    work()
    prof.disable()
    wall = time.perf_counter() - t0
    print(f"{len(notes)} notes in {wall:.2f} s under cProfile = {len(notes) / wall:.2f} notes/s "
          f"(profiler overhead included)")
    for key in ("tottime", "cumulative"):
        s = io.StringIO()
        pstats.Stats(prof, stream=s).strip_dirs().sort_stats(key).print_stats(args.top)
        print(f"\n=== top {args.top} by {key} ===")
        print("\n".join(s.getvalue().splitlines()[6:]))


if __name__ == "__main__":
    main()
