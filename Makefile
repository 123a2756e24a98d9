# One dev loop for people and CI. Every target builds .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check bench emulator clean

$(STAMP): pyproject.toml
	scripts/bootstrap
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

test: $(STAMP)
	scripts/test

check: $(STAMP)
	scripts/check

bench: $(STAMP)
	$(BIN)/python -m benchmarks

emulator: $(STAMP)
	$(BIN)/python -m xai_magics.emulator

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist
