# Day-to-day commands. `make test` is the README's test command; .ci/run calls it.
SHELL := /bin/bash
NPM ?= npm
JEST := node_modules/.bin/jest

.PHONY: all install runtimes ric build layer test test-unit test-e2e typecheck lint format bench eval demo clean

all: build

node_modules/.package-lock.json: package-lock.json
	$(NPM) ci --no-audit --no-fund

install: node_modules/.package-lock.json

# Node 22 and 24 binaries for the runtime matrix (Node 20 is the host's).
runtimes:
	cd test/runtimes && $(NPM) ci --no-audit --no-fund

# AWS's own runtime interface client (native addon, ~3 min build on 2 cores).
ric:
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

test: install typecheck lint build
	$(JEST) --maxWorkers=2

bench: build
	node scripts/bench/run.mjs

eval: build
	node scripts/eval/run.mjs

demo: build
	node scripts/demo/run.mjs

clean:
	rm -rf build
