"""The ``deid`` command line: demo, run, detect, eval, bench, fetch-jars.

Exit codes: 0 success, 2 bad usage or configuration, 1 failed run. Errors print the error class
and a message that names keys/columns/counts only; no note text ever reaches the terminal except
the demo's before/after excerpt of the bundled *synthetic* sample.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Sequence

from deid.errors import ConfigError, DeidError, InputSchemaError, KeyMissingError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("deid")


def default_config_path() -> Path:
    return Path(str(resources.files("conf").joinpath("local.yaml")))


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("py4j", "great_expectations", "urllib3", "matplotlib", "filelock"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def _common(p: argparse.ArgumentParser, *, config: bool = True) -> None:
    if config:
        p.add_argument("--config", help="YAML config file (default: the packaged conf/local.yaml)")
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override any config key, e.g. --set detection.ner.variant=fp32 (repeatable)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.add_argument("--json", action="store_true", help="print a machine-readable JSON result on stdout")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deid", description="De-identify clinical notes in Delta tables on Spark.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="run the job on the bundled synthetic sample (local Spark + Delta)")
    _common(p)
    p.add_argument("--workdir", default="out/demo", help="where the demo tables go (default out/demo)")

    p = sub.add_parser("run", help="run the de-identification job with a config")
    _common(p)

    p = sub.add_parser("detect", help="detect PHI in a notes JSONL file without Spark")
    _common(p)
    p.add_argument("--input", required=True, help='JSONL with {"id", "text", "language"?} per line')
    p.add_argument("--output", required=True, help="JSONL of spans per note")
    p.add_argument("--batch-size", type=int, default=32)

    p = sub.add_parser("eval", help="evaluate the detection stack on gold data, with and without the noise filter")
    _common(p)
    p.add_argument("--dataset", action="append", default=[],
                   help="dataset name(s): sample, meddocan-dev, synthetic-dev, synthetic-test (default: all available)")
    p.add_argument("--output", default="out/eval/eval.json", help="where the JSON report goes")
    p.add_argument("--limit", type=int, default=None, help="at most N notes per dataset (smoke runs)")

    p = sub.add_parser("bench", help="benchmark detection and the full Spark job (see docs/benchmarks.md)")
    _common(p)
    p.add_argument("--notes", type=int, default=200, help="number of notes (the sample replicated)")
    p.add_argument("--input", default=None, help="optional notes JSONL to benchmark instead of the sample")
    p.add_argument("--target-tokens", type=int, default=500, help="approximate tokens per note")
    p.add_argument("--skip-spark", action="store_true")
    p.add_argument("--skip-presidio", action="store_true")
    p.add_argument("--skip-detection", action="store_true", help="skip the in-process detection stack run")
    p.add_argument("--output", default="out/bench/bench.json")
    p.add_argument("--plot", default=None, help="write a PNG plot here")

    p = sub.add_parser("fetch-jars", help="resolve the delta-spark JARs into the local cache (pre-seed offline use)")
    _common(p)
    return parser


def _load(args) -> "DeidConfig":  # noqa: F821
    from deid.config import load_config

    return load_config(args.config or default_config_path(), args.overrides)


def cmd_demo(args) -> int:
    from deid.config import load_config
    from deid.pipeline import run_job
    from deid.sample import load_sample, write_sample_table
    from deid.session import get_spark

    work = args.workdir.rstrip("/")
    overrides = [
        f"input.path={work}/input_notes", f"output.deid_path={work}/deid_notes",
        f"output.quarantine_path={work}/quarantine", f"output.audit_path={work}/audit",
        f"output.data_docs_dir={work}/gx", f"output.summary_dir={work}/runs",
    ]
    if not os.environ.get("DEID_SURROGATE_KEY"):
        overrides.append("replacement.key.insecure_demo_key=true")
    cfg = load_config(args.config or default_config_path(), [*overrides, *args.overrides])
    spark = get_spark(cfg.spark)
    n = write_sample_table(spark, cfg.input.path)
    summary = run_job(cfg, spark)
    if args.json:
        print(summary.to_json())
        return EXIT_OK
    _print_summary(summary)
    sample = {r["note_id"]: r for r in load_sample()}
    out = spark.read.format("delta").load(cfg.output.deid_path).where("note_id = 'N0001'").collect()
    if out and "N0001" in sample:
        before = sample["N0001"]["note_text"][:600]
        after = out[0]["deid_text"][:600]
        print("\n--- before (synthetic sample note N0001) ---\n" + before)
        print("\n--- after ---\n" + after)
    print(f"\nsample notes written: {n}; input table: {cfg.input.path}")
    return EXIT_OK


def _print_summary(summary) -> None:
    print(f"run {summary.run_id}: {summary.status}")
    print(f"  notes in input: {summary.input_notes}  processed: {summary.processed}  "
          f"skipped (unchanged): {summary.skipped_unchanged}")
    print(f"  accepted: {summary.accepted}  quarantined: {summary.quarantined} {summary.quarantine_reasons or ''}")
    labels = ", ".join(f"{k}={v}" for k, v in sorted(summary.phi_per_label.items()))
    print(f"  PHI replaced per label: {labels or 'none'}")
    print(f"  throughput: {summary.notes_per_second} notes/s over {summary.seconds} s")
    print(f"  model: {summary.model_version}  config: {summary.config_version}")
    print(f"  validation: {summary.validation_checks} checks, failed: {summary.validation_failed or 'none'}")
    if summary.data_docs:
        print(f"  data docs: {summary.data_docs}")
    for k, v in summary.outputs.items():
        print(f"  {k}: {v}")
    print(f"  summary: {summary.summary_path}")


def cmd_run(args) -> int:
    from deid.pipeline import run_job

    cfg = _load(args)
    summary = run_job(cfg)
    print(summary.to_json()) if args.json else _print_summary(summary)
    return EXIT_OK


def cmd_detect(args) -> int:
    from deid.detect import detect_file

    cfg = _load(args)
    stats = detect_file(cfg, args.input, args.output, batch_size=args.batch_size)
    print(json.dumps(stats) if args.json else f"{stats['notes']} notes, {stats['spans']} spans -> {args.output}")
    return EXIT_OK


def cmd_eval(args) -> int:
    from deid.evaluate import run_eval

    cfg = _load(args)
    report = run_eval(cfg, datasets=args.dataset or None, output=args.output, limit=args.limit)
    print(json.dumps(report, indent=2) if args.json else report.get("text", ""))
    return EXIT_OK


def cmd_bench(args) -> int:
    from deid.bench import run_bench

    cfg = _load(args)
    result = run_bench(cfg, args)
    print(json.dumps(result, indent=2) if args.json else result.get("text", ""))
    return EXIT_OK


def cmd_fetch_jars(args) -> int:
    from deid.session import fetch_jars

    cfg = _load(args)
    folder = fetch_jars(cfg.spark)
    print(json.dumps({"jars_dir": str(folder)}) if args.json else f"Delta JARs cached in {folder}")
    return EXIT_OK


COMMANDS = {"demo": cmd_demo, "run": cmd_run, "detect": cmd_detect, "eval": cmd_eval, "bench": cmd_bench,
            "fetch-jars": cmd_fetch_jars}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.log_level)
    try:
        return COMMANDS[args.command](args)
    except (ConfigError, InputSchemaError, KeyMissingError) as exc:
        return _fail(args, EXIT_USAGE, "error", type(exc).__name__, str(exc))
    except DeidError as exc:
        return _fail(args, EXIT_FAILED, "failed", type(exc).__name__, str(exc))
    except Exception as exc:  # noqa: BLE001 - never echo a foreign message: it may quote data
        return _fail(args, EXIT_FAILED, "failed", type(exc).__name__,
                     "message withheld: it may quote note text; see the Spark logs on the cluster")


def _fail(args, code: int, word: str, error: str, message: str) -> int:
    """Report a failure on stderr, and as JSON on stdout for automation when --json is given."""
    print(f"{word}: {error}: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"status": "failed", "exit_code": code, "error": error, "message": message}))
    return code


def entry() -> None:
    """The ``deid`` console script, also the Databricks ``python_wheel_task`` entry point.

    A wheel task calls this function rather than running a process, so a failure has to raise:
    ``SystemExit(code)`` fails the task, whereas a returned code would be dropped.
    """
    code = main()
    if code:
        raise SystemExit(code)


if __name__ == "__main__":
    sys.exit(main())
