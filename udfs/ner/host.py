"""Runtime host of the PHI NER model: ONNX Runtime session + windowing + decoding.

No torch/transformers here: executors only need numpy, onnxruntime and tokenizers.
``get_ner_model`` caches one loaded model per (path, device, device id, variant) so each Python
worker of a pandas UDF loads the model once. Artifacts are checked against ``SHA256SUMS``
before loading; errors name files and reasons, never note text.
"""
from __future__ import annotations

import json
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import onnxruntime as ort

from deid.errors import ModelError
from udfs.ner.decode import decode_spans, merge_windows
from udfs.ner.tokenization import (
    Encoded,
    build_batch,
    encode_batch,
    load_tokenizer,
    make_windows,
    special_ids,
)
from udfs.spans import Span
from udfs.checksums import sha256_file as _sha256

#: The model packaged with the project (``models/phi_ner``).
DEFAULT_MODEL_DIR: Path = Path(__file__).resolve().parents[2] / "models" / "phi_ner"

VARIANTS: tuple[str, ...] = ("int8", "fp16", "fp32")


@dataclass(frozen=True)
class NerResult:
    """Model output for one text: decoded spans plus the raw per-piece probabilities
    (the noise filter consumes ``probs`` at ``token_offsets``)."""

    spans: list[Span]
    token_offsets: np.ndarray  # (n, 2) int32 char offsets, end exclusive
    probs: np.ndarray  # (n, n_tags) float32
    tags: tuple[str, ...] = field(default=())


def read_sums(model_dir: Path) -> dict[str, str]:
    """Parse ``SHA256SUMS`` (``<hex>  <file>`` lines, as ``sha256sum`` writes them)."""
    sums_path = model_dir / "SHA256SUMS"
    if not sums_path.is_file():
        raise ModelError(f"model directory has no SHA256SUMS: {model_dir}")
    sums: dict[str, str] = {}
    for line in sums_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.lstrip("*").strip()] = digest.lower()
    return sums


def verify_files(model_dir: Path, names: Sequence[str]) -> None:
    """Raise ModelError unless every named file exists and matches SHA256SUMS."""
    sums = read_sums(model_dir)
    for name in names:
        path = model_dir / name
        if not path.is_file():
            raise ModelError(f"model file missing: {name} in {model_dir}")
        if name not in sums:
            raise ModelError(f"model file not listed in SHA256SUMS: {name}")
        if _sha256(path) != sums[name]:
            raise ModelError(f"checksum mismatch for model file {name} in {model_dir}")


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float32, copy=False)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


RunBatch = Callable[[list[tuple[Encoded, int, int]]], list[np.ndarray]]


