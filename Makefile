# microcue: `make demo` sets everything up and analyses the bundled sample call; `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := src/microcue/data/sample/sample_call.mp4

.PHONY: install demo test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

demo: install
	$(BIN)/microcue analyze $(SAMPLE) -o out/demo --csv --transcript $(SAMPLE:.mp4=.vtt) --self-coaching \
		--role "left=seller:Dana Smith" --role "right=buyer:Maya Chen"

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check src tests bench

bench: install
	$(BIN)/python bench/speed.py

clean:
	rm -rf out bench/out .pytest_cache
