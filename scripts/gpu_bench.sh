#!/usr/bin/env bash
# NOT RUN YET: no GPU machine was lent to the task that wrote it (see docs/benchmarks.md, "GPU").
#
# `deid bench` with the fp16 model on CUDA, while nvidia-smi samples the GPU's busy share every
# 200 ms; prints the bench table, then the mean/max GPU utilisation and memory over the run.
# Needs the gpu extra (onnxruntime-gpu instead of onnxruntime; see docs/spark-submit.md for the
# swap) and nvidia-smi on PATH. The Spark job runs too unless --skip-spark is passed through.
#
# Usage: scripts/gpu_bench.sh [NOTES] [-- EXTRA_DEID_BENCH_ARGS...]
#   NOTES   notes to benchmark (default 2000: a GPU needs more work than a CPU to measure)
# Writes out/bench/gpu/bench.json, bench.png and nvidia-smi.csv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
NOTES="${1:-2000}"
shift || true
[[ "${1:-}" == "--" ]] && shift
OUT="out/bench/gpu"
mkdir -p "$OUT"
PYTHON="${PYTHON:-python}"

"$PYTHON" - <<'PY'
import onnxruntime as ort
p = ort.get_available_providers()
print("onnxruntime providers:", p)
if "CUDAExecutionProvider" not in p:
    raise SystemExit("CUDAExecutionProvider missing: install onnxruntime-gpu (the gpu extra)")
PY
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader,nounits -lms 200 \
  > "$OUT/nvidia-smi.csv" &
SMI=$!
trap 'kill "$SMI" 2>/dev/null || true' EXIT

"$PYTHON" -m deid.cli bench --notes "$NOTES" \
  --set detection.ner.device=cuda --set detection.ner.variant=fp16 \
  --set detection.ner.batch_size=64 --set spark.arrow_batch_size=256 \
  --output "$OUT/bench.json" --plot "$OUT/bench.png" "$@"

kill "$SMI" 2>/dev/null || true
wait "$SMI" 2>/dev/null || true
"$PYTHON" - "$OUT/nvidia-smi.csv" <<'PY'
import sys
util, mem = [], []
for line in open(sys.argv[1]):
    parts = [p.strip() for p in line.split(",")]
    if len(parts) == 3 and parts[1].isdigit():
        util.append(int(parts[1])); mem.append(int(parts[2]))
if util:
    busy = [u for u in util if u > 0]
    print(f"GPU samples: {len(util)}; utilisation mean {sum(util)/len(util):.1f}% max {max(util)}%; "
          f"busy share (samples > 0%) {len(busy)/len(util):.2f}; memory max {max(mem)} MiB")
else:
    print("no nvidia-smi samples")
PY
