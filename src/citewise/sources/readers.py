"""Reading sources from files and folders: JSONL, text, Markdown and HTML.

JSONL rows are either ClapNQ's (``{id, input, passages: [{title, text}]}``:
each passage is a source) or generic (``{id, title, text, url}``). HTML is
reduced to its main text by trafilatura.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from citewise.errors import InputError
from citewise.types import Source

__all__ = ["SUFFIXES", "content_hash", "read_sources"]

logger = logging.getLogger(__name__)
SUFFIXES = (".jsonl", ".txt", ".md", ".html", ".htm")


def content_hash(text: str) -> str:
    """``sha256:`` digest of a source's text."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _source(
    id: str, text: str, title: str = "", url: str | None = None, path: str | None = None
) -> Source:
    return Source(
        id=id,
        title=title,
        url=url,
        path=path,
        text=text,
        content_hash=content_hash(text),
        retrieved_at=datetime.now(UTC),
    )


def _files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        found = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
        )
        if not found:
            raise InputError(
                f"{str(path)!r} holds no readable files ({', '.join(SUFFIXES)})"
            )
        yield from found
    elif path.is_file():
        if path.suffix.lower() not in SUFFIXES:
            raise InputError(
                f"cannot ingest {str(path)!r}: unknown file kind {path.suffix!r}; "
                f"readable: {', '.join(SUFFIXES)}"
            )
        yield path
    else:
        raise InputError(f"{str(path)!r} does not exist")


def _jsonl_row(row: Any, where: str) -> Iterator[Source]:
    if not isinstance(row, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(row).__name__}")
    if isinstance(row.get("passages"), list):
        for index, passage in enumerate(row["passages"]):
            suffix = f"-{index}" if index else ""
            text = passage.get("text", "") if isinstance(passage, dict) else ""
            if not isinstance(text, str):
                raise InputError(f"{where}: passage {index} 'text' must be a string")
            if text.strip():
                title = str(passage.get("title") or "")
                yield _source(f"clapnq-{row.get('id')}{suffix}", text, title)
        return
    text = row.get("text")
    if not isinstance(text, str) or "id" not in row:
        keys = ", ".join(sorted(row)) or "(none)"
        raise InputError(
            f"{where}: a row needs 'id' and 'text' (generic) or 'passages' (ClapNQ); "
            f"found keys: {keys}"
        )
    if text.strip():
        url = row.get("url")
        title = str(row.get("title") or "")
        yield _source(str(row["id"]), text, title, None if url is None else str(url))


def _read_jsonl(path: Path) -> Iterator[Source]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        except (ValueError, RecursionError) as exc:
            raise InputError(
                f"{path}:{number}: JSON too large to read ({exc})"
            ) from None
        yield from _jsonl_row(row, f"{path}:{number}")


def _read_html(path: Path) -> Iterator[Source]:
    import trafilatura

    html = path.read_bytes()
    text = trafilatura.extract(html, include_comments=False, include_tables=True)
    if not text or not text.strip():
        logger.warning("skipped %s: no main text found in the HTML", path)
        return
    meta = trafilatura.extract_metadata(html)
    title = (meta.title if meta is not None else None) or path.stem
    url = meta.url if meta is not None else None
    yield _source(f"file:{path.resolve()}", text, title, url, str(path.resolve()))


def _read_text(path: Path) -> Iterator[Source]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    title = path.stem
    for line in text.splitlines():
        if line.startswith("# "):
            title = line[2:].strip()
            break
    if "\x00" in text:
        raise InputError(f"{path}: holds NUL bytes, so it is not a text file")
    if not text.strip():
        logger.warning("skipped %s: the file is empty", path)
        return
    yield _source(f"file:{path.resolve()}", text, title, None, str(path.resolve()))


def read_sources(paths: list[Path]) -> Iterator[Source]:
    """Every source in the given files and folders, in a stable order."""
    for root in paths:
        for path in _files(root):
            suffix = path.suffix.lower()
            if suffix == ".jsonl":
                yield from _read_jsonl(path)
            elif suffix in {".html", ".htm"}:
                yield from _read_html(path)
            else:
                yield from _read_text(path)
