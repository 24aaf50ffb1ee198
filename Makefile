# Sluice — `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin/sluice
export SLUICE_BIN := $(CURDIR)/$(BIN)

# The repository holds three Go modules: the hub, the record model, and the
# plugin protocol + SDK + host (docs/adr/0010).
MODULES := . record plugins
# Packages with concurrency, tested again under the race detector.
RACE_PKGS := ./broker/... ./runtime/... ./api/... ./connectors/... ./convert/...

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/sluice
	$(GO) build -o $(BIN) ./cmd/sluice

.PHONY: run
run: build ## the all-in-one server (broker :9092, REST :8083) with a demo pipeline DatagenSource -> FileStreamSink (data in ./data)
	./$(BIN) demo --data-dir ./data

.PHONY: deps
deps: ## install what the tests need (kcat, protoc, staticcheck)
	./test/scripts/deps.sh

.PHONY: generate
generate: deps ## regenerate the plugin protocol's Go code from plugins/proto/plugin.proto
	./plugins/proto/generate.sh

.PHONY: check-generated
check-generated: generate ## fail when the committed generated code is stale
	@git diff --exit-code --stat -- plugins/proto || { echo "plugins/proto is stale: run 'make generate' and commit"; exit 1; }

.PHONY: fmt-vet
fmt-vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	@for m in $(MODULES); do echo "go vet ($$m)"; (cd $$m && $(GO) vet ./...) || exit 1; done

.PHONY: lint
lint: deps fmt-vet ## gofmt, go vet, staticcheck (all modules)
	@for m in $(MODULES); do echo "staticcheck ($$m)"; (cd $$m && $$($(GO) env GOPATH)/bin/staticcheck ./...) || exit 1; done

.PHONY: test
test: build deps fmt-vet check-generated ## the whole test suite: all modules, race, fuzz seeds, crash, compaction, plugins, Postgres CDC, sarama, kcat, kafkajs, franz-go's kgo suite
	./test/scripts/postgres.sh >/dev/null
	@for m in $(MODULES); do echo "go test ($$m)"; (cd $$m && $(GO) test -count=1 -timeout 15m ./...) || exit 1; done
	$(GO) test -count=1 -race -timeout 15m $(RACE_PKGS)
	cd plugins && $(GO) test -count=1 -race -timeout 15m ./...
	./test/kcat/run.sh
	./test/kafkajs/run.sh
	./test/kgo/run.sh

.PHONY: bench
bench: build ## broker beside franz-go's kfake; DatagenSource plugin vs in-process; transforms; DLQ replay vs produce; worker failover; Postgres CDC vs pg_recvlogical and Conduit
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./test/bench/
	$(GO) test -run '^$$' -bench . -benchmem ./transforms/
	$(GO) test -run '^$$' -bench Replay -benchtime 1x ./dlq/
	$(GO) test -run '^$$' -bench WorkerFailover -benchtime 1x ./test/cluster/
	./test/scripts/postgres.sh >/dev/null
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./test/cdcbench/

.PHONY: clean
clean: ## remove build output and the demo data
	rm -rf bin data test/.cache
