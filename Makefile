# sdlab: the two commands. Each creates .venv when missing and installs the project into it.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
# Python caches compiled modules (__pycache__) even where the environment says not to: without the cache every
# process would compile again each module it imports (~2.5 ms a module); with it, only the first import compiles.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: simulate test bench lint clean

$(PY):
	python3 -m venv $(VENV)

# torch is pinned to the CPU range the machine ships (>=2.4,<2.14) in pyproject.toml. pip installs it first (pip
# takes the local CPU wheel; uv would not look there), then uv installs the rest in a fraction of pip's time; where uv
# cannot reach an index, pip installs the rest. Neither compiles modules at install: a module is compiled when it is
# first imported and cached in __pycache__ (torch: 725 of its 2285 modules are imported), which costs less than
# compiling every installed module (22 s of a 26 s uv install, 11 s of pip's 19 s for torch).
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-compile uv "torch>=2.4,<2.14"
	VIRTUAL_ENV=$(abspath $(VENV)) UV_NATIVE_TLS=1 $(VENV)/bin/uv pip install --quiet -e ".[test]" \
		|| $(PY) -m pip install --quiet --no-compile -e ".[test]"
	touch $(STAMP)

simulate: $(STAMP)
	$(VENV)/bin/sdlab simulate $(ARGS)

# The suite runs in one worker per core (pytest-xdist; WORKERS=N to change it). One worker more than cores was
# faster (2 cores: 633-652 s against 837 s), but on a loaded host it made the serial-emulator campaign test, whose
# real drivers talk to emulators over ptys in wall time, miss its replies and fail. One module per worker at a
# time, so that a module's fixtures (a grown sample, a finished campaign) are built once; each worker has its own
# Prefect harness and $SDLAB_HOME.
WORKERS ?= auto
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q -n $(WORKERS) --dist loadscope --no-loadscope-reorder $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m benchmarks.planners

clean:
	rm -rf $(VENV) .pytest_cache
