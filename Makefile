# Slipway: developer, CI and `sam build` entry points (GNU make).
#
#   make run      the whole system in one process (no AWS, no Docker)
#   make test     all Go tests, with the race detector
#   make check    lint + template/OpenAPI/ASL/config checks + store tests against moto
#   make build    every Lambda of template.yaml into .aws-sam/build/<LogicalId>/bootstrap
#   make generate the Go client of openapi.yaml (internal/apiclient), after every spec change
#
# `sam build` (BuildMethod: makefile) calls build-<LogicalId> with ARTIFACTS_DIR set.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

GO ?= go
# Lambda architecture (template.yaml: arm64). `make build ARCH=amd64` for x86_64.
ARCH ?= arm64

# staticcheck 2026.2.2 (v0.8.2) is the release that supports Go 1.26. `go run pkg@version`
# builds it from the module proxy (cached after the first run), outside this module's go.mod.
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# ---------------------------------------------------------------- functions
# The Lambda functions of template.yaml, by logical id. Adding a function = adding its word
# here. Its package is ./functions/<id without "Function", lower-cased>
# (DeploymentsFunction -> ./functions/deployments); set PKG_<LogicalId> for another name.
FUNCTIONS := ApplicationsFunction DeploymentsFunction ObservabilityFunction PipelineFunction WebhooksFunction
# The dashboard's static files (web/, internal/webui) at GET /ui and /ui/{proxy+}.
FUNCTIONS += UiFunction

lower = $(shell printf '%s' '$(1)' | tr '[:upper:]' '[:lower:]')
pkg_of = $(or $(PKG_$(1)),$(call lower,$(patsubst %Function,%,$(1))))

BUILD_DIR := .aws-sam/build
GO_BUILD_FLAGS := -tags lambda.norpc -trimpath -ldflags='-s -w -buildid='

# build-<LogicalId>: the target `sam build` runs; writes $(ARTIFACTS_DIR)/bootstrap.
define function_rules
.PHONY: build-$(1)
build-$(1):
	@test -n "$$(ARTIFACTS_DIR)" || { echo "build-$(1): ARTIFACTS_DIR is not set (sam build sets it; or run make build)" >&2; exit 2; }
	mkdir -p "$$(ARTIFACTS_DIR)"
	CGO_ENABLED=0 GOOS=linux GOARCH=$$(ARCH) $$(GO) build $$(GO_BUILD_FLAGS) -o "$$(ARTIFACTS_DIR)/bootstrap" ./functions/$(call pkg_of,$(1))
endef
$(foreach f,$(FUNCTIONS),$(eval $(call function_rules,$(f))))

# ---------------------------------------------------------------- checks
# Everything `make check` runs, in order.
CHECKS := lint cfn-lint openapi-lint asl-lint config-lint test-moto smoke test-kube fuzz
# The dashboard in a real browser (Debian's chromium, playwright-core): see test-ui below.
CHECKS += test-ui

# asl-validator (npm), pinned by tools/asl/package-lock.json and installed into
# tools/asl/node_modules (git-ignored) by `npm ci`, again whenever the lock file changes.
ASL_TOOLS := tools/asl
ASL_INSTALLED := $(ASL_TOOLS)/node_modules/.slipway-installed

.PHONY: help run test generate cli check lint cfn-lint openapi-lint asl-lint config-lint test-moto smoke test-kube fuzz build clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18
	@echo "build-<LogicalId>  one function for sam build (ARTIFACTS_DIR=...); functions: $(FUNCTIONS)"

run: ## the whole system in one process on 127.0.0.1:8080, data in ./.slipway (ARGS="--in-memory" etc.)
	@$(GO) build -o bin/slipway ./cmd/slipway
	@# exec, not `go run`: Ctrl-C reaches slipway alone, which stops cleanly (exit 0, no make error)
	@exec bin/slipway dev $(ARGS)

test: ## all Go tests with the race detector
	$(GO) test -race -count=1 ./...

generate: ## regenerate the Go client of openapi.yaml (oapi-codegen, pinned in internal/apiclient/generate.go)
	$(GO) generate ./internal/apiclient

cli: ## the slipway command into bin/slipway
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o bin/slipway ./cmd/slipway

check: $(CHECKS) ## lint, template, OpenAPI, ASL and config checks, store tests on moto

lint: ## gofmt, go vet, staticcheck
	@unformatted="$$(gofmt -l .)"; \
	if [[ -n "$$unformatted" ]]; then echo "gofmt: these files need formatting (gofmt -w):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

cfn-lint: ## lint template.yaml (errors and warnings fail)
	cfn-lint template.yaml

