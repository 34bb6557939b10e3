"""One diskcache directory, with a namespace per kind of entry.

Namespaces: ``models`` (model calls), ``embeddings`` (model + text hash).
A model-call key is built from the provider, base URL, model, messages and
parameters; it never contains a key. Errors are never cached.
"""

from __future__ import annotations

import hashlib
import json
import threading
from functools import lru_cache
from typing import Any

from citewise.settings import cache_dir

__all__ = ["clear_caches", "get_cache", "stable_key"]

_LOCK = threading.Lock()


@lru_cache(maxsize=8)
def _open(namespace: str, root: str) -> Any:
    import diskcache

    return diskcache.Cache(f"{root}/{namespace}", size_limit=2**32)


def get_cache(namespace: str) -> Any:
    """The ``diskcache.Cache`` of one namespace (opened once per process and root)."""
    with _LOCK:
        return _open(namespace, str(cache_dir()))


def clear_caches() -> None:
    """Forget open cache handles (tests switch ``CITEWISE_HOME``)."""
    with _LOCK:
        _open.cache_clear()


def stable_key(namespace: str, payload: dict[str, Any]) -> str:
    """A digest of ``payload`` as canonical JSON, prefixed by its namespace."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return f"{namespace}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"
