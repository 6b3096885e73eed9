# orderflow: entry points for developers and CI. `make` (or `make help`) lists the targets.
# Ports and folders come from infra/env.sh; override any of them from the environment or the
# command line, e.g. `make up ORDERFLOW_API_PORT=8081` or `ORDERFLOW_ROLES="orders" make up`.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
INFRA := $(ROOT)/infra
BUILD_DIR := $(ROOT)/build
JOBS ?= 2
# Extra ctest arguments, e.g. `make test CTEST_ARGS="-L integration"` or `CTEST_ARGS="-R ids"`.
CTEST_ARGS ?=
# When make started (for `make up`'s elapsed time, which includes deps and build).
STARTED_NS := $(shell date +%s%N)

.PHONY: help deps build up down status test bench format format-check clean clean-state

help: ## list the targets
	@echo "usage: make <target>   (ports etc.: see infra/env.sh; e.g. make up ORDERFLOW_API_PORT=8081)"
	grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  \1\t/' | expand -t 16

deps: ## install the Debian packages and fetch the Kafka jars (infra/deps.sh; quick when done)
	@$(INFRA)/deps.sh

build: deps ## configure (once) and build the release preset in ./build
	@cd $(ROOT)
	mkdir -p $(BUILD_DIR)
	# One build at a time in ./build (two ninjas in one folder corrupt its state).
	exec 8>$(BUILD_DIR)/.make-build.lock
	flock 8
	[[ -f $(BUILD_DIR)/build.ninja ]] || cmake --preset release 8>&-
	cmake --build --preset release -j $(JOBS) 8>&-

up: build ## deps, build, start Kafka+PostgreSQL+Prometheus and the pipeline, run the demo
	@. $(INFRA)/env.sh
	echo "make up: starting Kafka, PostgreSQL and Prometheus in $$ORDERFLOW_STATE_DIR"
	# In parallel: Kafka's JVM start dominates.
	$(INFRA)/kafka.sh start & k=$$!
	$(INFRA)/postgres.sh start & p=$$!
	$(INFRA)/prometheus.sh start & m=$$!
	rc=0
	wait $$k || rc=1
	wait $$p || rc=1
	wait $$m || rc=1
	((rc == 0)) || { echo "make up: a server did not start (make down stops the others)" >&2; exit 1; }
	$(INFRA)/pipeline.sh start
	echo
	$(INFRA)/demo.sh
	echo
	ms=$$(( ($$(date +%s%N) - $(STARTED_NS)) / 1000000 ))
	printf 'make up: done in %d.%01d s (make status shows it, make down stops it)\n' $$((ms / 1000)) $$((ms % 1000 / 100))

down: ## stop the pipeline, then Prometheus, PostgreSQL and Kafka
	@rc=0
	$(INFRA)/pipeline.sh stop || rc=1
	$(INFRA)/prometheus.sh stop & m=$$!
	$(INFRA)/postgres.sh stop & p=$$!
	$(INFRA)/kafka.sh stop & k=$$!
	wait $$m || rc=1
	wait $$p || rc=1
	wait $$k || rc=1
	((rc == 0)) && echo "make down: stopped" || echo "make down: something failed to stop (see above)" >&2
	exit $$rc

status: ## what of the local stack runs (exit status 1 if anything is down)
	@rc=0
	$(INFRA)/kafka.sh status || rc=1
	$(INFRA)/postgres.sh status || rc=1
	$(INFRA)/prometheus.sh status || rc=1
	$(INFRA)/pipeline.sh status || rc=1
	exit $$rc

test: build ## deps, build, then the whole test suite (ctest; starts its own private stack)
	@cd $(ROOT)
	ctest --preset release --output-on-failure $(CTEST_ARGS) </dev/null

bench: build ## benchmarks on the stack of `make up` -> bench-results/ (BENCH_ARGS=--quick: a short smoke run)
	@. $(INFRA)/env.sh
	python3 $(ROOT)/tests/bench/run_bench.py --build-dir $(BUILD_DIR) $(BENCH_ARGS)

backup: ## consistent pg_dump of every schema of the local stack -> .run/local/backups/<time>/ (keeps 7)
	@$(INFRA)/backup.sh backup

verify-backup: build ## check a backup: checksums, manifest, every dump reads back (BACKUP=<dir>; orderflow-ctl verify-backup)
	@$(INFRA)/backup.sh verify "$(BACKUP)"

restore: ## restore BACKUP=<dir> into an empty PostgreSQL (ORDERFLOW_RESTORE_FORCE=1 replaces a non-empty one)
	@$(INFRA)/backup.sh restore "$(BACKUP)"

# Our sources: every .cpp/.hpp outside the build and state folders.
SOURCES = find $(ROOT) \( -path '$(ROOT)/build*' -o -path '$(ROOT)/.run' -o -path '$(ROOT)/.git' \) -prune \
	-o -type f \( -name '*.cpp' -o -name '*.hpp' \) -print0

format: ## reformat our .cpp/.hpp files in place (clang-format, .clang-format)
	@$(SOURCES) | xargs -0 -r clang-format -i

format-check: ## fail if a .cpp/.hpp file is not formatted
	@$(SOURCES) | xargs -0 -r clang-format --dry-run --Werror

clean: ## remove the build folders (build/, build-*/)
	@rm -rf $(ROOT)/build $(ROOT)/build-*

clean-state: down ## stop the local stack, then remove its state (.run/)
	@rm -rf $(ROOT)/.run
