from hypothesis import given, settings, strategies as st

from udfs.merge import merge_spans
from udfs.residual import residual_hits
from udfs.secret import SecretKey
from udfs.spans import LABELS, Span
from udfs.text_prep import prepare_text


def test_certain_pattern_beats_higher_scoring_ner():
    ssn = Span(10, 21, "ID", 0.9, "pattern:ssn", "SSN")
    ner = Span(8, 21, "DATE", 0.99, "ner")
    (merged,) = merge_spans([ner, ssn])
    assert merged.label == "ID" and (merged.start, merged.end) == (8, 21)


def test_same_label_overlaps_merge_to_union():
    (merged,) = merge_spans([Span(0, 4, "NAME", 0.8, "ner"), Span(2, 9, "NAME", 0.7, "propagation")])
    assert (merged.start, merged.end, merged.source) == (0, 9, "ner+propagation")


def test_adjacent_spans_stay_separate():
    merged = merge_spans([Span(0, 4, "NAME", 0.8, "ner"), Span(4, 9, "NAME", 0.7, "ner")])
    assert len(merged) == 2


span_st = st.builds(
    lambda s, n, lab, sc: Span(s, s + n, lab, sc, "t"),
    st.integers(0, 200), st.integers(1, 30), st.sampled_from(LABELS), st.floats(0, 1),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(span_st, max_size=25))
def test_merge_is_order_independent_non_overlapping_and_covers_everything(spans):
    a = merge_spans(spans)
    b = merge_spans(list(reversed(spans)))
    assert a == b
    assert all(x.end <= y.start for x, y in zip(a, a[1:]))
    covered = {i for s in a for i in range(s.start, s.end)}
    assert all(i in covered for s in spans for i in range(s.start, s.end))


def test_prepare_removes_zero_width_and_controls_and_normalises():
    text, flags = prepare_text("Jo\u200bhn Sm\u00adith\x07 cafe\u0301")
    assert text == "John Smith café"
    assert "INVISIBLE" in flags


def test_prepare_strips_html_and_rtf():
    text, flags = prepare_text("<p>Seen by <b>John</b> Smith</p><script>x()</script>")
    assert "John Smith" in text and "<" not in text and "x()" not in text and flags == ["MARKUP_HTML"]
    text, flags = prepare_text(r"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 Patient Jos\'e9 Garc\'eda\par seen}")
    assert "Patient José García" in text and "\\" not in text and flags == ["MARKUP_RTF"]


def test_prepare_keeps_plain_text_with_angle_brackets():
    text, flags = prepare_text("HR <60 and BP > 90/60")
    assert text == "HR <60 and BP > 90/60" and flags == []


def test_residual_hits_on_masked_view():
    assert residual_hits("call [CONTACT] about [NAME]") == []
    assert residual_hits("SSN 123-45-6789") == ["SSN"]
    assert "EMAIL" in residual_hits("write to someone@example.com")
    assert "PHONE" in residual_hits("tel (555) 123-4567")
    assert residual_hits("BP 120/80, Na 140, 2.5 mg q6h") == []


def test_secret_key_never_shows_itself():
    key = SecretKey(b"k" * 32)
    assert "kkkk" not in repr(key) and "kkkk" not in str(key) and "kkkk" not in f"{key!r} {key}"
    assert key.digest("a") == SecretKey(b"k" * 32).digest("a") != SecretKey(b"j" * 32).digest("a")
