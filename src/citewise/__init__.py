"""citewise: answers with numbered citations, every citation checked.

Heavy libraries (litellm, torch, chromadb, sentence-transformers) are imported
only when a step needs them, so importing citewise is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["AskResult", "__version__", "ask", "ingest", "load_pipeline"]

if TYPE_CHECKING:
    from citewise.api import ask, ingest, load_pipeline
    from citewise.types import AskResult


def __getattr__(name: str) -> Any:
    if name in {"ask", "ingest", "load_pipeline"}:
        from citewise import api

        return getattr(api, name)
    if name == "AskResult":
        from citewise.types import AskResult

        return AskResult
    raise AttributeError(f"module 'citewise' has no attribute {name!r}")
