# labkit course: the two commands of the README are `make site` and `make test`.
.PHONY: setup site serve test notebooks lock benchmark screenshots clean

export NO_MKDOCS_2_WARNING := 1
PY := .venv/bin/python

setup:
	@bash scripts/setup.sh

site: setup
	$(PY) -m mkdocs build --strict

serve: setup
	$(PY) -m mkdocs serve --livereload

test: setup
	$(PY) -m pytest

notebooks: setup
	$(PY) scripts/sync_notebooks.py

# Regenerate requirements/lock.txt from requirements/base.in (needs the registry).
lock:
	python3.11 -m venv /tmp/labkit-lock && /tmp/labkit-lock/bin/pip install -q -r requirements/base.in \
	  && /tmp/labkit-lock/bin/pip freeze --exclude-editable > requirements/lock.txt && rm -rf /tmp/labkit-lock

benchmark: setup
	$(PY) scripts/benchmark.py

screenshots: site
	$(PY) scripts/screenshot.py

clean:
	rm -rf site .cache
