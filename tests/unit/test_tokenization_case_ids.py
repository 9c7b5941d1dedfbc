"""The vectorised case-id computation equals the original per-piece loop (training parity)."""
from __future__ import annotations

import numpy as np
import pytest

from udfs.ner.host import DEFAULT_MODEL_DIR
from udfs.ner.tokenization import CASE_OTHER, case_class, encode, encode_batch, load_tokenizer

pytestmark = pytest.mark.skipif(not (DEFAULT_MODEL_DIR / "tokenizer.json").is_file(), reason="tokenizer missing")


def _reference_case_ids(text: str, enc) -> np.ndarray:
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


def test_case_ids_match_the_reference_loop():
    from deid.sample import load_sample

    tok = load_tokenizer(DEFAULT_MODEL_DIR / "tokenizer.json")
    texts = [r["note_text"] for r in load_sample()] + [
        "", " ", "McDONALD o'neil X-RAY 12b ÄRZTIN São Paulo 3/4 ...", "ＦＵＬＬ width, ﬁ ligature, 🙂 emoji",
    ]
    raw = tok.encode_batch(texts, add_special_tokens=False)
    for text, enc, fast in zip(texts, raw, encode_batch(tok, texts)):
        assert np.array_equal(fast.case_ids, _reference_case_ids(text, enc))
        assert fast.case_ids.dtype == np.int64 and fast.case_ids.shape == fast.ids.shape
    assert np.array_equal(encode(tok, texts[0]).case_ids, encode_batch(tok, texts[:1])[0].case_ids)
