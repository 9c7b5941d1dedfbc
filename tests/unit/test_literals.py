"""LiteralMatcher (one regex pass for many literals) against one pattern per literal."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from udfs.detection import propagate_spans
from udfs.literals import LiteralMatcher
from udfs.merge import merge_spans
from udfs.spans import Span
from udfs.worker import leaked_spans


def reference(text: str, values) -> set[tuple[int, int, str]]:
    out = set()
    for v in set(values):
        if v:
            for m in re.finditer(r"(?<!\w)" + re.escape(v) + r"(?!\w)", text):
                out.add((m.start(), m.end(), v))
    return out


def test_overlapping_prefix_and_repeated_values():
    text = "John Smith saw Smith; John Smith-Jones and (555) 1234 and A A A, O'Neil."
    values = ["John Smith", "Smith", "John", "Smith-Jones", "(555) 1234", "A A", "O", "O'Neil"]
    assert set(LiteralMatcher(values).finditer(text)) == reference(text, values)
    assert LiteralMatcher([]).found(text) == set()


_alphabet = st.sampled_from(list("ab A-.,'(1_é"))


@settings(max_examples=300, deadline=None)
@given(text=st.text(_alphabet, max_size=40), values=st.lists(st.text(_alphabet, min_size=1, max_size=5), max_size=6))
def test_matches_one_pattern_per_value(text, values):
    assert set(LiteralMatcher(values).finditer(text)) == reference(text, values)


def _old_propagate(text, spans):
    extra, seen = [], set()
    for span in spans:
        if span.label not in {"NAME", "ID", "CONTACT"}:
            continue
        value = text[span.start:span.end]
        if len(value.strip()) < 3 or (value, span.label) in seen:
            continue
        seen.add((value, span.label))
        for m in re.finditer(r"(?<!\w)" + re.escape(value) + r"(?!\w)", text):
            if m.start() != span.start:
                extra.append(Span(m.start(), m.end(), span.label, span.score * 0.9, "propagation", span.subtype))
    return [*spans, *extra]


def test_propagation_equals_the_per_value_search_on_the_sample():
    from deid.sample import load_sample

    for note in load_sample():
        text = note["note_text"]
        spans = merge_spans(Span(s["start"], s["end"], s["label"], 0.8, "ner") for s in note["spans"]
                            if s["label"] != "OTHER")
        assert merge_spans(propagate_spans(text, spans)) == merge_spans(_old_propagate(text, spans))
        assert sorted(propagate_spans(text, spans), key=lambda s: (s.start, s.end, s.label)) == \
            sorted(_old_propagate(text, spans), key=lambda s: (s.start, s.end, s.label))


def test_leak_gate_counts_each_surviving_span():
    original = "Pt John Smith, MRN 40012387, seen by Dr. Smith."
    spans = [Span(3, 13, "NAME", 0.9, "ner"), Span(19, 27, "ID", 0.9, "ner"), Span(41, 46, "NAME", 0.9, "ner")]
    assert leaked_spans(original, "Pt Paul Jones, MRN 40012387, seen by Dr. Smith.", spans) == 2
    assert leaked_spans(original, "Pt Paul Jones, MRN 11112222, seen by Dr. Jones.", spans) == 0
