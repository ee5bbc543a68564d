# Every target installs what it needs, so `make test` and `make e2e` work on a fresh clone.
#
# TF_PLUGIN_DIR  a local provider mirror (a folder holding registry.terraform.io/hashicorp/aws/...).
#                When set, every `terraform init` installs providers from it (-plugin-dir) and never
#                from the registry; unset, init uses the registry as usual. .ci/run sets it.
# PYTHON         the interpreter the venv is made from (default python3.11).

PYTHON    ?= python3.11
VENV      ?= .venv
TERRAFORM ?= terraform
BIN       := $(VENV)/bin
TF_INIT   := $(TERRAFORM) init -input=false -backend=false $(if $(TF_PLUGIN_DIR),-plugin-dir=$(TF_PLUGIN_DIR))
ZIP       := build/lambda.zip
EXAMPLES  := $(wildcard examples/*)

.DEFAULT_GOAL := help
.PHONY: help setup build unit tftest lint test clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

setup: $(BIN)/.installed ## create .venv (Python 3.11) with the pinned dependencies

build: ## build the function's zip (build/lambda.zip), byte-identical for the same source
	$(PYTHON) build.py --output $(ZIP)

.terraform/.initialised: versions.tf
	$(TF_INIT) >/dev/null
	touch $@

unit: setup ## unit tests: the handler against moto, and build.py
	$(BIN)/pytest tests/unit

tftest: build .terraform/.initialised ## plan-time tests of the module (terraform test, mock provider)
	$(TERRAFORM) test -test-directory=tests/terraform

lint: setup .terraform/.initialised ## ruff, mypy, terraform fmt and validate (module and examples)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(TERRAFORM) fmt -check -recursive
	$(TERRAFORM) validate -no-color
	@for example in $(EXAMPLES); do \
		echo "validate $$example"; \
		(cd $$example && $(TF_INIT) >/dev/null && $(TERRAFORM) validate -no-color) || exit 1; \
	done

test: lint tftest unit ## everything CI runs

clean: ## remove build output, terraform working files and the venv
	rm -rf build .terraform .terraform.lock.hcl examples/*/.terraform examples/*/.terraform.lock.hcl $(VENV)
