"""Memorisation check: the longest word span an output shares with any one training description.

The training descriptions become one word-id sequence, each description closed by its own
separator id (so a match never runs across two descriptions), and a suffix array is built over it
(prefix doubling, vectorised in numpy: a second for the 10k-description Myntra corpus). The longest
span starting at output word i is found by narrowing the suffix-array interval one word at a time;
the longest over all i is the copied span. Exact, and no n-gram size to tune.

An output is a near-copy when its copied span covers at least `copy_fraction` of its words
(default 0.8: it is essentially one training description), or is at least `max_span` words long
(default 30: a long verbatim passage inside a longer text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def suffix_array(seq: np.ndarray) -> np.ndarray:
    """Start positions of all suffixes of `seq`, in lexicographic order (prefix doubling)."""
    n = len(seq)
    rank = np.unique(seq, return_inverse=True)[1].astype(np.int64)
    positions = np.arange(n)
    k = 1
    while True:
        second = np.where(positions + k < n, rank[np.minimum(positions + k, n - 1)] + 1, 0)
        order = np.lexsort((second, rank))
        r, s = rank[order], second[order]
        new_group = np.concatenate(([0], ((r[1:] != r[:-1]) | (s[1:] != s[:-1])).astype(np.int64)))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.cumsum(new_group)
        if rank.max() == n - 1 or k >= n:
            return order
        k *= 2


@dataclass(frozen=True)
class CopyMatch:
    span: int  # words in the longest span shared with one training description
    words: int  # words in the output
    source: int  # index of that training description (-1 when span is 0)

    @property
    def fraction(self) -> float:
        return self.span / self.words if self.words else 0.0


class CopyIndex:
    def __init__(self, texts: Sequence[str], copy_fraction: float = 0.8, max_span: int = 30, min_words: int = 5):
        self.copy_fraction, self.max_span, self.min_words = copy_fraction, max_span, min_words
        self.vocab: dict[str, int] = {}
        pieces: list[np.ndarray] = []
        starts = []
        offset = 0
        for doc, text in enumerate(texts):
            ids = [self.vocab.setdefault(w, len(self.vocab) + 1) for w in words(text)]
            pieces.append(np.array(ids + [-(doc + 1)], dtype=np.int64))
            starts.append(offset)
            offset += len(ids) + 1
        self.seq = np.concatenate(pieces) if pieces else np.array([-1], dtype=np.int64)
        self.doc_starts = np.array(starts or [0], dtype=np.int64)
        self.sa = suffix_array(self.seq)
        self.first = self.seq[self.sa]
        self.exact = {" ".join(words(t)) for t in texts}

    def _longest_from(self, query: np.ndarray, i: int) -> tuple[int, int]:
        """(length, corpus position) of the longest corpus match of query[i:]."""
        lo = int(np.searchsorted(self.first, query[i], "left"))
        hi = int(np.searchsorted(self.first, query[i], "right"))
        if lo == hi:
            return 0, -1
        length = 1
        while i + length < len(query):
            column = self.seq[self.sa[lo:hi] + length]  # sorted: these suffixes share `length` words
            a = int(np.searchsorted(column, query[i + length], "left"))
            b = int(np.searchsorted(column, query[i + length], "right"))
            if a == b:
                break
            lo, hi = lo + a, lo + b
            length += 1
        return length, int(self.sa[lo])

    def match(self, text: str) -> CopyMatch:
        ws = words(text)
        query = np.array([self.vocab.get(w, 0) for w in ws], dtype=np.int64)
        best, where = 0, -1
        for i in range(len(query)):
            if len(query) - i <= best:
                break
            length, pos = self._longest_from(query, i)
            if length > best:
                best, where = length, pos
        source = int(np.searchsorted(self.doc_starts, where, "right") - 1) if where >= 0 else -1
        return CopyMatch(best, len(ws), source)

    def is_near_copy(self, text: str, match: CopyMatch | None = None) -> bool:
        m = match or self.match(text)
        if " ".join(words(text)) in self.exact and m.words > 0:
            return True
        if m.words < self.min_words:
            return False
        return m.fraction >= self.copy_fraction or m.span >= self.max_span


def copy_stats(index: CopyIndex, texts: Iterable[str]) -> dict[str, float]:
    """Mean/max longest copied span, exact-copy rate and near-copy rate over `texts`."""
    matches, near, exact = [], 0, 0
    for t in texts:
        m = index.match(t)
        matches.append(m)
        near += index.is_near_copy(t, m)
        exact += " ".join(words(t)) in index.exact
    n = max(len(matches), 1)
    return {
        "copy_span_mean": sum(m.span for m in matches) / n,
        "copy_span_max": max((m.span for m in matches), default=0),
        "copy_fraction_mean": sum(m.fraction for m in matches) / n,
        "near_copy_rate": near / n,
        "exact_copy_rate": exact / n,
    }
