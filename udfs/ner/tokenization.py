"""Word-piece encoding, casing classes and overlapping windows for the NER model.

Shared by training (``models/train.py``) and the runtime host, so both see exactly the same
pieces, offsets and case ids. Only numpy and ``tokenizers`` here: this runs on Spark executors.

The vocabulary is uncased, so capitalisation (a strong PHI signal) is passed to the model as a
separate *case id* per piece, computed from the original characters of the word the piece is in.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
from tokenizers import Tokenizer

#: Case classes. PAD is also used for [CLS]/[SEP]. Classes are per *word* (pre-token), so the
#: continuation pieces of "Johnson" carry TITLE like the first one.
CASE_PAD, CASE_LOWER, CASE_TITLE, CASE_UPPER, CASE_MIXED, CASE_DIGIT, CASE_OTHER = range(7)
N_CASE_CLASSES = 7


def case_class(word: str) -> int:
    """Case class of one word: lower, Title, UPPER, mIxEd, digits (no letters) or other."""
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return CASE_DIGIT if any(c.isdigit() for c in word) else CASE_OTHER
    if all(c.islower() for c in letters):
        return CASE_LOWER
    first, rest = letters[0], letters[1:]
    if first.isupper() and all(c.islower() for c in rest):
        return CASE_TITLE
    if all(c.isupper() for c in letters):
        return CASE_UPPER
    return CASE_MIXED


@dataclass(frozen=True)
class Encoded:
    """One text as word pieces (no special tokens). ``offsets`` are str offsets, end exclusive."""

    ids: np.ndarray  # (n,) int64
    offsets: np.ndarray  # (n, 2) int32
    case_ids: np.ndarray  # (n,) int64

    def __len__(self) -> int:
        return int(self.ids.shape[0])


def load_tokenizer(path: str | Path) -> Tokenizer:
    """Load ``tokenizer.json`` with truncation and padding off (we window ourselves)."""
    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


def special_ids(tok: Tokenizer) -> tuple[int, int, int]:
    """(cls, sep, pad) ids of a BERT tokenizer."""
    ids = [tok.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]")]
    if any(i is None for i in ids):
        raise ValueError("tokenizer lacks [CLS]/[SEP]/[PAD]")
    return ids[0], ids[1], ids[2]


@lru_cache(maxsize=1 << 16)
def _case_class_cached(word: str) -> int:
    return case_class(word)


def _encoded(text: str, enc) -> Encoded:  # enc: tokenizers.Encoding
    n = len(enc.ids)
    ids = np.asarray(enc.ids, dtype=np.int64)
    offsets = np.asarray(enc.offsets, dtype=np.int32).reshape(n, 2)
    if n == 0:
        return Encoded(ids=ids, offsets=offsets, case_ids=np.full(0, CASE_OTHER, dtype=np.int64))
    # Words = runs of pieces with the same word id (a piece without one is a word by itself); the
    # word's chars run from its first piece's start to its last piece's end. Vectorised grouping,
    # one (cached) case_class call per word.
    w = np.fromiter((-1 if x is None else x for x in enc.word_ids), dtype=np.int64, count=n)
    new = np.ones(n, dtype=bool)
    new[1:] = (w[1:] != w[:-1]) | (w[:-1] == -1)
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], n)
    classes = [_case_class_cached(text[a:b])
               for a, b in zip(offsets[starts, 0].tolist(), offsets[ends - 1, 1].tolist())]
    case_ids = np.repeat(np.asarray(classes, dtype=np.int64), ends - starts)
    return Encoded(ids=ids, offsets=offsets, case_ids=case_ids)


def encode(tok: Tokenizer, text: str) -> Encoded:
    """Encode one text without special tokens."""
    return _encoded(text, tok.encode(text, add_special_tokens=False))


def encode_batch(tok: Tokenizer, texts: Sequence[str]) -> list[Encoded]:
    """Encode many texts (the Rust side parallelises)."""
    encs = tok.encode_batch(list(texts), add_special_tokens=False)
    return [_encoded(t, e) for t, e in zip(texts, encs)]


def make_windows(n_tokens: int, max_length: int, stride: int) -> list[tuple[int, int]]:
    """Token ranges [start, end) covering ``n_tokens`` pieces, each fitting ``max_length`` with
    [CLS]/[SEP]; consecutive windows overlap by ``stride`` pieces so an entity cut by one window's
    edge lies whole inside the next one. The last window is right-aligned to the text end."""
    content = max_length - 2
    if content <= 0 or not 0 <= stride < content:
        raise ValueError("need max_length > 2 and 0 <= stride < max_length - 2")
    if n_tokens <= content:
        return [(0, n_tokens)] if n_tokens > 0 else []
    step = content - stride
    windows: list[tuple[int, int]] = []
    start = 0
    while True:
        end = start + content
        if end >= n_tokens:
            windows.append((max(0, n_tokens - content), n_tokens))
            break
        windows.append((start, end))
        start += step
    return windows


@dataclass(frozen=True)
class WindowBatch:
    """Padded model inputs for a batch of windows (int64, as the ONNX graph expects)."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    case_ids: np.ndarray


def build_batch(
    items: Sequence[tuple[Encoded, int, int]], cls_id: int, sep_id: int, pad_id: int
) -> WindowBatch:
    """Pad windows ``(encoded, start, end)`` to the longest one; [CLS] + pieces + [SEP]."""
    length = max(end - start for _, start, end in items) + 2
    b = len(items)
    input_ids = np.full((b, length), pad_id, dtype=np.int64)
    mask = np.zeros((b, length), dtype=np.int64)
    case_ids = np.full((b, length), CASE_PAD, dtype=np.int64)
    for r, (enc, start, end) in enumerate(items):
        n = end - start
        input_ids[r, 0] = cls_id
        input_ids[r, 1:n + 1] = enc.ids[start:end]
        input_ids[r, n + 1] = sep_id
        mask[r, :n + 2] = 1
        case_ids[r, 1:n + 1] = enc.case_ids[start:end]
    return WindowBatch(input_ids=input_ids, attention_mask=mask, case_ids=case_ids)
