"""NER noise filter: features on hand-built NER output, the protection rules, the packaged model,
the clinical allow-list. All names below are invented."""
from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest

from udfs.ner.decode import bio_tags
from udfs.ner.host import NerResult
from udfs.noise_filter.allowlist import allowlist_hit, load_allowlist
from udfs.noise_filter.features import FEATURE_NAMES, N_FEATURES, TokenStats, span_features
from udfs.noise_filter.filter import DEFAULT_FILTER_DIR, NoiseFilter, get_noise_filter, keep_mask
from udfs.spans import Span

TAGS = bio_tags()
TEXT = "Seen by Anna Berg for Parkinson review , mail anna@example.org today"


def _words(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]


def _result(text: str, tagged: dict[str, tuple[str, float]]) -> NerResult:
    """One piece per word; ``tagged`` maps a word to (tag, its probability); 90% of the rest
    goes to O, 10% is spread over the other tags. Untagged words are O with 0.98."""
    offsets = np.array(_words(text), dtype=np.int32)
    probs = np.full((len(offsets), len(TAGS)), 0.02 / (len(TAGS) - 1), dtype=np.float32)
    probs[:, 0] = 0.98
    for row, (s, e) in enumerate(offsets):
        if text[s:e] in tagged:
            tag, p = tagged[text[s:e]]
            probs[row, :] = _rest(p)
            probs[row, 0] = 0.9 * (1.0 - p)
            probs[row, TAGS.index(tag)] = p
    return NerResult(spans=[], token_offsets=offsets, probs=probs, tags=TAGS)


def _rest(p: float) -> float:
    return 0.1 * (1.0 - p) / (len(TAGS) - 2)


def _span(text: str, value: str, label: str = "NAME", source: str = "ner", subtype: str = "") -> Span:
    start = text.index(value)
    return Span(start, start + len(value), label, 0.9, source, subtype)


RESULT = _result(TEXT, {"Anna": ("B-NAME", 0.995), "Berg": ("I-NAME", 0.99),
                        "Parkinson": ("B-NAME", 0.55), "anna@example.org": ("B-CONTACT", 0.97)})
CONFIDENT = _span(TEXT, "Anna Berg")
UNCERTAIN = _span(TEXT, "Parkinson")
EMAIL_NER = _span(TEXT, "anna@example.org", "CONTACT")
EMAIL_PATTERN = _span(TEXT, "anna@example.org", "CONTACT", "pattern:email", "EMAIL")


def _features(spans, patterns=()) -> dict[str, np.ndarray]:
    X = span_features(TEXT, TokenStats(RESULT.token_offsets, RESULT.probs, TAGS), spans, patterns)
    return {name: X[:, k] for k, name in enumerate(FEATURE_NAMES)}


# ------------------------------------------------------------------------------ features

def test_feature_vector_has_fixed_named_columns():
    X = span_features(TEXT, TokenStats(RESULT.token_offsets, RESULT.probs, TAGS), [CONFIDENT, UNCERTAIN])
    assert X.shape == (2, N_FEATURES) == (2, len(FEATURE_NAMES))
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert X.dtype == np.float32 and np.isfinite(X).all()
    assert span_features(TEXT, TokenStats(RESULT.token_offsets, RESULT.probs, TAGS), []).shape == (0, N_FEATURES)


def test_confident_and_uncertain_spans_differ_where_expected():
    f = _features([CONFIDENT, UNCERTAIN])
    assert f["lab_mean"][0] == pytest.approx((0.995 + _rest(0.995) + 0.99 + _rest(0.99)) / 2, abs=1e-5)
    assert f["lab_mean"][1] == pytest.approx(0.55 + _rest(0.55), abs=1e-5)
    assert f["o_mean"][1] > 0.3 > f["o_mean"][0]
    assert f["ent_mean"][1] > f["ent_mean"][0] and f["margin_min"][1] < f["margin_min"][0]
    assert f["first_is_b"].tolist() == [1.0, 1.0] and f["starts_with_i"].tolist() == [0.0, 0.0]
    assert f["n_pieces"][0] == pytest.approx(np.log1p(2)) and f["n_pieces"][1] == pytest.approx(np.log1p(1))
    assert f["lab_hist_4"][0] == 1.0  # both pieces in [0.99, 0.999)
    assert f["lab_hist_1"][1] == 1.0  # 0.55 in [0.5, 0.8)
    assert f["title_share"].tolist() == [1.0, 1.0]
    assert f["allowlist"].tolist() == [0.0, 1.0]
    assert f["label_NAME"].tolist() == [1.0, 1.0] and f["label_DATE"].tolist() == [0.0, 0.0]
    assert f["ctx_n"].tolist() == [1.0, 1.0]  # two pieces of context on each side


