"""replace_spans: text integrity, offsets, modes and guards. All text is synthetic."""
from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given, settings, strategies as st

from udfs.replacement import MODES, OffsetEntry, ReplacementResult, replace_spans
from udfs.spans import LABELS, Span
from udfs.surrogates.engine import SurrogateEngine
from udfs.surrogates.shape import normalise

KEY = b"unit-test-key-not-a-real-secret-0123"
ENGINE = SurrogateEngine(KEY)
NOTE = "John Smith (92 yo) seen 03/14/2021. Mr. Smith lives in Springfield; MRN 00123456."
SPANS = [
    Span(0, 10, "NAME", 0.9, "test"),
    Span(12, 17, "AGE", 0.9, "test"),
    Span(24, 34, "DATE", 0.9, "test"),
    Span(36, 45, "NAME", 0.9, "test"),
    Span(55, 66, "LOCATION", 0.9, "test", "CITY"),
    Span(72, 80, "ID", 0.9, "test", "MRN"),
]


def test_fixture_offsets_are_what_the_test_means() -> None:
    assert [NOTE[s.start:s.end] for s in SPANS] == [
        "John Smith", "92 yo", "03/14/2021", "Mr. Smith", "Springfield", "00123456"]


def test_modes_constant() -> None:
    assert MODES == ("surrogate", "mask", "hash")


def test_mask_mode() -> None:
    result = replace_spans(NOTE, SPANS, mode="mask", engine=None, scope="p1", locale="en")
    assert result.text == "[NAME] ([AGE]) seen [DATE]. [NAME] lives in [LOCATION]; MRN [ID]."


def test_hash_mode_is_keyed_and_consistent() -> None:
    result = replace_spans(NOTE, SPANS, mode="hash", engine=ENGINE, scope="p1", locale="en")
    tag = hmac.new(KEY, "\x1f".join(("HASH", "p1", "NAME", normalise("John Smith"))).encode(),
                   hashlib.sha256).hexdigest()[:4]
    assert result.text.startswith(f"[NAME-{tag}] ([AGE-")
    again = replace_spans(NOTE, SPANS, mode="hash", engine=ENGINE, scope="p1", locale="en")
    assert again == result
    other_scope = replace_spans(NOTE, SPANS, mode="hash", engine=ENGINE, scope="p2", locale="en")
    assert other_scope.text != result.text


def test_surrogate_mode_keeps_the_person_consistent() -> None:
    result = replace_spans(NOTE, SPANS, mode="surrogate", engine=ENGINE, scope="p1", locale="en")
    first = result.text[result.offsets[0].new_start:result.offsets[0].new_end]
    mister = result.text[result.offsets[3].new_start:result.offsets[3].new_end]
    assert first.split()[-1] == mister.split()[-1] and mister.startswith("Mr. ")
    assert "John" not in result.text and "Smith" not in result.text and "00123456" not in result.text
    assert "90+ yo" in result.text
    assert result.text.endswith(".") and " seen " in result.text


def test_default_mode_is_surrogate() -> None:
    default = replace_spans(NOTE, SPANS, engine=ENGINE, scope="p1", locale="en")
    assert default == replace_spans(NOTE, SPANS, mode="surrogate", engine=ENGINE, scope="p1", locale="en")


def test_offsets_map_each_span() -> None:
    result = replace_spans(NOTE, SPANS, mode="mask", scope="p1", locale="en")
    assert isinstance(result, ReplacementResult) and all(isinstance(o, OffsetEntry) for o in result.offsets)
    assert [(o.orig_start, o.orig_end, o.label) for o in result.offsets] == [(s.start, s.end, s.label) for s in SPANS]
    assert [result.text[o.new_start:o.new_end] for o in result.offsets] == [f"[{s.label}]" for s in SPANS]


def test_unsorted_input_and_no_spans() -> None:
    shuffled = list(reversed(SPANS))
    assert replace_spans(NOTE, shuffled, mode="mask") == replace_spans(NOTE, SPANS, mode="mask")
    empty = replace_spans(NOTE, [], mode="surrogate", engine=ENGINE, scope="p1", locale="en")
    assert empty.text == NOTE and empty.offsets == []


def test_overlap_raises_with_offsets_not_values() -> None:
    spans = [Span(0, 10, "NAME", 1.0, "t"), Span(5, 17, "NAME", 1.0, "t")]
    with pytest.raises(ValueError) as info:
        replace_spans(NOTE, spans, mode="mask")
    message = str(info.value)
    assert "0..10" in message and "5..17" in message and "Smith" not in message


def test_span_past_end_raises() -> None:
    with pytest.raises(ValueError, match="ends past the text"):
        replace_spans("short", [Span(2, 9, "NAME", 1.0, "t")], mode="mask")


def test_mode_guards() -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        replace_spans(NOTE, SPANS, mode="redact", engine=ENGINE)
    for mode in ("surrogate", "hash"):
        with pytest.raises(ValueError, match="needs a SurrogateEngine"):
            replace_spans(NOTE, SPANS, mode=mode, engine=None)


@st.composite
def _text_and_spans(draw: st.DrawFn) -> tuple[str, list[Span]]:
    text = draw(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120))
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=10)))
    spans: list[Span] = []
    for start, end in zip(cuts[::2], cuts[1::2]):
        if end > start:
            label = draw(st.sampled_from(LABELS))
            subtype = draw(st.sampled_from(["", "PHONE", "EMAIL", "SSN", "MRN", "ZIP", "CITY", "STREET", "OVER_89"]))
            spans.append(Span(start, end, label, 1.0, "prop", subtype))
    return text, spans


@settings(max_examples=150, deadline=None)
@given(_text_and_spans(), st.sampled_from(MODES), st.text(max_size=6), st.sampled_from(["en", "es", "de", "fr", "it", "nl", "xx"]))
def test_text_outside_spans_is_unchanged(case: tuple[str, list[Span]], mode: str, scope: str, locale: str) -> None:
    text, spans = case
    result = replace_spans(text, spans, mode=mode, engine=ENGINE, scope=scope, locale=locale)
    assert len(result.offsets) == len(spans)
    orig_cursor = new_cursor = 0
    for entry in result.offsets:
        assert text[orig_cursor:entry.orig_start] == result.text[new_cursor:entry.new_start]
        assert entry.new_end >= entry.new_start
        orig_cursor, new_cursor = entry.orig_end, entry.new_end
    assert text[orig_cursor:] == result.text[new_cursor:]
    # the offsets are exactly the length bookkeeping of the rewrite
    assert len(result.text) == len(text) + sum((o.new_end - o.new_start) - (o.orig_end - o.orig_start)
                                               for o in result.offsets)
