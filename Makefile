# Two commands on a fresh clone: `make run` (the chat app) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# llama-cpp-python builds from source; its native build crashes in the AMX kernel on this kind of CPU.
export CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

.PHONY: install install-dev local system index run test test-fast lint format eval clean

# What the chat page, the command line and the HTTP API need (no compiler: the local LLM is not built).
# --no-compile: byte-compiling every installed module took 100 of 183 s on a fresh 2-core machine; Python compiles
# the few modules it imports on first use instead.
install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-compile -e '.[server]'
	touch $(STAMP)

# Everything the tests use, the local LLM generator among it (llama-cpp-python compiles for about 4-8 minutes).
install-dev: $(DEV_STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet --no-compile -e '.[dev]'
	touch $(DEV_STAMP)

# The local LLM generator (--generator llama-cpp) for `make run`, without the test tools.
local: install
	$(BIN)/pip install --quiet --no-compile -e '.[server,local]'

index: install
	$(BIN)/assistant ingest seeds --index index

run: index
	$(BIN)/python app.py

# Debian packages the tests use: chromium for the browser tests (never a downloaded browser), Tesseract for OCR
# of scanned pages, WordNet for the verifier's antonyms. `make run` works without them (OCR is then skipped).
SYSTEM_PACKAGES := chromium tesseract-ocr tesseract-ocr-eng wordnet-base
system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

test: install-dev system
	$(BIN)/python -m pytest -q

test-fast: install-dev
	$(BIN)/python -m pytest -q -m "not integration and not browser"

lint: install-dev
	$(BIN)/ruff check assistant tests bench tools app.py
	$(BIN)/ruff format --check assistant tests bench tools app.py

format: install-dev
	$(BIN)/ruff format assistant tests bench tools app.py
	$(BIN)/ruff check --fix assistant tests bench tools app.py

# The seed question set through the real assistant; the report goes to reports/seeds/.
eval: index
	$(BIN)/assistant eval tests/data/seed_questions.jsonl --index index --report reports/seeds

clean:
	rm -rf $(VENV) index/chroma.sqlite3 index/*-*-*-*-* index/*.npz .pytest_cache
