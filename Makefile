# Two commands for a fresh machine: `make run` and `make test`; `make room` for phones.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run room test lint browser translations bench cluster nginx clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python run.py

# Open the server to the room's network: phones get this laptop's address.
room: $(STAMP)
	$(BIN)/python run.py --room

test: $(STAMP) browser nginx
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

# Browser tests drive Debian's Chromium, report tests render PDFs with poppler's pdftoppm;
# install them when missing and we can.
browser:
	@{ command -v chromium && command -v pdftoppm; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium and poppler-utils for the browser and report tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null) \
	      || echo "Could not install Chromium; browser tests will be skipped (or fail with CI=true)."; \
	  else echo "Chromium is missing; browser tests will be skipped (or fail with CI=true)."; fi; }

# Several workers behind nginx on PostgreSQL and Redis (deploy/cluster.py, docs/deployment.md):
# DATABASE_URL=postgresql://user@127.0.0.1:5432/db make cluster WORKERS=4
WORKERS ?= 2
cluster: $(STAMP) nginx
	$(BIN)/python deploy/cluster.py --workers $(WORKERS)

# make cluster needs nginx, and so does the test through it (tests/web/test_cluster.py).
nginx:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing nginx for make cluster..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null) \
	      || echo "Could not install nginx."; \
	  else echo "nginx is missing: install Debian's nginx package."; fi; }

# Re-extract the interface texts after changing templates or code, then translate the .po.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k plural:1,2 -o workshop/translations/messages.pot .
	$(BIN)/pybabel update -i workshop/translations/messages.pot -d workshop/translations
	$(BIN)/pybabel compile -d workshop/translations

# Phones against the product and the bare baseline (bench/load.py): figures into
# bench/RESULTS.md. More phones: make bench BENCH_ARGS="--phones 1000,2000,4000".
BENCH_ARGS ?=
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP) bench/requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/load.py --profile --results bench/RESULTS.md $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
