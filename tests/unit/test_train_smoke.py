"""Training smoke test: a tiny random BERT, 2 steps on 4 notes, ONNX export parity.

The config tests need no torch; the rest is marked ``torch`` and skipped without the train extra.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from deid.errors import ConfigError
from models import train as T
from models.data import Note, resample_note, split_of

REPO = Path(__file__).resolve().parents[2]
TOKENIZER = REPO / "models" / "phi_ner" / "tokenizer.json"
HAS_TORCH = all(importlib.util.find_spec(m) for m in ("torch", "transformers", "onnx"))


def test_config_rejects_unknown_key(tmp_path) -> None:
    p = tmp_path / "t.yaml"
    p.write_text("epochs: 1\nlearnin_rate: 0.1\n")
    with pytest.raises(ConfigError, match="learnin_rate"):
        T.load_config(p)
    with pytest.raises(ConfigError, match="epochs"):
        T.load_config(None, ["epochs=one"])
    cfg = T.load_config(REPO / "conf" / "train.yaml", ["casing=false", "learning_rate=1"])
    assert cfg.casing is False and cfg.learning_rate == 1.0


def test_split_is_deterministic_and_resample_keeps_offsets() -> None:
    assert split_of("en-a-0001") == split_of("en-a-0001")
    splits = [split_of(f"en-x-{i:04d}") for i in range(2000)]
    assert 0.6 < splits.count("train") / 2000 < 0.8
    note = Note("n1", "en", "x", "Seen by Ana Ruiz on 03/14/2021.",
                [{"start": 8, "end": 16, "label": "NAME"}, {"start": 20, "end": 30, "label": "DATE"}])
    fake = {"NAME": "Bartholomew Okonkwo-Smith", "DATE": "1/2/99"}
    v = resample_note(note, lambda value, label, *_: fake[label], 1)
    assert [v.text[s["start"]:s["end"]] for s in v.spans] == ["Bartholomew Okonkwo-Smith", "1/2/99"]
    assert v.id == "n1#aug1" and v.text.startswith("Seen by ") and v.text.endswith(".")


NOTES = [
    Note("a", "en", "x", "Patient John Smith seen on 03/14/2021 at Mercy Hospital.",
         [{"start": 8, "end": 18, "label": "NAME"}, {"start": 27, "end": 37, "label": "DATE"},
          {"start": 41, "end": 55, "label": "ORGANIZATION"}]),
    Note("b", "en", "x", "Call 555-201-3344 about the 67-year-old.",
         [{"start": 5, "end": 17, "label": "CONTACT"}, {"start": 28, "end": 39, "label": "AGE"}]),
    Note("c", "es", "x", "Varón de 45 años, Madrid.", [{"start": 0, "end": 5, "label": "OTHER"},
                                                       {"start": 9, "end": 16, "label": "AGE"},
                                                       {"start": 18, "end": 24, "label": "LOCATION"}]),
    Note("d", "en", "x", "MRN 00123456 " * 12, [{"start": 4, "end": 12, "label": "ID"}]),
]


def test_piece_tags_mark_all_pieces_and_skip_other() -> None:
    if not TOKENIZER.is_file():
        pytest.skip("tokenizer.json missing")
    from udfs.ner.tokenization import encode, load_tokenizer

    tok = load_tokenizer(TOKENIZER)
    note = NOTES[2]
    enc = encode(tok, note.text)
    tags = [T.TAGS[i] for i in T.piece_tags(enc, note.spans)]
    assert tags[0] == "O"  # OTHER ("Varón") is not a target
    age = [t for (s, e), t in zip(enc.offsets, tags) if 9 <= s < 16]
    assert age[0] == "B-AGE" and set(age[1:]) == {"I-AGE"}


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="train extra (torch, transformers, onnx) not installed")
def test_two_steps_then_onnx_matches_torch(tmp_path) -> None:
    import torch

    from models.export import export_dir, export_onnx, onnx_logits, sample_feed
    from models.modeling import save_checkpoint
    from udfs.ner.host import NerModel
    from udfs.ner.tokenization import load_tokenizer

    torch.set_num_threads(2)
    cfg = T.TrainConfig(base_model="random", tokenizer=str(TOKENIZER), max_steps=2, epochs=1,
                        batch_size=2, max_length=32, stride=8, augment_variants=0, use_meddocan=False)
    tok = load_tokenizer(TOKENIZER)
    model, stats = T.train_model(cfg, NOTES, tok, tmp_path / "log.jsonl")
    assert stats["steps"] == 2 and (tmp_path / "log.jsonl").exists()

    path = tmp_path / "m.onnx"
    export_onnx(model, path, casing=True)
    feed = sample_feed(TOKENIZER, ["John Smith, 03/14/2021", "Madrid " * 20], cfg.max_length)
    with torch.inference_mode():
        ref = model(*(torch.from_numpy(feed[k]) for k in ("input_ids", "attention_mask", "case_ids"))).numpy()
    got = onnx_logits(path, feed)
    mask = feed["attention_mask"].astype(bool)
    np.testing.assert_allclose(got[mask], ref[mask], atol=1e-3)

    # whole packaging path: checkpoint -> model dir -> runtime host
    save_checkpoint(model, tmp_path / "ckpt", T.checkpoint_meta(cfg))
    report = export_dir(tmp_path / "ckpt", tmp_path / "pkg", tmp_path / "work", TOKENIZER)
    assert report["fp32"]["max_abs_diff_vs_torch"] < 1e-3
    host = NerModel(tmp_path / "pkg", variant="int8", intra_op_threads=1)
    (res,) = host.predict([NOTES[0].text])
    assert res.probs.shape[1] == len(T.TAGS)
