"""A BM25 index of the chunk texts: kept in memory, synced with the Chroma store, saved beside a local index.

Scoring is Lucene's BM25 (the variant of Anserini's published BEIR baselines and of bm25s' default) on
Snowball-stemmed words, over posting lists in numpy arrays (no scipy import: `assistant ask` starts faster).
The index only stores term counts per chunk, so chunks can be added and removed one by one; the BM25 weights
are recomputed from the counts when needed.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.core.errors import ConfigurationError
from assistant.core.types import Chunk

if TYPE_CHECKING:
    from assistant.core.config import Settings
    from assistant.retrieval.store import ChromaStore

logger = logging.getLogger(__name__)

FORMAT = 1
_WORD = re.compile(r"\w\w+")
# Lucene's English stop words, as used by the Anserini BM25 baselines.
STOPWORDS = frozenset(
    """a an and are as at be but by for if in into is it no not of on or such that the their then there
    these they this to was will with""".split()
)


class Analyzer:
    """Lower-case words of two or more characters, stop words dropped, Snowball-stemmed (with a cache)."""

    def __init__(self, language: str = "english") -> None:
        try:
            import Stemmer
        except ImportError as error:
            raise ConfigurationError(
                "BM25 retrieval needs PyStemmer. Install it with `pip install PyStemmer`, "
                "or set ASSISTANT_RETRIEVAL=dense."
            ) from error
        self._stemmer = Stemmer.Stemmer(language)
        self._stems: dict[str, str | None] = {word: None for word in STOPWORDS}

    def counts(self, text: str) -> Counter[str]:
        """How often each term (stemmed word) occurs in `text`."""
        words = Counter(_WORD.findall(text.lower()))
        unknown = [word for word in words if word not in self._stems]
        if unknown:
            self._stems.update(zip(unknown, self._stemmer.stemWords(unknown), strict=True))
        terms: Counter[str] = Counter()
        for word, count in words.items():
            term = self._stems[word]
            if term is not None:
                terms[term] += count
        return terms

    def terms(self, text: str) -> list[str]:
        """The distinct terms of `text`."""
        return list(self.counts(text))


class LexicalIndex:
    """BM25 over chunks; `path` (a `.npz` file) is where `save` writes and `load` reads, None keeps it in memory."""

    def __init__(self, path: Path | None = None, k1: float = 0.9, b: float = 0.4) -> None:
        if k1 < 0 or not 0 <= b <= 1:
            raise ConfigurationError(f"BM25 needs k1 >= 0 and 0 <= b <= 1; got k1={k1}, b={b}.")
        self.path = path
        self.k1, self.b = k1, b
        self.analyzer = Analyzer()
        self._vocab: dict[str, int] = {}
        self._terms: list[str] = []
        # chunk id -> (source, term ids, counts); insertion order is the row order of the matrix
        self._rows: dict[str, tuple[str, np.ndarray, np.ndarray]] = {}
        self._matrix = None  # (ids, sources, postings, idf, row of id), built on demand
        self._loaded = self._followed = False
        self._writers = 0  # ingests of this process under way: they sync the index themselves when done
        # Changes, saves and searches hold the lock, so a search always sees one consistent state of the index.
        self._lock = threading.RLock()
        self.dirty = False  # changed since it was loaded or saved

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, chunk_id: str) -> bool:
        return chunk_id in self._rows

    def ids(self) -> set[str]:
        return set(self._rows)

    # -- changes ----------------------------------------------------------------------------------
    def add(self, chunks: Iterable[Chunk]) -> None:
        """Index chunks (an id already present is replaced)."""
        analyzed = [(chunk, self.analyzer.counts(chunk.text)) for chunk in chunks]
        with self._lock:
            for chunk, counts in analyzed:
                terms = np.fromiter(map(self._term_id, counts), dtype=np.int32, count=len(counts))
                values = np.fromiter(counts.values(), dtype=np.int32, count=len(counts))
                self._rows[chunk.id] = (chunk.source, terms, values)
                self._changed()

    def remove(self, ids: Iterable[str]) -> None:
        with self._lock:
            for chunk_id in ids:
                if self._rows.pop(chunk_id, None) is not None:
                    self._changed()

    def clear(self) -> None:
        with self._lock:
            if self._rows:
                self._rows.clear()
                self._changed()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Around an ingest in this process: searches meanwhile do not sync with the half-written store."""
        with self._lock:
            self._writers += 1
        try:
            yield
        finally:
            with self._lock:
                self._writers -= 1

    def sync(self, store: ChromaStore, batch: int = 2000) -> bool:
        """Make the index hold exactly the store's chunks; returns True when something changed."""
        with self._lock:
            wanted = store.chunk_ids()
            stale = [chunk_id for chunk_id in self._rows if chunk_id not in wanted]
            missing = sorted(chunk_id for chunk_id in wanted if chunk_id not in self._rows)
            self.remove(stale)
            for begin in range(0, len(missing), batch):
                self.add(store.get(missing[begin : begin + batch]))
            if stale or missing:
                logger.info("BM25 index synced: %d chunks added, %d removed", len(missing), len(stale))
            return bool(stale or missing)

    def follow(self, store: ChromaStore) -> None:
        """Before a search: load the saved index and sync it once; later, sync again when the chunk count moved.

        Another process (an ingest, or a client of the same Chroma server) may change the store meanwhile.
        """
        with self._lock:
            if not self._followed:
                self.ensure_loaded()
                self._followed = True
            elif self._writers or store.count() == len(self._rows):
                return
            if self.sync(store):
                self.save()

    def ensure_loaded(self) -> None:
        """Read the saved index, once (before changing it, so that unchanged chunks need no new analysis)."""
        with self._lock:
            if not self._loaded:
                self._loaded = True
                if self._rows:  # built in memory before: the file would be older
                    return
                self.load()

    def _term_id(self, term: str) -> int:
        found = self._vocab.get(term)
        if found is None:
            found = self._vocab[term] = len(self._terms)
            self._terms.append(term)
        return found

    def _changed(self) -> None:
        self._matrix = None
        self.dirty = True

    # -- search -----------------------------------------------------------------------------------
    def query(self, query: str) -> LexicalScores:
        """The BM25 scores of every chunk for `query`, from one consistent state of the index."""
        with self._lock:
            ids, sources, (indptr, rows, weights), idf, row_of = self._built()
            columns = sorted({self._vocab[term] for term in self.analyzer.terms(query) if term in self._vocab})
            if not columns or not ids:
                scores = np.zeros(len(ids), dtype=np.float32)
            else:  # summed over the query's distinct terms, as Lucene does for a bag-of-words query
                spans = [slice(indptr[column], indptr[column + 1]) for column in columns]
                hits = np.concatenate([rows[span] for span in spans])
                values = np.concatenate([weights[span] * idf[col] for span, col in zip(spans, columns, strict=True)])
                scores = np.bincount(hits, weights=values, minlength=len(ids)).astype(np.float32)
            # The score of a chunk holding every query term very often: the sum of their IDF times (k1 + 1).
            ceiling = float(idf[columns].sum() * (self.k1 + 1)) if columns else 1.0
        return LexicalScores(ids, sources, scores, row_of, ceiling)

    def search(self, query: str, k: int, sources: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """The k best (chunk id, score) pairs with a positive score, best first; only `sources` when given."""
        return self.query(query).top(k, sources)

    def _built(self):
        with self._lock:
            if self._matrix is None:
                self._matrix = self._build()
            return self._matrix

    def _build(self):
        ids = list(self._rows)
        sources = np.array([row[0] for row in self._rows.values()], dtype=object)
        vocabulary = len(self._terms)
        if not ids:
            empty = (np.zeros(vocabulary + 1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))
            return ids, sources, empty, np.zeros(vocabulary, np.float32), {}
        terms = np.concatenate([row[1] for row in self._rows.values()])
        counts = np.concatenate([row[2] for row in self._rows.values()]).astype(np.float32)
        lengths = np.array([row[2].sum() for row in self._rows.values()], dtype=np.float32)
        owner = np.repeat(np.arange(len(ids)), [len(row[1]) for row in self._rows.values()])
        average = max(float(lengths.mean()), 1.0)
        norm = self.k1 * (1 - self.b + self.b * lengths[owner] / average)
        weights = counts * (self.k1 + 1) / (counts + norm)
        frequency = np.bincount(terms, minlength=vocabulary)
        order = np.argsort(terms, kind="stable")  # posting lists: the chunks (rows) of each term, term by term
        postings = (np.concatenate([[0], np.cumsum(frequency)]), owner[order], weights[order].astype(np.float32))
        idf = np.log(1 + (len(ids) - frequency + 0.5) / (frequency + 0.5))
        return ids, sources, postings, idf.astype(np.float32), {chunk_id: row for row, chunk_id in enumerate(ids)}

    # -- persistence ------------------------------------------------------------------------------
    def save(self) -> None:
        """Write the counts to `path` (atomically), if the index has a path and changed."""
        with self._lock:
            if self.path is not None and self.dirty:
                self._save(self.path)

    def _save(self, path: Path) -> None:
        rows = list(self._rows.values())
        sizes = [len(row[1]) for row in rows]
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial.npz")
        np.savez(
            partial,
            format=np.array([FORMAT]),
            params=np.array([self.k1, self.b]),
            ids=np.array(list(self._rows), dtype=str),
            sources=np.array([row[0] for row in rows], dtype=str),
            indptr=np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]),
            terms=np.concatenate([row[1] for row in rows]) if rows else np.zeros(0, np.int32),
            counts=np.concatenate([row[2] for row in rows]) if rows else np.zeros(0, np.int32),
            vocabulary=np.array(self._terms, dtype=str),
        )
        partial.replace(path)
        self.dirty = False

    def delete_file(self) -> None:
        """Forget every chunk and delete the saved file (its collection was deleted)."""
        with self._lock:
            self._rows.clear()
            self._matrix, self.dirty = None, False
            if self.path is not None:
                for path in (self.path, self.path.with_name(self.path.name + ".partial.npz")):
                    path.unlink(missing_ok=True)

    def load(self) -> bool:
        """Read `path` if it exists and was written by this version; returns True when it did."""
        with self._lock:
            return self._load()

    def _load(self) -> bool:
        if self.path is None or not self.path.is_file():
            return False
        try:
            with np.load(self.path, allow_pickle=False) as saved:
                if int(saved["format"][0]) != FORMAT or not np.allclose(saved["params"], [self.k1, self.b]):
                    return False
                ids, sources, indptr = saved["ids"].tolist(), saved["sources"].tolist(), saved["indptr"]
                terms, counts, vocabulary = saved["terms"], saved["counts"], saved["vocabulary"].tolist()
        except (OSError, ValueError, KeyError) as error:
            logger.warning("ignoring unreadable BM25 index %s (%s); it will be rebuilt", self.path, error)
            return False
        self._terms = vocabulary
        self._vocab = {term: number for number, term in enumerate(vocabulary)}
        self._rows = {
            chunk_id: (source, terms[indptr[row] : indptr[row + 1]], counts[indptr[row] : indptr[row + 1]])
            for row, (chunk_id, source) in enumerate(zip(ids, sources, strict=True))
        }
        self._matrix = None
        self.dirty = False
        return True


