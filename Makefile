# The two commands in the README: `make book` and `make test`. Both set up everything,
# from a machine with Python 3.11 and nothing else, in a virtual environment at .venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The torch CI tests with (our machines install it from a local CPU wheel). Override with
# `make test TORCH_SPEC=torch` to take the newest build for your platform.
TORCH_SPEC ?= torch==2.13.0
# Extra pip arguments for that one install, e.g. --index-url and PyTorch's CPU-only wheel index.
TORCH_PIP_ARGS ?=
# The profile the book is built under (test, cpu or gpu); nbval always uses `test`.
PROFILE ?= cpu
# Tests and notebooks run two at a time (one torch thread each) on CI's 2 cores.
NB_WORKERS ?= 2
# Torch threads per notebook kernel in the book build. The book's models are small: one
# thread is about as fast, and two threads on a busy 2-core machine can stall for minutes.
THREADS ?= 1

.PHONY: install bytecode book test unit notebooks lint book-test checks checks-and-book clean chromium browser \
	student gpu-smoke robustness robustness-cpu results book-from-nbval book-and-browser

# The stamp names the Python and torch it was built with: changing either (or the
# requirements) rebuilds the environment from scratch, so nothing stale or dropped survives.
STAMP := $(VENV)/.installed-$(shell echo '$(PYTHON) $(TORCH_SPEC) $(TORCH_PIP_ARGS)' | cksum | cut -d' ' -f1)

# The packages are installed with uv (itself installed into the venv with pip): the same
# packages pip would choose, in about 30 s instead of 90 here. uv reads none of pip's
# settings, so the places pip is told to find wheels (PIP_FIND_LINKS or pip.conf, where a
# machine keeps its torch wheel) are handed on. Bytecode is compiled at install, as
# pip would have done: a machine may forbid writing it at import time. Where uv cannot be
# installed, pip does it all. (Both are expanded only when the install runs.)
FIND_LINKS = $(or $(PIP_FIND_LINKS),$(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null))
UV_INSTALL = $(VENV)/bin/uv pip install --quiet --python $(PY) $(foreach f,$(FIND_LINKS),--find-links $(f))
$(STAMP): requirements.txt pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	if $(PY) -m pip install --quiet uv; then \
	  $(UV_INSTALL) --compile-bytecode $(TORCH_PIP_ARGS) "$(TORCH_SPEC)" && \
	  $(UV_INSTALL) --compile-bytecode -r requirements.txt -e .; \
	else \
	  $(PY) -m pip install --quiet $(TORCH_PIP_ARGS) "$(TORCH_SPEC)" && \
	  $(PY) -m pip install --quiet -r requirements.txt -e .; fi
	touch $@

install: $(STAMP)

# The library's bytecode, written once before the tests: a machine may set
# PYTHONDONTWRITEBYTECODE (ours do), and then every kernel and test process compiled the
# library again (about 0.2 s each, over a hundred processes in `make test`).
bytecode: install
	@$(PY) -m compileall -q ganbook bench

# The notebooks run in parallel (one kernel per core) into jupyter-cache, and the build reads
# their outputs from there; a rebuild reruns only notebooks whose code changed. The cache does
# not see the library, the profile, the float path or the seed, so it is emptied when any of
# them changes.
# EXECUTED=DIR first takes the notebooks nbval just ran from DIR (`make test` does: no notebook
# runs twice); bench/execute_notebooks.py takes only those run with this code, profile, float
# path, seed and library.
LIBRARY_KEY := $(shell git ls-files -co --exclude-standard ganbook requirements.txt \
  pyproject.toml | sort | xargs cat | sha1sum | cut -c1-16)
RUN_ENV = GANBOOK_LIBRARY_KEY=$(LIBRARY_KEY) TQDM_DISABLE=1 GANBOOK_STATIC=1 OMP_NUM_THREADS=$(THREADS)
BOOK_ENV = GANBOOK_PROFILE=$(PROFILE) $(RUN_ENV)
CACHE_KEY = $(PROFILE)-$(ATEN_CPU_CAPABILITY)-$(GANBOOK_SEED)-$(LIBRARY_KEY)
book: install bytecode
	@mkdir -p _build; if [ "$$(cat _build/.cache_key 2>/dev/null)" != "$(CACHE_KEY)" ]; then \
	  rm -rf _build/.jupyter_cache; echo "$(CACHE_KEY)" > _build/.cache_key; fi
	$(BOOK_ENV) $(PY) bench/execute_notebooks.py $(if $(EXECUTED),--executed $(EXECUTED))
	$(BOOK_ENV) $(VENV)/bin/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo "book written to _build/html/index.html"

