# Day-to-day commands. `make test` is the README's test command; .ci/run calls it.
SHELL := /bin/bash
NPM ?= npm
JEST := node_modules/.bin/jest

.PHONY: all install runtimes ric build layer test test-unit test-e2e typecheck lint format bench eval demo clean

all: build

node_modules/.package-lock.json: package-lock.json
	$(NPM) ci --no-audit --no-fund

install: node_modules/.package-lock.json

# Node 22 and 24 binaries for the runtime matrix (Node 20 is the host's). Installed once per lockfile change.
RUNTIMES_STAMP := test/runtimes/node_modules/.package-lock.json
runtimes: $(RUNTIMES_STAMP)
$(RUNTIMES_STAMP): test/runtimes/package-lock.json
	cd test/runtimes && $(NPM) ci --no-audit --no-fund

# AWS's own runtime interface client (native addon, ~1-3 min build on 2 cores). Installed once per lockfile change.
RIC_STAMP := test/ric/node_modules/.package-lock.json
ric: $(RIC_STAMP)
$(RIC_STAMP): test/ric/package-lock.json
	cd test/ric && $(NPM) ci --no-audit --no-fund

build: install
	node scripts/build/build.mjs

layer: install
	node scripts/build/build.mjs --only layer
	node scripts/build/package-layer.mjs

typecheck: install
	node_modules/.bin/tsc -p tsconfig.json --noEmit

lint: install
	node_modules/.bin/biome lint .

format: install
	node_modules/.bin/biome format --write .

test-unit: install
	$(JEST) --selectProjects unit

test-e2e: build
	$(JEST) --selectProjects e2e --maxWorkers=2

# The whole suite runs the Node 20/22/24 matrix and AWS's runtime client, so it installs them first (once).
test: install runtimes ric typecheck lint build
	$(JEST) --maxWorkers=2

bench: build
	node scripts/bench/run.mjs

eval: build
	node scripts/eval/run.mjs

demo: build
	node scripts/demo/run.mjs

clean:
	rm -rf build
