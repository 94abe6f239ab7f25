# Vatra Backbone: two commands set everything up on a fresh machine.
#   make demo   - create .venv, install, run the embedded demo
#   make test   - create .venv, install, run every test (unit + integration)

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system-deps demo test test-unit test-integration lint typecheck clean bench bench-quick bench-stats test-faults

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Java and Maven run the local Kafka broker, Chromium the browser tests,
# promtool (Debian's prometheus package) checks the alert rules. On a machine
# without them they are installed from Debian's packages (as root).
system-deps:
	@missing=""; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else \
			echo "missing system packages:$$missing (install them, e.g. sudo apt-get install$$missing)" >&2; \
			exit 1; \
		fi; \
	fi

demo: $(STAMP)
	$(BIN)/vatra demo

test: $(STAMP) system-deps
	$(BIN)/pytest tests --ignore=tests/faults

test-unit: $(STAMP)
	$(BIN)/pytest tests/unit

test-integration: $(STAMP) system-deps
	$(BIN)/pytest tests/integration tests/e2e

test-faults: $(STAMP) system-deps
	$(BIN)/pytest tests/faults

bench: $(STAMP) system-deps
	$(BIN)/python -m bench.run

bench-quick: $(STAMP) system-deps
	$(BIN)/python -m bench.run --quick

# The statistics at the issue's size: 100,000 cases, about 3 million events.
bench-stats: $(STAMP) system-deps
	$(BIN)/python -m bench.run --only stats --stats-cases 100000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var build *.egg-info
