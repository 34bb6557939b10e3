"""A named corpus on disk: chunks, a chromadb collection of their vectors, and BM25.

Layout under ``<home>/corpora/<name>/``: ``manifest.json`` (each source's
content hash, title, url and chunk ids), ``chunks.jsonl`` (every chunk with its
span), ``bm25/`` (a bm25s index in ``chunks.jsonl`` order). Vectors live in
``<home>/chroma`` (a chromadb ``PersistentClient``), one collection per corpus.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from citewise.errors import CorpusError, InputError
from citewise.settings import home, write_atomic
from citewise.sources.chunking import chunk_source
from citewise.sources.embed import DEFAULT_EMBEDDER, get_embedder
from citewise.types import Chunk, Source

__all__ = ["Corpus", "IngestReport", "get_corpus", "list_corpora"]

logger = logging.getLogger(__name__)
_NAME = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,39}[a-z0-9])?")
_EMBED_SLICE = 256
_EMPTY = object()
Progress = Callable[[int, int], None]


@dataclass
class IngestReport:
    """What one ingest changed."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0
    embedded: int = 0


@lru_cache(maxsize=2)
def _chroma(path: str) -> Any:
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(
        path=path, settings=Settings(anonymized_telemetry=False)
    )


def _bm25s() -> Any:
    import bm25s

    # bm25s sets its own logger to DEBUG at import; keep its index chatter out of logs.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def list_corpora() -> list[str]:
    """Names of the corpora under the data directory."""
    root = home() / "corpora"
    return (
        sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file())
        if root.is_dir()
        else []
    )


class Corpus:
    """One corpus: ingest sources into it, search it densely or by BM25."""

    def __init__(self, name: str, embedder: str = DEFAULT_EMBEDDER) -> None:
        if not _NAME.fullmatch(name):
            raise InputError(
                f"corpus name {name!r} is not valid: use lowercase letters, digits, "
                "'-' and '_', starting and ending with a letter or digit (at most 41 "
                "characters)"
            )
        self.name = name
        self.root = home() / "corpora" / name
        self.embedder_name = embedder
        self._lock = threading.RLock()
        self._loaded_at: float | None = None
        self.manifest: dict[str, Any] = {"embedder": embedder, "sources": {}}
        self.chunks: list[Chunk] = []
        self._by_id: dict[str, Chunk] = {}
        self._bm25: Any = None

    # -- files ----------------------------------------------------------------

    @property
    def _manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def exists(self) -> bool:
        """Whether anything was ever ingested into this corpus."""
        return self._manifest_path.is_file()

    def _collection(self) -> Any:
        client = _chroma(str(home() / "chroma"))
        return client.get_or_create_collection(
            f"citewise-{self.name}", metadata={"hnsw:space": "cosine"}
        )

    def _refresh(self) -> None:
        """(Re)load from disk when another process changed the corpus since."""
        with self._lock:
            if not self.exists():
                self._loaded_at = None
                return
            stamp = self._manifest_path.stat().st_mtime
            if self._loaded_at == stamp:
                return
            self.manifest = json.loads(self._manifest_path.read_text(encoding="utf-8"))
            lines = (
                (self.root / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
            )
            self.chunks = [Chunk.model_validate_json(line) for line in lines if line]
            self._by_id = {chunk.id: chunk for chunk in self.chunks}
            self._bm25 = None
            self._loaded_at = stamp

    def require(self) -> None:
        """Raise a clear error when the corpus is missing or empty."""
        self._refresh()
        if not self.chunks:
            known = list_corpora()
            raise CorpusError(
                f"corpus {self.name!r} is empty or does not exist; ingest into it with "
                f"`citewise ingest PATH --corpus {self.name}`; existing corpora: "
                f"{', '.join(known) if known else '(none)'}"
            )

    # -- ingest ---------------------------------------------------------------

    def ingest(
        self, sources: Iterable[Source], progress: Progress | None = None
    ) -> IngestReport:
        """Add or update sources; an unchanged source (same hash) does nothing.

        One ingest at a time per corpus, across processes (a lock file). Vectors
        are written before the chunk list and manifest; vectors that no chunk
        owns (an interrupted ingest) are deleted by the next one, and searches
        skip them meanwhile.
        """
        from filelock import FileLock

        self.root.mkdir(parents=True, exist_ok=True)
        with self._lock, FileLock(str(self.root / ".ingest.lock")):
            self._refresh()
            report = IngestReport()
            known: dict[str, Any] = self.manifest["sources"]
            fresh: list[Source] = []
            seen: set[str] = set()
            for source in sources:
                if source.id in seen:
                    logger.warning("duplicate source id %r: kept the first", source.id)
                    continue
                seen.add(source.id)
                entry = known.get(source.id)
                if entry and entry["content_hash"] == source.content_hash:
                    report.unchanged += 1
                    continue
                report.updated += 1 if entry else 0
                report.added += 0 if entry else 1
                fresh.append(source)
            if fresh:
                self._store(fresh, report, progress)
            report.chunks = len(self.chunks)
            return report

    def _store(
        self, fresh: list[Source], report: IngestReport, progress: Progress | None
    ) -> None:
        known: dict[str, Any] = self.manifest["sources"]
        stale = {cid for s in fresh if s.id in known for cid in known[s.id]["chunks"]}
        new_chunks = [chunk for source in fresh for chunk in chunk_source(source)]
        collection = self._collection()
        kept_ids = {chunk.id for chunk in self.chunks} - stale
        orphans = set(collection.get(include=[])["ids"]) - kept_ids
        if orphans:
            collection.delete(ids=sorted(orphans))
        self._embed_into(collection, new_chunks, progress)
        report.embedded = len(new_chunks)

        kept = [chunk for chunk in self.chunks if chunk.id not in stale]
        self.chunks = kept + new_chunks
        self._by_id = {chunk.id: chunk for chunk in self.chunks}
        for source in fresh:
            known[source.id] = {
                "content_hash": source.content_hash,
                "title": source.title,
                "url": source.url,
                "path": source.path,
                "retrieved_at": source.retrieved_at.isoformat(),
                "chunks": [c.id for c in new_chunks if c.source_id == source.id],
            }
        self._save()

    def _embed_into(
        self, collection: Any, chunks: list[Chunk], progress: Progress | None
    ) -> None:
        embedder = get_embedder(self.embedder_name)
        total = len(chunks)
        for offset in range(0, total, _EMBED_SLICE):
            part = chunks[offset : offset + _EMBED_SLICE]
            vectors = embedder.encode([c.text for c in part])
            collection.upsert(
                ids=[c.id for c in part],
                embeddings=vectors.tolist(),
                metadatas=[
                    {"source_id": c.source_id, "start": c.start, "end": c.end}
                    for c in part
                ],
            )
            if progress is not None:
                progress(min(offset + len(part), total), total)

    def _save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(
            self.root / "chunks.jsonl",
            "".join(chunk.model_dump_json() + "\n" for chunk in self.chunks),
        )
        self._build_bm25()
        self.manifest["embedder"] = self.embedder_name
        write_atomic(self._manifest_path, json.dumps(self.manifest, indent=1))
        self._loaded_at = self._manifest_path.stat().st_mtime

    def _build_bm25(self) -> None:
        bm25s = _bm25s()
        tokens = bm25s.tokenize(
            [c.text for c in self.chunks],
            stopwords="en",
            stemmer=_stemmer(),
            show_progress=False,
        )
        target = self.root / "bm25"
        if target.exists():
            shutil.rmtree(target)
        if not tokens.vocab:
            # Only stop words: nothing for BM25 to index; dense search still works.
            self._bm25 = _EMPTY
            return
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        retriever.save(str(target))
        self._bm25 = retriever

    # -- search ---------------------------------------------------------------

    def chunk(self, chunk_id: str) -> Chunk:
        """The chunk with this id."""
        return self._by_id[chunk_id]

    def search_bm25(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top ``k`` chunk ids by BM25, with scores."""
        bm25s = _bm25s()
        self.require()
        with self._lock:
            if self._bm25 is None:
                folder = self.root / "bm25"
                self._bm25 = bm25s.BM25.load(str(folder)) if folder.is_dir() else _EMPTY
            retriever = self._bm25
        if retriever is _EMPTY:
            return []
        tokens = bm25s.tokenize(
            [query], stopwords="en", stemmer=_stemmer(), show_progress=False
        )
        if not tokens.ids or not tokens.ids[0]:
            return []
        k = min(k, len(self.chunks))
        indices, scores = retriever.retrieve(
            tokens, k=k, show_progress=False, n_threads=1
        )
        return [
            (self.chunks[int(i)].id, float(s))
            for i, s in zip(indices[0], scores[0], strict=True)
            if float(s) > 0
        ]

    def search_dense(self, vector: list[float], k: int) -> list[tuple[str, float]]:
        """Top ``k`` chunk ids by cosine similarity to ``vector``."""
        self.require()
        k = min(k, len(self.chunks))
        found = self._collection().query(
            query_embeddings=[vector], n_results=k, include=["distances"]
        )
        pairs = zip(found["ids"][0], found["distances"][0], strict=True)
        return [(cid, 1.0 - float(d)) for cid, d in pairs if cid in self._by_id]


_CORPORA: dict[tuple[str, str, str], Corpus] = {}
_CORPORA_LOCK = threading.Lock()


def get_corpus(name: str, embedder: str = DEFAULT_EMBEDDER) -> Corpus:
    """The process-wide corpus object for a name (kept warm between runs)."""
    key = (str(home()), name, embedder)
    with _CORPORA_LOCK:
        if key not in _CORPORA:
            _CORPORA[key] = Corpus(name, embedder)
        return _CORPORA[key]
