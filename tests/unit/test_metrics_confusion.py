"""models.metrics.token_confusion: gold x predicted token counts, "O" for no span."""
from __future__ import annotations

from models.metrics import token_confusion, token_scores

TEXT = "John Smith seen 03/14/2021 at Mercy Hospital by his daughter"


def sp(value: str, label: str) -> dict:
    i = TEXT.index(value)
    return {"start": i, "end": i + len(value), "label": label}


GOLD = [sp("John Smith", "NAME"), sp("03/14/2021", "DATE"), sp("Mercy Hospital", "ORGANIZATION"),
        sp("daughter", "OTHER")]


def test_perfect_prediction_is_diagonal() -> None:
    assert token_confusion([(TEXT, GOLD, GOLD)]) == {"DATE": {"DATE": 1}, "NAME": {"NAME": 2},
                                                     "ORGANIZATION": {"ORGANIZATION": 2}}


def test_misses_wrong_labels_and_false_positives() -> None:
    pred = [sp("John", "NAME"), sp("Smith", "LOCATION"), sp("seen", "NAME"), sp("daughter", "NAME"),
            sp("Mercy Hospital", "OTHER")]
    counts = token_confusion([(TEXT, GOLD, pred)])
    assert counts == {
        "NAME": {"LOCATION": 1, "NAME": 1},
        "DATE": {"O": 1},                 # missed
        "ORGANIZATION": {"O": 2},         # don't-care predictions are dropped, so missed
        "O": {"NAME": 1},                 # false positive on "seen"; "daughter" is don't-care gold
    }


def test_agrees_with_token_scores() -> None:
    pred = [sp("John Smith", "NAME"), sp("03/14/2021", "ID"), sp("at", "DATE")]
    docs = [(TEXT, GOLD, pred)]
    counts, scores = token_confusion(docs), token_scores(docs)
    for label, row in scores.items():
        if label == "micro":
            continue
        assert row["tp"] == counts.get(label, {}).get(label, 0)
        assert row["fn"] == sum(v for p, v in counts.get(label, {}).items() if p != label)
        assert row["fp"] == sum(r.get(label, 0) for g, r in counts.items() if g != label)


def test_empty() -> None:
    assert token_confusion([]) == {}
    assert token_confusion([("no phi here", [], [])]) == {}