def window_predict(
    encs: Sequence[Encoded], max_length: int, stride: int, batch_size: int, run: RunBatch, n_tags: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Window every text, run the windows batched longest-first (less padding), merge back.

    ``run`` maps a list of windows ``(encoded, start, end)`` to per-piece probabilities; it is
    the ONNX session here and the torch model in training, so both decode identically.
    """
    windows = [make_windows(len(e), max_length, stride) for e in encs]
    flat = [(d, k) for d, ws in enumerate(windows) for k in range(len(ws))]
    flat.sort(key=lambda dk: -(windows[dk[0]][dk[1]][1] - windows[dk[0]][dk[1]][0]))
    got: dict[tuple[int, int], np.ndarray] = {}
    for b in range(0, len(flat), batch_size):
        chunk = flat[b:b + batch_size]
        items = [(encs[d], *windows[d][k]) for d, k in chunk]
        for key, p in zip(chunk, run(items)):
            got[key] = p
    out = []
    for d, enc in enumerate(encs):
        wp = [got[(d, k)] for k in range(len(windows[d]))]
        probs = merge_windows(len(enc), windows[d], wp) if wp else np.zeros((0, n_tags), np.float32)
        out.append((enc.offsets, probs.astype(np.float32, copy=False)))
    return out


class NerModel:
    """A loaded PHI NER model. ``predict`` is thread-safe (ORT sessions are)."""

    def __init__(
        self,
        model_dir: str | Path = DEFAULT_MODEL_DIR,
        *,
        device: str = "cpu",
        device_id: int = 0,
        intra_op_threads: int | None = None,
        variant: str = "int8",
        batch_size: int = 16,
        min_score: float = 0.0,
    ) -> None:
        self.model_dir = Path(model_dir).resolve()
        if device not in ("cpu", "cuda"):
            raise ModelError(f"unknown device {device!r}; expected 'cpu' or 'cuda'")
        if variant not in VARIANTS:
            raise ModelError(f"unknown model variant {variant!r}; expected one of {VARIANTS}")
        labels_path = self.model_dir / "labels.json"
        verify_files(self.model_dir, ["labels.json"])
        meta = json.loads(labels_path.read_text(encoding="utf-8"))
        self.version: str = str(meta.get("version", "ner"))
        files: dict[str, str] = meta.get("files", {})
        if variant not in files:
            raise ModelError(f"model variant {variant!r} not shipped; available: {sorted(files)}")
        model_file = files[variant]
        verify_files(self.model_dir, ["tokenizer.json", model_file])

        self.meta = meta
        self.tags: tuple[str, ...] = tuple(meta["tags"])
        self.max_length = int(meta["max_length"])
        self.stride = int(meta["stride"])
        self.batch_size = max(1, int(batch_size))
        self.min_score = float(min_score)
        self.variant = variant
        self.tokenizer = load_tokenizer(self.model_dir / "tokenizer.json")
        self._cls, self._sep, self._pad = special_ids(self.tokenizer)

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if intra_op_threads:
            opts.intra_op_num_threads = int(intra_op_threads)
        providers: list = ["CPUExecutionProvider"]
        if device == "cuda":
            if "CUDAExecutionProvider" in ort.get_available_providers():
                providers = [("CUDAExecutionProvider", {"device_id": int(device_id)}), "CPUExecutionProvider"]
            else:
                warnings.warn("CUDAExecutionProvider unavailable; running the NER model on CPU", RuntimeWarning)
        try:
            self.session = ort.InferenceSession(str(self.model_dir / model_file), opts, providers=providers)
        except Exception as exc:  # corrupt graph etc.; the message of ORT holds no note text
            raise ModelError(f"cannot load model file {model_file}: {type(exc).__name__}") from exc
        self.device = "cuda" if "CUDAExecutionProvider" in self.session.get_providers() else "cpu"
        self._inputs = {i.name for i in self.session.get_inputs()}

    def _run(self, items: list[tuple[Encoded, int, int]]) -> list[np.ndarray]:
        batch = build_batch(items, self._cls, self._sep, self._pad)
        feed = {"input_ids": batch.input_ids, "attention_mask": batch.attention_mask}
        if "case_ids" in self._inputs:
            feed["case_ids"] = batch.case_ids
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(batch.input_ids)
        (logits,) = self.session.run(["logits"], feed)
        probs = _softmax(logits)
        return [probs[r, 1:end - start + 1] for r, (_, start, end) in enumerate(items)]

    def predict_probs(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(token_offsets, probs) per text."""
        encs = encode_batch(self.tokenizer, texts)
        return window_predict(encs, self.max_length, self.stride, self.batch_size, self._run, len(self.tags))

    def predict(self, texts: Sequence[str]) -> list[NerResult]:
        """Spans (source "ner") and per-piece probabilities for each text."""
        results = []
        for text, (offsets, probs) in zip(texts, self.predict_probs(texts)):
            spans = decode_spans(text, offsets, probs, self.tags, min_score=self.min_score)
            results.append(NerResult(spans=spans, token_offsets=offsets, probs=probs, tags=self.tags))
        return results


_CACHE: dict[tuple[str, str, int, str], NerModel] = {}
_LOCK = threading.Lock()


def get_ner_model(
    model_dir: str | Path = DEFAULT_MODEL_DIR,
    device: str = "cpu",
    device_id: int = 0,
    variant: str = "int8",
    intra_op_threads: int | None = None,
    batch_size: int = 16,
) -> NerModel:
    """The process-wide model for these settings, loaded (and checksum-verified) once."""
    key = (str(Path(model_dir).resolve()), device, int(device_id), variant, intra_op_threads, batch_size)
    with _LOCK:
        model = _CACHE.get(key)
        if model is None:
            model = NerModel(
                model_dir, device=device, device_id=device_id,
                variant=variant, intra_op_threads=intra_op_threads, batch_size=batch_size,
            )
            _CACHE[key] = model
        return model
