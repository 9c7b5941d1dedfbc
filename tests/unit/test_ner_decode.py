"""Windowing, offsets and BIO decoding of the NER runtime (pure numpy + tokenizers, no model)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from udfs.ner.decode import bio_tags, bio_token_spans, decode_spans, merge_windows, snap_and_trim
from udfs.ner.host import window_predict
from udfs.ner.tokenization import (
    CASE_DIGIT, CASE_LOWER, CASE_MIXED, CASE_OTHER, CASE_TITLE, CASE_UPPER,
    build_batch, case_class, encode, load_tokenizer, make_windows, special_ids,
)

TAGS = bio_tags()
IDX = {t: i for i, t in enumerate(TAGS)}
TOKENIZER = Path(__file__).resolve().parents[2] / "models" / "phi_ner" / "tokenizer.json"


@pytest.fixture(scope="module")
def tok():
    if not TOKENIZER.is_file():
        pytest.skip("packaged tokenizer.json missing")
    return load_tokenizer(TOKENIZER)


def one_hot(tag_names: list[str]) -> np.ndarray:
    p = np.full((len(tag_names), len(TAGS)), 0.001, dtype=np.float32)
    for i, t in enumerate(tag_names):
        p[i, IDX[t]] = 0.9
    return p


def test_tags_are_17() -> None:
    assert len(TAGS) == 17 and TAGS[0] == "O" and TAGS[1] == "B-NAME"


@pytest.mark.parametrize("n", [0, 1, 5, 253, 254, 255, 300, 509, 1000, 2049])
@pytest.mark.parametrize("max_length,stride", [(256, 64), (16, 4), (8, 0)])
def test_windows_cover_everything(n: int, max_length: int, stride: int) -> None:
    ws = make_windows(n, max_length, stride)
    covered = np.zeros(n, dtype=int)
    for s, e in ws:
        assert 0 <= s < e <= n and e - s <= max_length - 2
        covered[s:e] += 1
    assert (covered >= 1).all()
    for (s0, e0), (s1, e1) in zip(ws, ws[1:]):
        assert e0 - s1 >= stride  # consecutive windows overlap by at least `stride`


def test_bad_window_args() -> None:
    with pytest.raises(ValueError):
        make_windows(10, 2, 0)
    with pytest.raises(ValueError):
        make_windows(10, 10, 8)


def test_offsets_map_back_to_text(tok) -> None:
    text = "Sr. José O'Brien-Smith,  67 años\nMRN: 12345;\tiPhone ÉCOLE 3/14/2021 — ünïcødé"
    enc = encode(tok, text)
    assert len(enc) > 10
    for (s, e), piece in zip(enc.offsets, enc.ids):
        assert 0 <= s < e <= len(text)
        assert text[s:e].strip() == text[s:e]  # pieces never include whitespace
    assert all(enc.offsets[i, 0] >= enc.offsets[i - 1, 1] for i in range(1, len(enc)))


def test_case_classes(tok) -> None:
    assert case_class("john") == CASE_LOWER
    assert case_class("John") == CASE_TITLE
    assert case_class("J") == CASE_TITLE
    assert case_class("SMITH") == CASE_UPPER
    assert case_class("McDonald") == CASE_MIXED
    assert case_class("12/03") == CASE_DIGIT
    assert case_class("--") == CASE_OTHER
    enc = encode(tok, "Johnson visited")
    # every piece of a word carries the word's class, also continuation pieces
    title = [c for (s, e), c in zip(enc.offsets, enc.case_ids) if s < 7]
    assert set(title) == {CASE_TITLE}


def test_build_batch_pads_and_frames(tok) -> None:
    cls_id, sep_id, pad_id = special_ids(tok)
    a, b = encode(tok, "one two three four"), encode(tok, "x")
    batch = build_batch([(a, 0, len(a)), (b, 0, len(b))], cls_id, sep_id, pad_id)
    assert batch.input_ids.shape == (2, len(a) + 2)
    assert batch.input_ids[0, 0] == cls_id and batch.input_ids[0, len(a) + 1] == sep_id
    assert batch.attention_mask[1].sum() == len(b) + 2 and batch.input_ids[1, -1] == pad_id


def test_merge_prefers_central_window() -> None:
    ws = [(0, 6), (4, 10)]
    p0 = np.tile(np.eye(3, dtype=np.float32)[0], (6, 1))
    p1 = np.tile(np.eye(3, dtype=np.float32)[1], (6, 1))
    merged = merge_windows(10, ws, [p0, p1])
    # token 4: 1 from window 0's cut edge vs 0 from window 1's cut edge -> window 0
    # token 5: 0 from window 0's edge vs 1 -> window 1
    assert merged[:5].argmax(1).tolist() == [0] * 5
    assert merged[5:].argmax(1).tolist() == [1] * 5


def test_merge_rejects_gaps() -> None:
    with pytest.raises(ValueError):
        merge_windows(5, [(0, 2)], [np.zeros((2, 3), np.float32)])


@pytest.mark.parametrize(
    "tags,expected",
    [
        (["O", "B-NAME", "I-NAME", "O"], [(1, 3, "NAME")]),
        (["I-NAME", "I-NAME", "O"], [(0, 2, "NAME")]),  # I- without B- starts a span
        (["B-NAME", "B-NAME"], [(0, 1, "NAME"), (1, 2, "NAME")]),
        (["B-NAME", "I-DATE", "I-DATE"], [(0, 1, "NAME"), (1, 3, "DATE")]),
        (["O", "I-AGE"], [(1, 2, "AGE")]),
        (["B-ID", "O", "I-ID"], [(0, 1, "ID"), (2, 3, "ID")]),
        ([], []),
    ],
)
def test_bio_edge_cases(tags: list[str], expected: list) -> None:
    ids = np.array([IDX[t] for t in tags], dtype=int)
    assert bio_token_spans(ids, TAGS) == expected


def test_snap_and_trim() -> None:
    text = "Dr. Johnson, (555) 123-4567."
    s = text.index("ohn")
    assert snap_and_trim(text, s, s + 3) == (4, 11)  # snapped to "Johnson"
    assert text[slice(*snap_and_trim(text, 3, 12))] == "Johnson"  # whitespace and comma trimmed
    ph = text.index("(")
    assert text[slice(*snap_and_trim(text, ph, len(text)))] == "(555) 123-4567"
    assert snap_and_trim(text, 0, 3) == (0, 2)  # "Dr" without its dot
    assert snap_and_trim(text, 11, 13) == (13, 13)  # only punctuation/space: empty


def tag_by_chars(text: str, offsets: np.ndarray, entities: list[tuple[str, str]]) -> list[str]:
    """BIO tags per piece from (substring, label) entities."""
    tags = ["O"] * len(offsets)
    for value, label in entities:
        a = text.index(value)
        inside = [i for i, (s, e) in enumerate(offsets) if a <= s and e <= a + len(value)]
        for k, i in enumerate(inside):
            tags[i] = ("B-" if k == 0 else "I-") + label
    return tags


def test_decode_spans_on_text(tok) -> None:
    text = "Seen by Dr. Ana Ruiz on 03/14/2021."
    enc = encode(tok, text)
    tags = tag_by_chars(text, enc.offsets, [("Ana Ruiz", "NAME"), ("03/14/2021", "DATE")])
    spans = decode_spans(text, enc.offsets, one_hot(tags), TAGS)
    got = [(text[sp.start:sp.end], sp.label, sp.source) for sp in spans]
    assert got == [("Ana Ruiz", "NAME", "ner"), ("03/14/2021", "DATE", "ner")]
    assert all(0.0 < sp.score <= 1.0 for sp in spans)


def test_min_score_filters(tok) -> None:
    text = "Seen by Ana."
    enc = encode(tok, text)
    probs = one_hot(tag_by_chars(text, enc.offsets, [("Ana", "NAME")]))
    assert decode_spans(text, enc.offsets, probs, TAGS, min_score=0.95) == []


def test_partial_word_prediction_snaps_to_word(tok) -> None:
    text = "Patient Wojciechowski arrived"
    enc = encode(tok, text)
    w0, w1 = text.index("Woj"), text.index(" arrived")
    names = ["O"] * len(enc)
    inside = [i for i, (s, e) in enumerate(enc.offsets) if w0 <= s < w1]
    assert len(inside) > 1
    names[inside[1]] = "I-NAME"  # only a continuation piece tagged
    spans = decode_spans(text, enc.offsets, one_hot(names), TAGS)
    assert [(text[s.start:s.end], s.label) for s in spans] == [("Wojciechowski", "NAME")]


def test_window_edge_entity_not_lost(tok) -> None:
    """An entity cut by a window edge is decoded whole: the fake model only recognises the
    name in a window that sees all of its pieces."""
    max_length, stride = 16, 6  # 14 pieces per window, step 8: windows end at 14, 22, 30, 38...
    prefix = " ".join(["word"] * 37)
    text = f"{prefix} Ana Ruiz " + " ".join(["word"] * 30)
    enc = encode(tok, text)
    a, z = text.index("Ana"), text.index("Ruiz") + 4
    name = [i for i, (s, e) in enumerate(enc.offsets) if a <= s and e <= z]
    first, last = name[0], name[-1] + 1
    ws = make_windows(len(enc), max_length, stride)
    assert any(s <= first < e < last for s, e in ws), "test setup: a window must cut the name"

    def run(items):
        out = []
        for _, s0, s1 in items:
            p = one_hot(["O"] * (s1 - s0))
            if s0 <= first and last <= s1:
                p[first - s0:last - s0] = one_hot(["B-NAME"] + ["I-NAME"] * (last - first - 1))
            out.append(p)
        return out

    ((off, probs),) = window_predict([enc], max_length, stride, 4, run, len(TAGS))
    spans = decode_spans(text, off, probs, TAGS)
    assert [(text[s.start:s.end], s.label) for s in spans] == [("Ana Ruiz", "NAME")]


def test_same_label_fragments_inside_one_word_merge(tok) -> None:
    text = "Mail jane.doe@example.org or call (555) 123-4567 now"
    enc = encode(tok, text)
    tags = ["O"] * len(enc)
    email, phone = text.index("jane"), text.index("(555)")
    for i, (s, e) in enumerate(enc.offsets):
        if email <= s < email + len("jane.doe@example.org") and text[s:e] != "@":
            tags[i] = "B-CONTACT"  # every fragment opens its own span, "@" missed
        elif phone < s < phone + len("(555) 123-4567"):
            tags[i] = "B-CONTACT" if s == phone + 1 else "I-CONTACT"  # "(" itself missed
    spans = decode_spans(text, enc.offsets, one_hot(tags), TAGS)
    assert [text[s.start:s.end] for s in spans] == ["jane.doe@example.org", "(555) 123-4567"]


def test_space_separated_same_label_spans_stay_apart(tok) -> None:
    text = "Boston MA 02115"
    enc = encode(tok, text)
    tags = ["B-LOCATION"] * len(enc)
    spans = decode_spans(text, enc.offsets, one_hot(tags), TAGS)
    assert [text[s.start:s.end] for s in spans] == ["Boston", "MA", "02115"]