@dataclass(frozen=True)
class LexicalScores:
    """One query's BM25 scores over every chunk; later changes to the index do not affect them."""

    ids: list[str]
    sources: np.ndarray
    scores: np.ndarray
    rows: dict[str, int]
    ceiling: float  # the highest score the query can reach: dividing by it puts scores in 0..1

    def top(self, k: int, sources: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """The k best (chunk id, score) pairs with a positive score, best first; only `sources` when given."""
        scores = np.where(np.isin(self.sources, list(sources)), self.scores, 0.0) if sources else self.scores
        k = min(k, int(np.count_nonzero(scores > 0)))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]  # best first; ties in index order
        return [(self.ids[row], float(scores[row])) for row in top]

    def of(self, chunk_ids: Iterable[str]) -> dict[str, float]:
        """The scores of some chunks (ids not in the index are left out)."""
        return {chunk_id: float(self.scores[self.rows[chunk_id]]) for chunk_id in chunk_ids if chunk_id in self.rows}


def lexical_index_for(settings: Settings) -> LexicalIndex:
    """The BM25 index of the configured store: saved beside a local index; in memory only with a Chroma server.

    With a server, other clients may change the chunks, so a file here could not be trusted: the index is built
    from the server's chunk texts on first use and followed from there.
    """
    path = None if settings.chroma_url else Path(settings.index_dir) / f"{settings.collection}-bm25.npz"
    return LexicalIndex(path)
