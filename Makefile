# apigw-preflight: the make targets are the interface (see README.md).
GO        ?= go
BIN       := bin
VERSION   ?= $(or $(shell git describe --tags --match 'v[0-9]*' 2>/dev/null | sed 's/^v//'),0.1.0-dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
OUT       := out
OPA       := $(shell $(GO) env GOPATH)/bin/opa
OPA_VERSION := v1.22.3

.PHONY: all build test lint bench demo docs fmt clean tools

all: build

## build: the binaries in bin/
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/apigw-preflight ./cmd/apigw-preflight
	@if [ -d cmd/apigw-emulator ]; then $(GO) build -trimpath -o $(BIN)/apigw-emulator ./cmd/apigw-emulator; fi

## test: every Go test, the Rego unit tests (through OPA's tester) and the golden reports
test:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) test -count=1 ./...

## docs: the README's rule table and policies/rules/README.md, from the rules' METADATA
docs:
	$(GO) test -count=1 -run '^(TestReadmeRules|TestRuleCatalogue)$$' ./policies/ -update

## lint: go vet, gofmt and opa fmt / strict check of the policies
lint: $(OPA)
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(OPA) fmt --list --fail policies/
	$(OPA) check --strict policies/

$(OPA):
	$(GO) install github.com/open-policy-agent/opa@$(OPA_VERSION)

## bench: evaluation benchmarks: the rule pack per path, each rule, engine set-up (compare runs with benchstat)
bench:
	@mkdir -p $(OUT)
	$(GO) test -run '^$$' -bench . -benchmem -count $(or $(COUNT),6) ./policies/ | tee $(OUT)/bench.txt
	@echo "compare two runs with: benchstat old.txt $(OUT)/bench.txt"

## demo: the main job on the bundled samples
demo: build
	@./scripts/demo.sh

## fmt: format Go and Rego sources
fmt: $(OPA)
	gofmt -w $$(git ls-files '*.go')
	$(OPA) fmt -w policies/

clean:
	rm -rf $(BIN) $(OUT)
