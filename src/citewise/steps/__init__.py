"""Built-in steps; importing this package registers them."""

from __future__ import annotations

from citewise.steps import generate, rerank, retrieve, verify

__all__ = ["generate", "rerank", "retrieve", "verify"]