lint: install
	$(VENV)/bin/ruff check ganbook tests bench book

# worksteal: a worker that runs out of tests takes some of the other's, so the slow
# subprocess tests at the end do not leave a core idle (about 20 s of 120 here).
unit: install bytecode
	GANBOOK_PROFILE=test OMP_NUM_THREADS=1 $(PY) -m pytest -n $(NB_WORKERS) --dist worksteal tests

# nbval runs the notebooks on this machine's vector path, as the unit tests and the check
# harness do (set ATEN_CPU_CAPABILITY for the whole run to pick another): the portable path
# costs about a quarter more time, and tests/test_check_robustness.py already fails unless
# each check was swept on it and another path, two seeds each. Each notebook it ran is kept, with
# its outputs, in $(NBVAL_RUN). A kernel gets 300 s to start, not nbval's 60: on a shared
# machine one start once stalled past 60 s and failed every cell of its notebook.
NBVAL_RUN = _build/nbval
notebooks: install bytecode
	GANBOOK_PROFILE=test $(RUN_ENV) $(PY) -m pytest --nbval-lax \
	  --nbval-cell-timeout=600 --nbval-kernel-startup-timeout=300 -n $(NB_WORKERS) --dist loadfile \
	  --nb-executed $(NBVAL_RUN) book

# Every check cell must fail with each model at its starting point (no training).
checks: install bytecode
	$(PY) bench/check_harness.py --workers $(NB_WORKERS)

# Every check cell over every CPU float path this machine has x 3 seeds, under `test` (about
# 45 minutes on 2 cores), and the `cpu` profile's two-arm comparisons likewise (longer):
# pass rates and margins in bench/results/check_robustness.json.
robustness: install
	$(PY) bench/check_robustness.py --workers $(NB_WORKERS)

robustness-cpu: install
	$(PY) bench/check_robustness.py --profile cpu --comparisons --workers $(NB_WORKERS)

# The book as CI builds it: every page under the `test` profile, warnings as errors.
book-test: install
	$(MAKE) book PROFILE=test

# A headless browser for `make browser` (Debian's chromium and its driver; Selenium drives it
# and downloads nothing). Installed with apt-get only when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif command -v apt-get >/dev/null; then \
	  echo "installing chromium and chromedriver (apt-get)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install \
	    -y -qq chromium chromium-driver >/dev/null || { echo "could not install chromium" \
	    "and chromium-driver with apt-get: install them (or Chrome and its chromedriver)" \
	    "so that both are on PATH, then rerun" >&2; exit 1; }; \
	else echo "chromium and chromedriver are missing and there is no apt-get: install" \
	  "them (or Chrome and its chromedriver) so that both are on PATH" >&2; exit 1; fi

# Every page of the book-test build read in headless Chromium; screenshots in _build/screenshots
# (SCREENSHOTS= reads the pages without them: `make test` does, which halves the check's time).
SCREENSHOTS ?= _build/screenshots
browser: install chromium
	$(PY) bench/browser_check.py --build _build/html \
	  $(if $(SCREENSHOTS),--screenshots $(SCREENSHOTS),--no-screenshots)

# The results files the pages' closing sections show (ganbook/results/*.json): each notebook
# that calls record_results runs under `cpu`, two at a time. Commit the code first; a unit test
# fails when a file is older than the code it measured.
results: install
	$(PY) bench/record_results.py --workers $(NB_WORKERS)

# The check harness beside the `test` book built from nbval's run (`make notebooks` first) and
# then read in the browser: the build executes only a notebook nbval did not run with this
# code, so it and the browser check take a minute of the harness's few.
checks-and-book: install chromium
	$(MAKE) -j2 --output-sync=target checks book-and-browser

book-and-browser: install chromium
	$(MAKE) book-from-nbval
	$(MAKE) browser SCREENSHOTS=

book-from-nbval: install
	$(MAKE) book PROFILE=test EXECUTED=$(NBVAL_RUN)

test: chromium lint unit notebooks checks-and-book

# The gpu profile's code path on the CPU (GANBOOK_SMOKE=2: a few steps a fit, a few hundred
# samples): catches the Colab path's shape and configuration errors. About 7 minutes on 2
# cores, so it is not part of `make test`; failed check cells are expected (nothing trained).
gpu-smoke: install
	$(PY) bench/gpu_smoke.py --workers $(NB_WORKERS)

# The instructor's kit: every notebook without its solutions (_build/notebooks/student, for an
# LMS or a JupyterHub) and with them (_build/notebooks/instructor).
student: install
	$(PY) -m ganbook.exercises.student --out _build/notebooks

clean:
	rm -rf _build $(VENV)
