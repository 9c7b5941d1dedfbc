"""models.metrics: token, span (exact/overlap) and binary PHI scores, with don't-care labels."""
from __future__ import annotations

import pytest

from models.metrics import all_scores, phi_token_recall, prf, span_scores, token_labels, token_scores
from udfs.spans import Span

TEXT = "John Smith seen 03/14/2021 at Mercy Hospital by his daughter"
#       0    5     11   16         27 30    36       45 48  52


def sp(value: str, label: str, text: str = TEXT) -> dict:
    i = text.index(value)
    return {"start": i, "end": i + len(value), "label": label}


GOLD = [sp("John Smith", "NAME"), sp("03/14/2021", "DATE"), sp("Mercy Hospital", "ORGANIZATION"),
        sp("daughter", "OTHER")]


def test_prf_zero_safe() -> None:
    assert prf(0, 0, 0) == {"tp": 0, "fp": 0, "fn": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert prf(1, 1, 0)["precision"] == 0.5


def test_perfect_prediction() -> None:
    docs = [(TEXT, GOLD, GOLD)]
    for table in (token_scores(docs), span_scores(docs), span_scores(docs, "overlap")):
        assert table["micro"]["f1"] == 1.0
        assert "OTHER" not in table  # don't care
    assert phi_token_recall(docs)["recall"] == 1.0


def test_token_labels_majority_overlap() -> None:
    labels = token_labels(TEXT, [{"start": 0, "end": 7, "label": "NAME"}])
    assert labels[:3] == ["NAME", "NAME", None]


def test_partial_and_wrong_label() -> None:
    pred = [sp("John", "NAME"), sp("03/14/2021", "AGE"), sp("Mercy Hospital", "ORGANIZATION")]
    docs = [(TEXT, GOLD, pred)]
    tok = token_scores(docs)
    assert tok["NAME"]["tp"] == 1 and tok["NAME"]["fn"] == 1
    assert tok["DATE"]["fn"] == 1 and tok["AGE"]["fp"] == 1
    exact = span_scores(docs, "exact")
    assert exact["NAME"]["tp"] == 0 and exact["NAME"]["fp"] == 1 and exact["NAME"]["fn"] == 1
    overlap = span_scores(docs, "overlap")
    assert overlap["NAME"]["precision"] == 1.0 and overlap["NAME"]["recall"] == 1.0
    # binary: the date was found, under the wrong label; "Smith" missed
    binary = phi_token_recall(docs)
    assert binary["tp"] == 4 and binary["fn"] == 1 and binary["fp"] == 0


def test_dont_care_gold_is_neither_hit_nor_miss() -> None:
    pred = GOLD[:3] + [sp("daughter", "NAME")]  # predicting on a don't-care span is not an FP
    docs = [(TEXT, GOLD, pred)]
    assert token_scores(docs)["micro"]["fp"] == 0
    assert span_scores(docs)["micro"]["fp"] == 0
    assert phi_token_recall(docs)["fp"] == 0
    missed = [(TEXT, GOLD, GOLD[:3])]  # not predicting it is not an FN
    assert token_scores(missed)["micro"]["fn"] == 0


def test_profession_is_dont_care_by_default_but_configurable() -> None:
    text = "retired machinist"
    gold = [sp("machinist", "PROFESSION", text)]
    assert token_scores([(text, gold, [])])["micro"]["fn"] == 0
    strict = token_scores([(text, gold, [])], dont_care=frozenset({"OTHER"}))
    assert strict["PROFESSION"]["fn"] == 1


def test_overlap_recall_counts_gold_once() -> None:
    text = "Mercy General Hospital"
    gold = [{"start": 0, "end": len(text), "label": "ORGANIZATION"}]
    pred = [sp("Mercy", "ORGANIZATION", text), sp("Hospital", "ORGANIZATION", text)]
    ov = span_scores([(text, gold, pred)], "overlap")["ORGANIZATION"]
    assert ov["precision"] == 1.0 and ov["recall"] == 1.0 and ov["fn"] == 0


def test_accepts_span_objects_and_false_positives() -> None:
    pred = [Span(0, 10, "NAME", 0.9, "ner"), Span(16, 26, "DATE", 0.9, "ner"),
            Span(48, 51, "NAME", 0.8, "ner")]  # "his" is a false positive
    scores = all_scores([(TEXT, GOLD, pred)])
    assert scores["span_exact"]["NAME"]["fp"] == 1
    assert scores["span_exact"]["ORGANIZATION"]["fn"] == 1
    assert scores["phi_token"]["fp"] == 1
    assert scores["token"]["micro"]["precision"] == pytest.approx(3 / 4)


def test_bad_mode() -> None:
    with pytest.raises(ValueError):
        span_scores([], "fuzzy")
