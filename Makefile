# Statecraft: the two commands of the quick start are `make run` and `make test`.
CARGO ?= cargo
BIN   := target/debug/statecraft
EXAMPLE ?= retry-catch
CASE    ?= SucceedsAfterRetries

.PHONY: all build run run-once test test-serverless serverless-deps verify fmt clippy bench release

all: build

build:
	$(CARGO) build -p statecraft-cli

## The main job on the embedded default: `statecraft serve` with the examples created and one
## execution started; it prints how to reach it with the aws CLI. Ctrl-C stops it.
run: build
	$(BIN) serve --data-dir .statecraft --seed examples --start waits

## One example run in-process, without a server.
run-once: build
	$(BIN) run examples/$(EXAMPLE)/definition.asl.json \
		--input-file examples/$(EXAMPLE)/input.json \
		--mock-config examples/$(EXAMPLE)/mocks.json --test-case $(CASE) --name $(EXAMPLE)

## Every test: unit, property, examples, the AWS-recorded conformance corpus, the JSONata suite,
## and the serverless tests (moto and cargo-lambda from PyPI: serverless-deps).
test: build serverless-deps
	$(CARGO) test --workspace

## The serverless driver end to end: moto (SQS, SNS) and cargo lambda watch on loopback, started
## and stopped by the tests themselves.
test-serverless: serverless-deps
	$(CARGO) test -p statecraft-serverless

serverless-deps:
	infra/serverless/setup.sh

fmt:
	$(CARGO) fmt --all

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## What CI and every commit should pass.
verify:
	$(CARGO) fmt --all -- --check
	$(MAKE) clippy
	$(MAKE) test

release:
	$(CARGO) build --release -p statecraft-cli

## Benchmarks (not run by `make test`): transitions per second and the side-by-side
## comparison with the fastest peer on the shared workloads.
bench: release
	bench/run.sh