def test_span_opened_by_i_and_pattern_agreement():
    text = "Dr Berg"
    res = _result(text, {"Berg": ("I-NAME", 0.9)})
    stats = TokenStats(res.token_offsets, res.probs, TAGS)
    span = Span(3, 7, "NAME", 0.9, "ner")
    pattern = Span(3, 5, "NAME", 0.5, "pattern:x")
    row = dict(zip(FEATURE_NAMES, span_features(text, stats, [span], [pattern])[0]))
    assert row["starts_with_i"] == 1.0 and row["first_is_b"] == 0.0
    assert row["pattern_overlap"] == 1.0 and row["pattern_same_label"] == 1.0
    assert row["pattern_cover"] == pytest.approx(0.5)
    assert row["ctx_right_lab_max"] == 0.0 and row["ctx_n"] == pytest.approx(0.25)


def test_span_without_pieces_gets_neutral_features():
    stats = TokenStats(np.zeros((0, 2), np.int32), np.zeros((0, len(TAGS)), np.float32), TAGS)
    (row,) = span_features("Anna", stats, [Span(0, 4, "NAME", 0.5, "ner")])
    assert np.isfinite(row).all() and row[FEATURE_NAMES.index("lab_mean")] == 0.0


# ------------------------------------------------------------------------------ filter rules

@pytest.fixture(scope="module")
def packaged() -> NoiseFilter:
    return get_noise_filter(None, None)


def test_packaged_model_loads_and_matches_its_checksum(packaged):
    meta = json.loads((DEFAULT_FILTER_DIR / "meta.json").read_text(encoding="utf-8"))
    blob = (DEFAULT_FILTER_DIR / meta["model_file"]).read_bytes()
    assert hashlib.sha256(blob).hexdigest() == meta["sha256"]
    assert tuple(meta["feature_names"]) == FEATURE_NAMES
    assert 0.0 <= meta["threshold"] <= 1.0 and packaged.threshold == meta["threshold"]
    assert packaged.version.startswith("noise-filter-") and meta["sha256"][:12] in packaged.version
    assert get_noise_filter(None, None) is packaged
    p = packaged.scores(TEXT, RESULT, [CONFIDENT, UNCERTAIN])
    assert p.shape == (2,) and ((p >= 0) & (p <= 1)).all()


def test_tampered_model_is_refused(tmp_path):
    from deid.errors import ModelError

    meta = json.loads((DEFAULT_FILTER_DIR / "meta.json").read_text(encoding="utf-8"))
    (tmp_path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (tmp_path / meta["model_file"]).write_bytes((DEFAULT_FILTER_DIR / meta["model_file"]).read_bytes() + b"\0")
    with pytest.raises(ModelError, match="checksum"):
        NoiseFilter(tmp_path)


def test_threshold_zero_keeps_everything():
    nf = get_noise_filter(None, 0.0)
    spans = [CONFIDENT, UNCERTAIN, EMAIL_NER]
    assert nf.filter(TEXT, RESULT, spans, [EMAIL_PATTERN]) == spans


def test_threshold_one_drops_all_unprotected_ner_spans():
    nf = get_noise_filter(None, 1.0)
    pattern_name = _span(TEXT, "Anna Berg", source="pattern:x")  # not a NER span: never touched
    propagated = _span(TEXT, "Berg", source="propagation")
    kept = nf.filter(TEXT, RESULT, [CONFIDENT, UNCERTAIN, EMAIL_NER, pattern_name, propagated], [EMAIL_PATTERN])
    assert kept == [EMAIL_NER, pattern_name, propagated]


def test_certain_spans_are_never_dropped():
    nf = get_noise_filter(None, 1.0)
    certain_ner = _span(TEXT, "review", "CONTACT", "ner", "PHONE")  # certain subtype itself
    partly_covered = Span(TEXT.index("mail"), TEXT.index("@"), "CONTACT", 0.3, "ner")
    assert nf.filter(TEXT, RESULT, [certain_ner, partly_covered, CONFIDENT], [EMAIL_PATTERN]) == \
        [certain_ner, partly_covered]


def test_keep_mask_semantics():
    p = np.array([0.0, 0.3, 0.7, 1.0])
    assert keep_mask(p, 0.0).all() and not keep_mask(p, 1.0).any()
    assert keep_mask(p, 0.3).tolist() == [False, True, True, True]


# ------------------------------------------------------------------------------ allow-list

@pytest.mark.parametrize("term", [
    "Parkinson", "Parkinson's", "parkinson’s", "ALZHEIMER", "Hodgkin", "Crohn's", "Guillain-Barré",
    "Guillain-Barre", "Sjögren", "sjogren", "Apgar", "Glasgow", "Swan-Ganz", "Roux-en-Y", "Cheyne-Stokes",
    "Child-Pugh", "Mallampati", "CHA2DS2-VASc", "Foley", "Babinski", "Trendelenburg", "Gleason",
    "Xarelto", "paracetamol", "Metamizol", "mmHg", "Befund", "Anamnesi", "Exploración", "Koorts",
])
def test_known_clinical_terms_hit(term):
    assert allowlist_hit(term) == 1.0


@pytest.mark.parametrize("name", [
    "Johanna Kowalczyk", "Miguel Fernández Ruiz", "Okonkwo", "Dr. Svetlana Iwanowa", "Hernández-Quiroga",
    "Ingrid Vandersteen", "Lucia Bertolini", "Pieter de Vries", "Chantal Lefebvre", "Hiroshi Tanaka",
])
def test_real_looking_names_do_not_hit(name):
    assert allowlist_hit(name) == 0.0


def test_hit_is_a_share_of_words():
    assert allowlist_hit("Mr Parkinson") == pytest.approx(0.5)
    assert allowlist_hit("Parkinson disease") == 1.0
    assert allowlist_hit("") == 0.0 and allowlist_hit("--") == 0.0


def test_allowlist_holds_no_months_or_honorifics():
    terms = load_allowlist()
    for word in ("january", "march", "enero", "marzo", "januar", "mars", "gennaio", "maart", "monday", "lunes",
                 "dr", "mr", "mrs", "sra", "hospital", "clinic", "street", "calle"):
        assert word not in terms, word


# ------------------------------------------------------------------------------ training data

def test_training_target_is_label_agnostic_and_skips_dont_care():
    from models.noise_filter.dataset import span_target

    gold = [{"start": 0, "end": 4, "label": "LOCATION"}, {"start": 10, "end": 15, "label": "OTHER"}]
    assert span_target(Span(0, 4, "NAME", 0.9, "ner"), gold) == 1  # wrong label still redacts PHI
    assert span_target(Span(11, 14, "NAME", 0.9, "ner"), gold) == -1  # only don't-care gold
    assert span_target(Span(20, 24, "NAME", 0.9, "ner"), gold) == 0


def test_evaluation_only_notes_are_refused():
    from models.data import split_of
    from models.noise_filter.dataset import check_allowed

    check_allowed("train/S0004-06142005000500011-1")
    with pytest.raises(ValueError):
        check_allowed("dev/S0004-06142006000500012-1")
    test_id = next(f"en-x-{i:04d}" for i in range(1000) if split_of(f"en-x-{i:04d}") == "test")
    with pytest.raises(ValueError):
        check_allowed(test_id + "#aug1")
