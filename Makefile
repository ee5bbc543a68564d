# Every target installs what it needs, so `make test` and `make e2e` work on a fresh clone.
#
# TF_PLUGIN_DIR  a local provider mirror (a folder holding registry.terraform.io/hashicorp/aws/...).
#                When set, every `terraform init` installs providers from it (-plugin-dir) and never
#                from the registry; unset, init uses the registry as usual. .ci/run sets it.
# PYTHON         the interpreter the venv is made from (default python3.11).
# E2E_TARGET     embedded (default: the Docker-free engine), ministack, localstack or aws; see README.
# make up also reads SUFFIX (default dev), FAILURE_QUEUE=1 (give the stack its on-failure queue),
#                LAMBDA_SOURCE (the handler folder to watch, default lambda/) and SANDBOX_DIR (its state).

PYTHON    ?= python3.11
VENV      ?= .venv
TERRAFORM ?= terraform
BIN       := $(VENV)/bin
TF_INIT   := $(TERRAFORM) init -input=false -backend=false $(if $(TF_PLUGIN_DIR),-plugin-dir=$(TF_PLUGIN_DIR))
EXAMPLES  := $(wildcard examples/*)

# Lambda runtimes the embedded engine can run on their own Python (the module's default first).
RUNTIMES  := python3.13
PYENV_ROOT ?= $(HOME)/.pyenv

.DEFAULT_GOAL := help
.PHONY: help setup runtimes ministack build package-check checkov unit tftest lint integration e2e e2e-embedded \
	e2e-ministack soak docs docs-check hooks ruff mypy fmt-check validate test bench measure up logs down clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# The tooling (tooling/: the embedded engine, the pytest plugin and `make up`, the bench, the README generator)
# is a package of its own, installed editable over its pinned requirements.
TOOLING   := tooling
PIP       := $(BIN)/pip --quiet --disable-pip-version-check

$(BIN)/.installed: $(TOOLING)/requirements.txt $(TOOLING)/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -r $(TOOLING)/requirements.txt
	$(PIP) install --no-deps --editable $(TOOLING)
	touch $@

setup: $(BIN)/.installed ## create .venv (Python 3.11): the pinned dependencies and the tooling package

# A venv per Lambda runtime with what that runtime provides (awslambdaric, boto3), so the
# embedded engine runs the function on the Python it names. Without that Python here,
# the engine uses its own and says so in its log.
.runtimes/%/.installed: $(TOOLING)/requirements-runtime.txt
	@version=$*; version=$${version#python}; \
	for candidate in python$$version $(PYENV_ROOT)/versions/$$version*/bin/python$$version; do \
		exe=$$($$candidate -c 'import sys; print(sys.executable)' 2>/dev/null) && break; \
	done; \
	if [ -z "$$exe" ]; then echo "no Python $$version here: the engine will run $* on its own Python"; exit 0; fi; \
	echo "runtime $* on $$exe"; \
	$$exe -m venv .runtimes/$* && \
	.runtimes/$*/bin/pip install --quiet --disable-pip-version-check -r $(TOOLING)/requirements-runtime.txt && \
	touch $@

runtimes: $(foreach r,$(RUNTIMES),.runtimes/$(r)/.installed) ## per-runtime Pythons for the embedded engine

# MiniStack in a venv of its own (its pins differ from ours), with boto3: it runs the function there.
.venv-ministack/.installed: $(TOOLING)/requirements-ministack.txt
	$(PYTHON) -m venv .venv-ministack
	.venv-ministack/bin/pip install --quiet --disable-pip-version-check -r $(TOOLING)/requirements-ministack.txt
	touch $@

ministack: .venv-ministack/.installed ## MiniStack (pinned) in .venv-ministack, for E2E_TARGET=ministack

build: ## refresh the committed package dist/lambda.zip from lambda/ (byte-identical for the same source); commit it
	$(PYTHON) build.py

# What a release carries must be what its source makes: the e2e suites deploy the committed package, so they
# check it first too.
package-check: ## fail when dist/lambda.zip is not what build.py makes from lambda/ (make build refreshes it)
	$(PYTHON) build.py --check

.terraform/.initialised: versions.tf
	$(TF_INIT) >/dev/null
	touch $@

.venv-checkov/.installed: $(TOOLING)/requirements-checkov.txt
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet --disable-pip-version-check -r $(TOOLING)/requirements-checkov.txt
	touch $@

# --skip-download: checkov reaches for its guidelines online otherwise (tracebacks on a machine without the internet).
checkov: .venv-checkov/.installed ## static security scan of the module (zero failures; skips carry their reason inline)
	.venv-checkov/bin/checkov --directory . --framework terraform --quiet --compact --skip-download \
		--skip-path tests --skip-path build --skip-path .terraform --skip-path $(TOOLING)

# Unit: the handler's and build.py's tests (nothing of the tooling), and the tooling's tests that start no engine
# and no process tree. Integration: the tooling's others (marker `integration`): the engine itself, MiniStack,
# the plugin deploying a root of another project, process groups, and one SIGTERM-ed `make e2e`
# (tooling/tests/harness/test_termination.py), so it needs what `make e2e` needs.
unit: setup ## unit tests: the handler against moto, build.py and redrive.py; the tooling's tests that start no engine
	$(BIN)/pytest tests/unit
	cd $(TOOLING) && $(abspath $(BIN))/pytest tests -m "not integration"

integration: setup runtimes ministack ## the tooling's tests that start engines or process trees (the engine, MiniStack, the plugin, make e2e's SIGTERM)
	cd $(TOOLING) && $(abspath $(BIN))/pytest tests -m integration --timeout=300

# What each engine needs installed before the suite can start it.
# The suites' recipes `exec` pytest: a SIGTERM that make passes on then reaches pytest, not a shell
# that dies of it and leaves pytest running (pytest then tears down as on Ctrl-C).
ENGINE_DEPS_embedded  := runtimes
ENGINE_DEPS_ministack := ministack
E2E_ENGINE := $(or $(E2E_TARGET),embedded)

e2e: setup package-check $(ENGINE_DEPS_$(E2E_ENGINE)) ## deploy to E2E_TARGET (default embedded), drop objects, check the items, destroy
	E2E_FAULT_OBJECTS=$(E2E_FAULT_OBJECTS) exec $(BIN)/pytest tests/e2e --timeout=900

# Objects in the duplicate-and-transient-failure run: 100 in `make e2e`, 1,000 in `make test` and `make soak`.
E2E_FAULT_OBJECTS ?= 100

# E2E_SUMMARY_DIR: where each session writes its summary as e2e-<engine>.json (make measure: docs/measurements).
SUMMARY = $(if $(E2E_SUMMARY_DIR),--summary-json $(E2E_SUMMARY_DIR)/e2e-$(1).json)

e2e-embedded: setup package-check $(ENGINE_DEPS_embedded) ## the e2e suite on the embedded engine
	E2E_TARGET=embedded E2E_FAULT_OBJECTS=$(E2E_FAULT_OBJECTS) exec $(BIN)/pytest tests/e2e --timeout=900 $(call SUMMARY,embedded)

e2e-ministack: setup package-check $(ENGINE_DEPS_ministack) ## the e2e suite on MiniStack, started from .venv-ministack
	E2E_TARGET=ministack exec $(BIN)/pytest tests/e2e --timeout=900 $(call SUMMARY,ministack)

# The figures of docs/measurements.md: the two e2e sessions as make test runs them (side by side, the embedded
# one with the 1,000-object soak), each writing its summary there; then the bench; then the page rendered.
measure: ## re-measure docs/measurements.md: both e2e sessions as CI runs them, then make bench, then make docs
	$(TEST_MAKE) E2E_FAULT_OBJECTS=1000 E2E_SUMMARY_DIR=docs/measurements e2e-embedded e2e-ministack
	$(MAKE) --no-print-directory bench
	$(MAKE) --no-print-directory docs

soak: setup package-check $(ENGINE_DEPS_embedded) ## 1,000 objects delivered twice, PutItem failing, environments killed: nothing lost or doubled
	E2E_TARGET=embedded E2E_FAULT_OBJECTS=1000 exec $(BIN)/pytest tests/e2e/test_reliability.py \
		-k killed_environments --timeout=900

bench: setup runtimes ministack package-check ## measure handler, pipeline, burst and deploy loop; report under results/
	$(BIN)/python -m pipeline_tooling.bench

up: setup $(ENGINE_DEPS_$(E2E_ENGINE)) ## deploy to E2E_TARGET (or attach), then hot-reload lambda/ and show each event live
	$(BIN)/python -m pipeline_tooling.harness.sandbox up

logs: setup ## follow the function's logs of the stack `make up` left running
	$(BIN)/python -m pipeline_tooling.harness.sandbox logs

down: setup ## stop a running `make up`, destroy its stack and stop the engine it started
	$(BIN)/python -m pipeline_tooling.harness.sandbox down

tftest: setup .terraform/.initialised ## plan-time tests (terraform test, mock provider) and validation messages
	$(TERRAFORM) test -test-directory=tests/terraform
	$(BIN)/pytest tests/terraform

# lint is these six checks; .pre-commit-config.yaml runs the same targets before each commit (make hooks).
lint: ruff mypy docs-check package-check fmt-check validate ## ruff, mypy, the READMEs' generated tables, the committed package, terraform fmt and validate

ruff: setup ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

mypy: setup ## mypy (strict): the handler, build.py, redrive.py and tests; then the tooling and its hand-run scripts
	$(BIN)/mypy
	cd $(TOOLING) && $(abspath $(BIN))/mypy && $(abspath $(BIN))/mypy scripts

docs-check: setup ## fail when a README's generated tables differ from the code (make docs rewrites them)
	$(BIN)/python -m pipeline_tooling.docgen --check

fmt-check: ## terraform fmt, checked (the module, examples and tests; not build/, where the harness writes)
	$(TERRAFORM) fmt -check
	$(TERRAFORM) fmt -check -recursive examples tests

# A deprecation warning fails it too: nothing the module or an example uses may be deprecated.
validate: .terraform/.initialised ## terraform validate of the module and of every example, no deprecation warnings
	@for dir in . $(EXAMPLES); do \
		echo "validate $$dir"; \
		out=$$(cd $$dir && { [ $$dir = . ] || $(TF_INIT) >/dev/null; } && $(TERRAFORM) validate -no-color 2>&1) \
			|| { echo "$$out"; exit 1; }; \
		echo "$$out" | grep -v "CLI configuration" | grep -i -B2 -A8 "deprecat" && { echo "$$dir: deprecated"; exit 1; }; \
		true; \
	done

docs: setup ## rewrite the READMEs' generated tables (requirements, inputs, outputs, engines) from the code
	$(BIN)/python -m pipeline_tooling.docgen

hooks: setup ## install the git pre-commit hooks (.pre-commit-config.yaml: the checks of make lint)
	$(BIN)/pre-commit install

# `make test` runs the checks TEST_JOBS at a time (default 2, this machine's cores; each one's output printed
# whole when it ends), then the two e2e sessions side by side: most of a session is waiting on Terraform.
# TEST_JOBS=1 runs everything one after another, with live output. The soak's 1,000 objects run inside
# the embedded e2e session (one deploy fewer than `make soak` after it).
TEST_JOBS ?= 2
TEST_MAKE  = $(MAKE) --no-print-directory -j$(TEST_JOBS) $(if $(filter-out 1,$(TEST_JOBS)),--output-sync=target)

test: ## everything CI runs: lint, checkov, terraform test, unit, engine tests, e2e on both engines (with the 1,000-object soak)
	$(TEST_MAKE) lint checkov tftest unit integration
	$(TEST_MAKE) E2E_FAULT_OBJECTS=1000 e2e-embedded e2e-ministack

clean: ## remove build output, terraform working files and the venv
	rm -rf build .terraform .terraform.lock.hcl examples/*/.terraform examples/*/.terraform.lock.hcl $(VENV) .runtimes .venv-checkov .venv-ministack \
		$(TOOLING)/src/*.egg-info
