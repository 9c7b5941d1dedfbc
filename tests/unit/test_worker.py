"""The executor-side worker on pandas frames, without Spark: bad input never crashes a batch."""
from __future__ import annotations

import pandas as pd
import pytest

from udfs.detection import DetectionSettings
from udfs.secret import SecretKey
from udfs.worker import OUTPUT_COLUMNS, WorkerSettings, leaked_spans, process_frame
from udfs.spans import Span

KEY = SecretKey(b"worker-test-key-0123456789abcdef")


def settings(**kw) -> WorkerSettings:
    det = DetectionSettings(ner_enabled=False)
    return WorkerSettings(detection=det, key=KEY, **kw)


def frame(rows: list[dict]) -> pd.DataFrame:
    base = {"note_id": "n", "patient_id": "p", "text": "", "note_date": None, "note_type": None,
            "language": None, "source_hash": "h", "dup_count": 1}
    return pd.DataFrame([{**base, **r} for r in rows])


def run(rows, **kw) -> pd.DataFrame:
    out = process_frame(frame(rows), settings(**kw))
    assert list(out.columns) == list(OUTPUT_COLUMNS)
    assert len(out) == len(rows)  # one output row per input row, always
    return out


@pytest.mark.parametrize("row, reason", [
    ({"note_id": None, "text": "x"}, "NULL_NOTE_ID"),
    ({"note_id": "  ", "text": "x"}, "NULL_NOTE_ID"),
    ({"text": None}, "NULL_TEXT"),
    ({"text": 12345}, "NON_STRING_TEXT"),
    ({"patient_id": None, "text": "x"}, "MISSING_PATIENT_ID"),
    ({"dup_count": 2, "text": "x"}, "DUPLICATE_NOTE_ID"),
    ({"text": "a" * 101}, "TEXT_TOO_LONG"),
])
def test_bad_rows_are_quarantined_with_a_reason(row, reason):
    out = run([row, {"note_id": "good", "text": "Seen on 03/14/2021."}], max_chars=100)
    assert out.loc[0, "status"] == "quarantined" and out.loc[0, "reason"] == reason
    assert out.loc[0, "deid_text"] is None  # quarantine never carries text
    assert out.loc[1, "status"] == "ok"


def test_empty_and_whitespace_notes_pass_through():
    out = run([{"note_id": "a", "text": ""}, {"note_id": "b", "text": "   \n "}])
    assert list(out["status"]) == ["ok", "ok"]
    assert list(out["deid_text"]) == ["", "   \n "]


def test_document_scope_does_not_need_a_patient():
    out = run([{"patient_id": None, "text": "Seen 03/14/2021"}], scope="document")
    assert out.loc[0, "status"] == "ok"


def test_odd_unicode_and_markup_are_cleaned_before_detection():
    out = run([
        {"note_id": "z", "text": "Call 555-123-\u200b4567 now"},
        {"note_id": "h", "text": "<p>Mail <b>jane.roe@example.org</b></p>"},
        {"note_id": "m", "text": "Αλφα 日本語 عربى e\u0301 \u202eevil"},
    ], mode="mask")
    assert list(out["status"]) == ["ok", "ok", "ok"]
    assert "555-123-4567" not in out.loc[0, "deid_text"] and "[CONTACT]" in out.loc[0, "deid_text"]
    assert "INVISIBLE" in out.loc[0, "flags"]
    assert "jane.roe" not in out.loc[1, "deid_text"] and "<b>" not in out.loc[1, "deid_text"]
    assert "MARKUP_HTML" in out.loc[1, "flags"]


def test_failure_in_detection_quarantines_only_that_note(monkeypatch):
    from udfs import detection

    real = detection.DetectionStack.detect

    def flaky(self, texts, languages=None, **kw):
        if any("BOOM" in t for t in texts):
            raise RuntimeError("Jane Roe broke it")  # a message quoting PHI must never be kept
        return real(self, texts, languages, **kw)

    monkeypatch.setattr(detection.DetectionStack, "detect", flaky)
    out = run([{"note_id": "a", "text": "BOOM"}, {"note_id": "b", "text": "fine 03/14/2021"}])
    assert out.loc[0, "reason"] == "DETECTION_ERROR:RuntimeError"
    assert "Jane" not in out.to_string()
    assert out.loc[1, "status"] == "ok"


def test_leak_gate_counts_surviving_originals():
    text = "John Smith seen. Smith is well."
    spans = [Span(0, 10, "NAME", 0.9, "ner")]
    assert leaked_spans(text, "Peter Jones seen. Smith is well.", spans) == 0  # "John Smith" gone
    spans2 = [Span(5, 10, "NAME", 0.9, "ner")]
    assert leaked_spans(text, "John Jones seen. Smith is well.", spans2) == 1  # "Smith" survives


def test_residual_phi_in_output_is_quarantined(monkeypatch):
    # Switch off the contact recognizer: the residual scan must still catch the phone number.
    s = WorkerSettings(detection=DetectionSettings(ner_enabled=False, recognizers=("pattern:date",)), key=KEY)
    out = process_frame(frame([{"text": "call (555) 123-4567"}]), s)
    assert out.loc[0, "reason"] == "RESIDUAL_PHONE"


def test_surrogate_mode_replaces_and_records_offsets():
    text = "Seen on 03/14/2021, SSN 123-45-6789, mail jane.roe@example.org."
    out = run([{"text": text, "note_date": "2021-03-14"}])
    row = out.loc[0]
    assert row["status"] == "ok"
    assert "03/14/2021" not in row["deid_text"] and "123-45-6789" not in row["deid_text"]
    for s in row["spans"]:
        assert row["deid_text"][s["out_start"]:s["out_end"]] != text[s["start"]:s["end"]]
    assert row["note_date"] != "2021-03-14"
    assert row["masked_text"].count("[") == len(row["spans"])


def test_planted_leak_is_quarantined_by_the_leak_gate(monkeypatch):
    """A broken surrogate engine that hands back the original name must not reach the output."""
    from udfs.surrogates.engine import SurrogateEngine

    real = SurrogateEngine.surrogate

    def leaky(self, value, label, subtype, scope, locale):
        return value if label == "ID" else real(self, value, label, subtype, scope, locale)

    monkeypatch.setattr(SurrogateEngine, "surrogate", leaky)
    out = run([{"text": "MRN: A1234567 seen 03/14/2021"}, {"note_id": "b", "text": "seen 03/14/2021"}])
    assert out.loc[0, "reason"] == "LEAK_GATE" and out.loc[0, "deid_text"] is None
    assert out.loc[1, "status"] == "ok"


def test_planted_residual_ssn_is_caught_even_if_unmasked():
    s = WorkerSettings(detection=DetectionSettings(ner_enabled=False, recognizers=("pattern:date",)), key=KEY)
    out = process_frame(frame([{"text": "SSN 123-45-6789"}]), s)
    assert out.loc[0, "reason"] == "RESIDUAL_SSN"


def test_leak_gate_ignores_type_words_kept_inside_a_longer_surrogate():
    text = "Admitted to Hospital today."
    spans = [Span(12, 20, "ORGANIZATION", 0.7, "ner")]
    out = "Admitted to Glendale Community Hospital today."
    assert leaked_spans(text, out, spans, [(12, 39)]) == 0
    assert leaked_spans(text, "Admitted to Hospital today.", spans, [(12, 20)]) == 1  # surrogate == original
    assert leaked_spans(text, out + " Hospital", spans, [(12, 39)]) == 1  # an occurrence outside
