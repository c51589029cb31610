# Two commands do everything on a fresh machine: `make packets` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PROFILES ?= profiles
OUTPUT   ?= output

.PHONY: setup packets test lint clean bench bench-throughput bench-serve a11y-setup

# The package's bytecode is written here, where the command asks for it: an environment with
# PYTHONDONTWRITEBYTECODE set (CI, containers) otherwise compiles every module again in every run,
# 0.08 CPU s of each `sop-packets` command. Modules changed since are compiled again as always.
setup: $(STAMP)
	@$(BIN)/python -m compileall -q sop_packets

$(STAMP): pyproject.toml scripts/check_system.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "sop-packets needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@$(BIN)/python scripts/check_system.py
	@touch $@

# The examples in profiles/ are invented patients whose dates (biopsies, planned treatments) lie around
# 25 November 2026, the day the tests build them for: `make packets` builds them as of that day, so their
# treatment dates still lie ahead and every example shows what it was written to show. Any other folder
# (PROFILES=...) is built as of today, as `sop-packets batch` does; PACKET_DATE=YYYY-MM-DD sets the day.
EXAMPLES_DATE := 2026-11-25
PACKET_DATE ?= $(if $(filter $(abspath profiles),$(abspath $(PROFILES))),$(EXAMPLES_DATE))

packets: setup
	@$(if $(PACKET_DATE),echo "Packets dated $(PACKET_DATE)$(if $(filter $(EXAMPLES_DATE),$(PACKET_DATE)), (the examples' day; PACKET_DATE=YYYY-MM-DD for another)).")
	$(BIN)/sop-packets batch $(PROFILES) -o $(OUTPUT)$(if $(PACKET_DATE), --date $(PACKET_DATE))

lint: setup
	$(BIN)/ruff check .

test: setup lint a11y-setup
	$(BIN)/python -m pytest

# Browser and node packages for tests/test_accessibility.py; quick no-op once installed.
a11y-setup:
	@bash scripts/setup_a11y.sh

clean:
	rm -rf $(OUTPUT) .pytest_cache .ruff_cache

# Benchmark, not a test: render CPU against commit b7cb0b6 (A B / B A batches of 20 packets), a Chinese
# packet against an English one, a cold build, a no-op batch. Makes a checkout of b7cb0b6 in /tmp once.
BENCH_ARGS ?=
bench: setup
	$(BIN)/python scripts/bench_summary.py $(BENCH_ARGS)

# Throughput: naive loop vs batch --jobs 1 vs all cores vs WeasyPrint alone. Defaults: --n 100
# --memory-n 1000 (about 20 min on 2 cores). Quick: make bench-throughput THROUGHPUT_ARGS="--n 20 --memory-n 0"
THROUGHPUT_ARGS ?=
bench-throughput: setup
	$(BIN)/python scripts/bench.py $(THROUGHPUT_ARGS)

# Benchmark of `sop-packets serve`: live-preview latency (p50/p95 per example profile, warm) and start-up.
bench-serve: setup
	$(BIN)/python scripts/bench_serve.py
