#!/usr/bin/env bash
# docs/spark-submit.md's recipe on one machine: the bundled synthetic sample written as parquet,
# de-identified by `spark-submit jobs/deidentify.py` on a local master into Delta tables in WORKDIR.
# Offline once the Delta JARs are cached (`deid fetch-jars`): they go on --jars from that cache.
#
# Usage: scripts/spark_submit_local.sh [WORKDIR] [-- DEID_ARGS...]
#   WORKDIR    where input/, deid/, quarantine/, audit/, runs/, gx/ go (default: a new temp folder)
#   DEID_ARGS  extra arguments for the job, e.g. -- --set detection.ner.enabled=false
# Environment:
#   PYTHON                  interpreter with deid installed (default: python on PATH)
#   DEID_SPARK_MASTER       default local[2]
#   DEID_SPARK_SUBMIT_PACK  1 = ship a venv-pack archive with --archives, as on a cluster (slow:
#                           builds a fresh venv with `pip install .`, needs an index or PIP_FIND_LINKS)
#   DEID_ENV_ARCHIVE        an existing venv-pack archive to ship instead of building one
#   DEID_SURROGATE_KEY      the surrogate key (default: a random one-off key for this run)
# Prints the job's JSON run summary on stdout; everything else goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-}"
if [[ -z "$WORK" || "$WORK" == "--" ]]; then WORK="$(mktemp -d -t deid-submit.XXXXXX)"; else shift; fi
[[ "${1:-}" == "--" ]] && shift
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
PY="$(command -v "${PYTHON:-python}")"
MASTER="${DEID_SPARK_MASTER:-local[2]}"
log() { echo "[spark_submit_local] $*" >&2; }

# The pyspark pip package is a Spark distribution: use its spark-submit, so versions match.
export SPARK_HOME="$("$PY" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"

# 1. Delta JARs: the local cache if filled (offline), else Maven coordinates (network).
DELTA_ARGS=()
JARS="$("$PY" -c 'from deid.config import SparkConfig; from deid.session import cached_jars
print(",".join(str(j) for j in cached_jars(SparkConfig())))')"
if [[ -n "$JARS" ]]; then
  DELTA_ARGS=(--jars "$JARS")
else
  COORD="$("$PY" -c 'from deid.session import delta_coordinate; print(delta_coordinate())')"
  log "no cached Delta JARs (run 'deid fetch-jars' to work offline); using --packages $COORD"
  DELTA_ARGS=(--packages "$COORD")
fi

# 2. Input: the synthetic sample as a parquet folder (pyarrow only; no Spark needed for this).
"$PY" - "$WORK/input" <<'EOF'
import datetime, pathlib, sys
import pyarrow as pa, pyarrow.parquet as pq
from deid.sample import load_sample

rows = load_sample()
cols = ("note_id", "patient_id", "note_text", "note_type", "language")
table = pa.table({c: [r.get(c) for r in rows] for c in cols})
dates = [datetime.date.fromisoformat(r["note_date"]) if r.get("note_date") else None for r in rows]
table = table.append_column("note_date", pa.array(dates, pa.date32()))
out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
pq.write_table(table, out / "part-00000.parquet")
EOF
log "wrote the sample as parquet to $WORK/input"

# 3. The executors' Python: a shipped archive (as on a cluster) or this interpreter.
SUBMIT_DIR="$WORK"
PY_ARGS=(--conf "spark.pyspark.python=$PY" --conf "spark.pyspark.driver.python=$PY")
if [[ "${DEID_SPARK_SUBMIT_PACK:-0}" == "1" || -n "${DEID_ENV_ARCHIVE:-}" ]]; then
  ARCHIVE="${DEID_ENV_ARCHIVE:-$WORK/deid-env.tar.gz}"
  if [[ ! -f "$ARCHIVE" ]]; then
    start=$SECONDS
    log "building a fresh venv with the project (non-editable: venv-pack refuses editable installs)"
    "$PY" -m venv "$WORK/pack-venv"
    "$WORK/pack-venv/bin/pip" install -q "$ROOT"
    log "packing it with venv-pack"
    "$PY" -m venv_pack -q -p "$WORK/pack-venv" -o "$ARCHIVE" --force >&2
    log "venv built and packed in $((SECONDS - start)) s: $(du -h "$ARCHIVE" | cut -f1)"
  fi
  PY_ARGS=(--conf spark.pyspark.python=./environment/bin/python --conf "spark.pyspark.driver.python=$PY")
  if [[ "$MASTER" == local* ]]; then
    # YARN/Kubernetes/standalone unpack --archives as ./environment in each executor's working
    # directory. A local master only copies it to a temp folder, so unpack it where the local
    # executors run (the driver's working directory) and skip --archives: shipping it would only
    # copy and unpack the ~750 MB archive a second time.
    SUBMIT_DIR="$WORK/submit"
    rm -rf "$SUBMIT_DIR" && mkdir -p "$SUBMIT_DIR/environment"
    tar -xzf "$ARCHIVE" -C "$SUBMIT_DIR/environment"
  else
    PY_ARGS+=(--archives "$ARCHIVE#environment")
  fi
fi

export DEID_SURROGATE_KEY="${DEID_SURROGATE_KEY:-$("$PY" -c 'import secrets; print(secrets.token_hex(32))')}"

# 4. The recipe itself.
cd "$SUBMIT_DIR"
log "spark-submit --master $MASTER (workdir $WORK)"
"$SPARK_HOME/bin/spark-submit" \
  --master "$MASTER" \
  --name deid-spark-submit \
  --driver-memory 2g \
  "${DELTA_ARGS[@]}" \
  "${PY_ARGS[@]}" \
  --conf spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension \
  --conf spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog \
  --conf spark.ui.enabled=false \
  --conf spark.ui.showConsoleProgress=false \
  --conf spark.log.level=WARN \
  "$ROOT/jobs/deidentify.py" \
  --config "$ROOT/conf/parquet-example.yaml" \
  --set "input.path=$WORK/input" \
  --set "output.deid_path=$WORK/deid" \
  --set "output.quarantine_path=$WORK/quarantine" \
  --set "output.audit_path=$WORK/audit" \
  --set "output.data_docs_dir=$WORK/gx" \
  --set "output.summary_dir=$WORK/runs" \
  --set spark.shuffle_partitions=4 \
  --json "$@"
