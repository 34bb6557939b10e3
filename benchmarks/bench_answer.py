"""Benchmarks of the answer pipeline: ingest throughput, warm ask by step, CLI start-up.

Run with ``make bench``. Everything runs in a fresh temporary data directory.
Targets: ingest ≥ 0.9 of raw ``SentenceTransformer.encode`` chunks/s on the same
chunks; ``citewise --help`` ≤ 0.5 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ["CITEWISE_HOME"] = tempfile.mkdtemp(prefix="citewise-bench-")
DATA = Path(os.environ.get("CITEWISE_DATA_DIR", ROOT.parent / "shared" / "datasets"))
QUESTIONS = 20


def _raw_encode_seconds(texts: list[str]) -> float:
    from citewise.sources.embed import get_embedder

    model = get_embedder()._load()
    model.encode(texts[:64], batch_size=32, normalize_embeddings=True)
    started = time.perf_counter()
    model.encode(
        texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
    )
    return time.perf_counter() - started


def bench_ingest() -> dict[str, float]:
    """Chunks per second: citewise ingest (read, chunk, embed, store) vs raw encode."""
    from citewise.api import ingest
    from citewise.sources.chunking import chunk_source
    from citewise.sources.readers import read_sources

    sources = list(read_sources([DATA / "clapnq"]))
    texts = [c.text for s in sources for c in chunk_source(s)]
    raw = _raw_encode_seconds(texts)
    started = time.perf_counter()
    report = ingest([DATA / "clapnq"], corpus="bench")
    took = time.perf_counter() - started
    assert report.embedded == len(texts)
    return {
        "chunks": len(texts),
        "raw_chunks_per_s": len(texts) / raw,
        "ingest_chunks_per_s": len(texts) / took,
        "ratio": raw / took,
    }


def bench_ask(model: str) -> dict[str, float]:
    """Median warm seconds per step over the first ClapNQ questions (no model cache)."""
    import json

    from citewise.api import ask

    rows = [
        json.loads(line) for line in (DATA / "clapnq" / "dev_answerable.jsonl").open()
    ]
    questions = [r["input"] for r in rows[:QUESTIONS]]
    ask(questions[0], corpus="bench", model=model, use_cache=False, record=False)
    timings: dict[str, list[float]] = {}
    for question in questions:
        result = ask(
            question, corpus="bench", model=model, use_cache=False, record=False
        )
        for step, seconds in result.timings.items():
            timings.setdefault(step, []).append(seconds)
    return {step: statistics.median(values) for step, values in timings.items()}


def bench_help(runs: int = 7) -> float:
    """Median wall seconds of ``citewise --help`` in a new process."""
    exe = Path(sys.executable).with_name("citewise")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(exe), "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Run every benchmark and print a Markdown report."""
    help_s = bench_help()
    ingest = bench_ingest()
    print("## ingest (600 ClapNQ passages)\n")
    print("| chunks | raw encode chunks/s | ingest chunks/s | ratio (target ≥ 0.9) |")
    print("| --- | --- | --- | --- |")
    print(
        f"| {ingest['chunks']:.0f} | {ingest['raw_chunks_per_s']:.1f} | "
        f"{ingest['ingest_chunks_per_s']:.1f} | {ingest['ratio']:.2f} |\n"
    )
    for model in ("local/extractive", "local/smollm2-135m"):
        steps = bench_ask(model)
        print(f"## warm ask, {model}: median ms, {QUESTIONS} questions, no cache\n")
        print("| " + " | ".join(steps) + " |")
        print("| " + " | ".join("---" for _ in steps) + " |")
        print("| " + " | ".join(f"{v * 1000:.1f}" for v in steps.values()) + " |\n")
    print(f"## start-up\n\n`citewise --help`: {help_s * 1000:.0f} ms (target ≤ 500)")


if __name__ == "__main__":
    main()
