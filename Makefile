# Set-up, build, demo and tests. `make demo` and `make test` each do the
# whole set-up on a fresh Debian machine; every step skips what is done.

PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
SDK_OUT := build/sdk

.PHONY: setup system-packages venv dotnet demo test lint typecheck bench clean

setup: system-packages venv dotnet

# Mono provides the .NET runtime (libmonosgen) and the C# compiler (mcs); Debian's Chromium is the
# browser the page's Playwright tests drive (Playwright's own browser download is not used).
system-packages:
	@command -v mcs >/dev/null 2>&1 && command -v mono >/dev/null 2>&1 || { \
	  echo "Installing Mono (mono-devel) from Debian..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mono-devel >/dev/null; }
	@test -x /usr/bin/chromium || { \
	  echo "Installing Chromium from Debian (for the browser tests)..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

dotnet:
	@bash dotnet/build.sh

demo: setup
	$(BIN)/python -m bridge.demo

test: setup lint typecheck
	$(BIN)/python -m pytest -q

lint:
	$(BIN)/ruff check bridge fakes tests bench

typecheck:
	$(BIN)/mypy bridge fakes bench

# `make bench BENCH_ARGS="--quick"` (or --only cycle,plan): see docs/performance.md.
bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf build demo $(VENV)
