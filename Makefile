# Statecraft: the two commands of the quick start are `make run` and `make test`.
CARGO ?= cargo
BIN   := target/debug/statecraft
EXAMPLE ?= retry-catch
CASE    ?= SucceedsAfterRetries

.PHONY: all build run run-once test test-serverless test-ministack lint-template build-lambda deploy verify fmt clippy bench release

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
## `statecraft serve` under real clients, moto-backed integrations, the serverless tests on moto
## and on ministack (the real bootstraps deployed from template.yaml) and the SAM template's lint
## (when cfn-lint and sam are installed). `cargo test --workspace`
## builds the `statecraft` binary the end-to-end tests drive (crates/cli has integration tests),
## so every dependency compiles once, under one feature resolution.
test:
	$(CARGO) test --workspace

## The serverless driver end to end: DynamoDB, SQS and SNS from moto (infra/moto/start.sh
## installs it into a cached venv) and a local Lambda Invoke API, started by the tests; and the
## deployed-shape tier (test-ministack).
test-serverless:
	$(CARGO) test -p statecraft-serverless -p statecraft-aws -p statecraft-api-fn -p statecraft-step

## The deployed-shape tier: the real step and api bootstraps (host x86_64 builds) as Lambda
## functions in ministack, deployed from template.yaml (infra/ministack/). Both function
## packages, so cargo builds both bootstraps (functions/step/tests/ministack/ runs them).
test-ministack:
	$(CARGO) test -p statecraft-api-fn -p statecraft-step

## Serverless deployment (template.yaml, SAM). ARCH=arm64 (default: Graviton, cheaper per ms;
## needs zig, `pip install ziglang`) or x86_64 (local runs).
ARCH ?= arm64
SAM_BIN = $(shell infra/sam-deps.sh)

## cfn-lint and `sam validate --lint` on template.yaml (offline; installs both into a cached venv).
lint-template:
	PATH="$(SAM_BIN):$$PATH" cfn-lint template.yaml
	PATH="$(SAM_BIN):$$PATH" sam validate --lint --template template.yaml --region us-east-1

## The step and api functions as provided.al2023 bootstraps (cargo-lambda; arm64 needs zig or
## a cross toolchain), in target/lambda/statecraft-{step,api}/bootstrap.
build-lambda:
	cargo lambda build --release $(if $(filter arm64,$(ARCH)),--arm64,--x86-64) \
		-p statecraft-step -p statecraft-api-fn

## Builds with SAM (cargo-lambda underneath) and deploys; asks for the stack's settings on
## first use and keeps them in samconfig.toml.
deploy:
	PATH="$(SAM_BIN):$$PATH" sam build --beta-features --parameter-overrides Architecture=$(ARCH)
	PATH="$(SAM_BIN):$$PATH" sam deploy $(if $(wildcard samconfig.toml),,--guided) \
		--parameter-overrides Architecture=$(ARCH)

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
