# apigw-preflight: the make targets are the interface (see README.md).
GO        ?= go
BIN       := bin
VERSION   ?= $(or $(shell git describe --tags --match 'v[0-9]*' 2>/dev/null | sed 's/^v//'),0.1.0-dev)
COMMIT    ?= $(or $(shell git rev-parse HEAD 2>/dev/null),unknown)
DATE      ?= $(or $(shell git log -1 --format=%cI 2>/dev/null),unknown)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
OUT       := out
OPA       := $(shell $(GO) env GOPATH)/bin/opa
OPA_VERSION := v1.22.3
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck
STATICCHECK_VERSION := v0.8.2

.PHONY: all build test lint bench bench-compare demo docs man fmt clean tools release-snapshot

all: build

## build: the binaries in bin/
# Static and trimmed, as the release binaries are (.goreleaser.yaml); the
# shared flags also let a release snapshot reuse this build's cache.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/apigw-preflight ./cmd/apigw-preflight
	@if [ -d cmd/apigw-emulator ]; then CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(BIN)/apigw-emulator ./cmd/apigw-emulator; fi

## test: every Go test, the Rego unit tests (through OPA's tester) and the golden reports
test:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) test -count=1 ./...

## docs: the README's rule table and policies/rules/README.md, from the rules' METADATA
docs:
	$(GO) test -count=1 -run '^(TestReadmeRules|TestRuleCatalogue)$$' ./policies/ -update

## man: the man pages (out/man/apigw-preflight.1 and one per command) and the shell completion scripts (out/completions), from the help texts
man:
	./scripts/release-docs.sh '$(VERSION)' '$(DATE)'

## lint: go vet, gofmt, staticcheck and opa fmt / strict check of the policies
lint: $(OPA) $(STATICCHECK)
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(STATICCHECK) ./...
	$(OPA) fmt --list --fail policies/
	$(OPA) check --strict policies/

$(OPA):
	$(GO) install github.com/open-policy-agent/opa@$(OPA_VERSION)

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## bench: evaluation benchmarks: the rule pack per path, each rule, engine set-up (compare runs with benchstat)
bench:
	@mkdir -p $(OUT)
	$(GO) test -run '^$$' -bench . -benchmem -count $(or $(COUNT),6) ./policies/ | tee $(OUT)/bench.txt
	@echo "compare two runs with: benchstat old.txt $(OUT)/bench.txt"

## bench-compare: check against conftest and a bare OPA floor on N (default 10000) generated snapshots
bench-compare:
	N=$(or $(N),10000) ./scripts/bench-compare.sh

## demo: the main job on the bundled samples
demo: build
	@./scripts/demo.sh

## release-snapshot: every release archive in dist/ with GoReleaser (no tag, nothing published), then checked
release-snapshot:
	./.ci/release-snapshot --all

## fmt: format Go and Rego sources
fmt: $(OPA)
	gofmt -w $$(git ls-files '*.go')
	$(OPA) fmt -w policies/

clean:
	rm -rf $(BIN) $(OUT) dist
