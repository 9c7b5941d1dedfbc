"""The shipped ONNX NER model through its runtime host (onnxruntime + tokenizers only)."""
from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

from deid.errors import ModelError
from udfs.ner.host import DEFAULT_MODEL_DIR, NerModel, get_ner_model

pytestmark = pytest.mark.skipif(
    not (DEFAULT_MODEL_DIR / "model.int8.onnx").is_file(), reason="packaged NER model missing"
)

OBVIOUS = "Patient John Smith was admitted to the hospital on 03/14/2021 with chest pain."


@pytest.fixture(scope="module")
def model() -> NerModel:
    return get_ner_model(DEFAULT_MODEL_DIR, "cpu", 0, "int8", intra_op_threads=1)


def test_result_shapes(model: NerModel) -> None:
    texts = [OBVIOUS, "", "ok"]
    results = model.predict(texts)
    assert len(results) == 3
    r = results[0]
    assert r.token_offsets.dtype == np.int32 and r.token_offsets.shape[1] == 2
    assert r.probs.dtype == np.float32 and r.probs.shape == (r.token_offsets.shape[0], 17)
    assert np.allclose(r.probs.sum(axis=1), 1.0, atol=1e-4)
    assert r.tags == model.tags and r.tags[0] == "O"
    assert results[1].probs.shape == (0, 17) and results[1].spans == []


def test_finds_name_and_date(model: NerModel) -> None:
    (r,) = model.predict([OBVIOUS])
    found = {(OBVIOUS[s.start:s.end], s.label) for s in r.spans}
    assert any(lab == "NAME" and "Smith" in val for val, lab in found), found
    assert any(lab == "DATE" and "2021" in val for val, lab in found), found
    for s in r.spans:
        assert s.source == "ner" and 0.0 < s.score <= 1.0
        assert OBVIOUS[s.start:s.end] == OBVIOUS[s.start:s.end].strip()


def test_long_note_end_is_covered(model: NerModel) -> None:
    text = "The patient reports mild chest pain. " * 120 + OBVIOUS
    (r,) = model.predict([text])
    assert r.token_offsets[-1, 1] == len(text)  # the last piece (".") is covered
    assert any(s.label == "DATE" and s.start > len(text) - len(OBVIOUS) for s in r.spans)


def test_batch_order_does_not_matter(model: NerModel) -> None:
    texts = [OBVIOUS, "Seen by Dr. Ana Ruiz. " * 30, "call 555-201-3344"]
    one_by_one = [model.predict([t])[0] for t in texts]
    batched = model.predict(texts)
    for a, b in zip(one_by_one, batched):
        assert a.spans == b.spans or all(
            (x.start, x.end, x.label) == (y.start, y.end, y.label) for x, y in zip(a.spans, b.spans)
        )
        assert np.allclose(a.probs, b.probs, atol=1e-4)


def test_cache_returns_same_instance(model: NerModel) -> None:
    assert get_ner_model(DEFAULT_MODEL_DIR, "cpu", 0, "int8", intra_op_threads=1) is model


def test_cuda_request_falls_back_to_cpu() -> None:
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("CUDA provider present")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = NerModel(DEFAULT_MODEL_DIR, device="cuda", variant="int8", intra_op_threads=1)
    assert m.device == "cpu" and any("CUDA" in str(w.message) for w in caught)


@pytest.fixture()
def model_copy(tmp_path):
    for name in ("labels.json", "tokenizer.json", "model.int8.onnx", "SHA256SUMS"):
        shutil.copyfile(DEFAULT_MODEL_DIR / name, tmp_path / name)
    return tmp_path


def test_checksum_mismatch_raises(model_copy) -> None:
    with (model_copy / "model.int8.onnx").open("r+b") as fh:
        fh.seek(1000)
        byte = fh.read(1)
        fh.seek(1000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match="checksum mismatch for model file model.int8.onnx"):
        NerModel(model_copy, variant="int8")


def test_missing_files_raise(model_copy) -> None:
    (model_copy / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="missing: tokenizer.json"):
        NerModel(model_copy, variant="int8")
    (model_copy / "SHA256SUMS").unlink()
    with pytest.raises(ModelError, match="SHA256SUMS"):
        NerModel(model_copy, variant="int8")


def test_unshipped_variant_raises(model_copy) -> None:
    with pytest.raises(ModelError, match="variant"):
        NerModel(model_copy, variant="fp32")
    with pytest.raises(ModelError):
        NerModel(model_copy, variant="int4")
