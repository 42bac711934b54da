# labkit course: the two commands of the README are `make site` and `make test`.
# Choose the Python with PYTHON=python3.12 (3.11.5 to 3.13): `make test PYTHON=python3.13`.
.PHONY: setup site serve test notebooks lock benchmark screenshots clean

export NO_MKDOCS_2_WARNING := 1
PY := .venv/bin/python
PYTHON ?=

setup:
	@PYTHON="$(PYTHON)" bash scripts/setup.sh

site: setup
	$(PY) -m mkdocs build --strict

serve: setup
	$(PY) -m mkdocs serve --livereload

test: setup
	$(PY) -m pytest

notebooks: setup
	$(PY) scripts/sync_notebooks.py

# Re-resolve requirements/lock.txt from requirements/base.in (needs the registry) and prove
# it installs on Linux, macOS and Windows for Python 3.11-3.13. UPGRADE=1 lifts the pins.
lock: setup
	bash scripts/lock.sh

benchmark: setup
	$(PY) scripts/benchmark.py

screenshots: site
	$(PY) scripts/screenshot.py

clean:
	rm -rf site .cache screenshots
