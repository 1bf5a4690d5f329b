# Two commands on a fresh clone: `make run` (the chat app) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
# llama-cpp-python builds from source; its native build crashes in the AMX kernel on this kind of CPU.
export CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

.PHONY: install browser index run test test-fast lint eval clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

index: install
	$(BIN)/assistant ingest seeds --index index

run: index
	$(BIN)/python app.py

# Debian's chromium for the browser tests (never a downloaded browser).
browser:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

test: install browser
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not integration and not browser"

lint: install
	$(BIN)/ruff check assistant tests app.py

# The seed question set through the real assistant; the report goes to reports/seeds/.
eval: index
	$(BIN)/assistant eval tests/data/seed_questions.jsonl --index index --report reports/seeds

clean:
	rm -rf $(VENV) index/chroma.sqlite3 index/*-*-*-*-* .pytest_cache