openapi-lint: ## validate openapi.yaml
	openapi-spec-validator openapi.yaml

asl-lint: $(ASL_INSTALLED) ## validate the state machine definition(s) with asl-validator
	scripts/asl-lint.sh

$(ASL_INSTALLED): $(ASL_TOOLS)/package.json $(ASL_TOOLS)/package-lock.json
	npm ci --prefix $(ASL_TOOLS) --no-audit --no-fund
	touch $@

config-lint: ## events/ fixtures vs template routes, webhook signatures and pipeline steps; inline buildspec
	scripts/check-config.sh

test-moto: ## store tests on moto_server instead of the embedded DynamoDB; AWS adapters against moto
	scripts/with-moto.sh $(GO) test -count=1 ./internal/store/... ./internal/aws/...

smoke: ## host-arch bootstraps under aws-lambda-rie, every events/ fixture invoked and checked
	scripts/smoke.sh

# The control plane of the kube tests (tools/kube pins it) is built once into
# ${SLIPWAY_TOOLS_CACHE:-~/.cache/slipway}/kube/<hash of the pins>/bin, outside the clone:
# ≈ 18 min on a cold idle 2-core machine, nothing when the binaries are there. Plain
# `make test` skips the kube tests (no SLIPWAY_KUBE_BIN); the tests themselves take ≈ 30 s.
test-kube: ## the Kubernetes adapter and RBAC manifests against a real control plane (etcd, apiserver, controllers, kwok)
	bin="$$(scripts/kube-tools.sh)"; SLIPWAY_KUBE_BIN="$$bin" $(GO) test -race -count=1 ./internal/kube/...

# ---------------------------------------------------------------- dashboard
# web/e2e pins playwright-core (the browser driver) and uplot (the vendored chart library) in its
# package-lock.json; `npm ci` installs them into web/e2e/node_modules (git-ignored), again
# whenever the lock file changes. The browser is Debian's chromium (.ci/run installs it).
UI_E2E := web/e2e
UI_INSTALLED := $(UI_E2E)/node_modules/.slipway-installed
CHROMIUM ?= /usr/bin/chromium

$(UI_INSTALLED): $(UI_E2E)/package.json $(UI_E2E)/package-lock.json
	npm ci --prefix $(UI_E2E) --no-audit --no-fund --ignore-scripts
	touch $@

.PHONY: test-ui bench-ui ui-vendor
ui-vendor: $(UI_INSTALLED) ## refresh web/assets/vendor (uPlot) from the version web/e2e/package-lock.json pins
	scripts/vendor-uplot.sh

test-ui: $(UI_INSTALLED) ## the dashboard end to end in headless chromium against slipway dev --in-memory (screenshots: web/e2e/artifacts)
	scripts/vendor-uplot.sh --check
	@command -v $(CHROMIUM) >/dev/null || { echo "test-ui: $(CHROMIUM) not found (apt-get install chromium)" >&2; exit 1; }
	CGO_ENABLED=0 $(GO) build -o bin/slipway ./cmd/slipway
	SLIPWAY_BIN="$(CURDIR)/bin/slipway" CHROMIUM=$(CHROMIUM) node --test --test-concurrency=1 $(UI_E2E)/run.mjs

bench-ui: $(UI_INSTALLED) ## test-ui plus the API requests per minute of an idle application page (2 min; figures in web/e2e/artifacts/figures.json)
	CGO_ENABLED=0 $(GO) build -o bin/slipway ./cmd/slipway
	SLIPWAY_BIN="$(CURDIR)/bin/slipway" CHROMIUM=$(CHROMIUM) SLIPWAY_UI_IDLE_SECS=120 node --test --test-concurrency=1 $(UI_E2E)/run.mjs

# FUZZTIME: how long each fuzz target runs (go test -fuzztime).
FUZZTIME ?= 15s
fuzz: ## every fuzz target for FUZZTIME (15s) each
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

build: ## every function into .aws-sam/build/<LogicalId>/bootstrap (ARCH=amd64 to override)
	@for f in $(FUNCTIONS); do \
		$(MAKE) build-$$f ARTIFACTS_DIR="$(CURDIR)/$(BUILD_DIR)/$$f" ARCH=$(ARCH); \
	done

clean: ## remove build output and tools/asl/node_modules (the shared Go caches are left alone)
	rm -rf .aws-sam bin dist coverage.out coverage.html $(ASL_TOOLS)/node_modules $(UI_E2E)/node_modules $(UI_E2E)/artifacts
	find . -name '*.test' -type f -not -path './.git/*' -delete
