"""Model calls: the only package that imports litellm.

Every call, to an embedded model or a provider, goes through :func:`complete`:
the request is built from an allow-list of fields, ``max_tokens`` is always
set, litellm's own retries are off (``max_retries=0``), litellm exceptions
become :class:`~citewise.errors.ProviderError`, and answers are cached by
model, base URL, messages and parameters (never a key).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from citewise import __version__
from citewise.errors import ModelNotFoundError, ProviderError, UserError

__all__ = [
    "Completion",
    "ModelRequest",
    "check_model",
    "complete",
    "local_models",
    "split_model",
]

logger = logging.getLogger(__name__)
_SETUP_LOCK = threading.Lock()


class ModelRequest(BaseModel):
    """One chat completion request: the only fields that ever reach litellm."""

    model_config = ConfigDict(extra="forbid")

    model: str
    messages: list[dict[str, str]]
    max_tokens: int = Field(gt=0)
    temperature: float = 0.0
    seed: int | None = 0
    timeout: float = 120.0
    metadata: dict[str, Any] = Field(default_factory=dict)


class Completion(BaseModel):
    """A model's answer and usage; ``cost_usd`` is None when the price is unknown."""

    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    cached: bool = False
    latency_s: float = 0.0


def local_models() -> dict[str, str]:
    """The embedded models, ``local/NAME`` to a one-line description."""
    from citewise.models.local import LOCAL_MODELS

    return {f"local/{name}": text for name, text in LOCAL_MODELS.items()}


def split_model(model: str) -> tuple[str, str]:
    """``provider/model`` into its two parts; a bare name is refused."""
    provider, sep, name = model.partition("/")
    if not sep or not provider or not name:
        raise ModelNotFoundError(
            f"model {model!r} must be written PROVIDER/MODEL; local models: "
            + ", ".join(local_models())
        )
    return provider, name


@lru_cache(maxsize=1)
def _litellm() -> Any:
    with _SETUP_LOCK:
        # Before the import: otherwise litellm fetches a price list at import time.
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        from citewise.models.local import handler

        litellm.custom_provider_map = [
            {"provider": "local", "custom_handler": handler()}
        ]
        litellm.telemetry = False
        litellm.suppress_debug_info = True
        return litellm


def _cache_key(request: ModelRequest, api_base: str | None) -> str:
    from citewise.cache import stable_key

    provider, _ = split_model(request.model)
    payload = request.model_dump(exclude={"timeout"})
    # Embedded models are code of this package: a new version may answer differently.
    version = __version__ if provider == "local" else None
    return stable_key(
        "models",
        {"provider": provider, "api_base": api_base, "version": version, **payload},
    )


def check_model(model: str) -> None:
    """Raise :class:`ModelNotFoundError` unless ``model`` can be called here."""
    provider, name = split_model(model)
    if provider != "local":
        raise ModelNotFoundError(
            f"model {model!r} needs a connected key for provider {provider!r}; "
            "this version runs only the embedded models: " + ", ".join(local_models())
        )
    if f"local/{name}" not in local_models():
        raise ModelNotFoundError(
            f"no local model {model!r}; local models: " + ", ".join(local_models())
        )


def _call(request: ModelRequest) -> Completion:
    check_model(request.model)
    litellm = _litellm()
    fields = request.model_dump(exclude={"model"})
    started = time.perf_counter()
    try:
        response = litellm.completion(model=request.model, max_retries=0, **fields)
    except UserError:
        raise
    except ProviderError:
        raise
    except Exception as exc:
        detail = (str(exc).strip().splitlines() or [""])[0][:300]
        if "context window" in str(exc) or "ContextWindow" in type(exc).__name__:
            raise UserError(
                f"{request.model}: the prompt is longer than the model's context "
                "window; lower generate.evidence_chars or rerank.top_k, or shorten "
                "the question"
            ) from None
        raise ProviderError(
            f"{request.model} failed: {type(exc).__name__}: {detail}"
        ) from None
    latency = time.perf_counter() - started
    usage = getattr(response, "usage", None)
    return Completion(
        text=response.choices[0].message.content or "",
        model=request.model,
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        # Embedded models run on this machine: they cost nothing.
        cost_usd=0.0,
        latency_s=latency,
    )


def complete(request: ModelRequest, *, use_cache: bool = True) -> Completion:
    """Run one chat completion, from the cache when an identical call was made."""
    from citewise.cache import get_cache

    key = _cache_key(request, None)
    cache = get_cache("models")
    if use_cache:
        hit = cache.get(key)
        if hit is not None:
            completion = Completion.model_validate_json(hit).model_copy(
                update={"cached": True}
            )
            logger.info("model %s: cache hit", request.model)
            return completion
    completion = _call(request)
    logger.info(
        "model %s: %d+%d tokens in %.2fs",
        request.model,
        completion.prompt_tokens,
        completion.completion_tokens,
        completion.latency_s,
    )
    cache.set(key, completion.model_dump_json())
    return completion
