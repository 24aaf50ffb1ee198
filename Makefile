# Sluice — `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin/sluice
export SLUICE_BIN := $(CURDIR)/$(BIN)

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/sluice
	$(GO) build -o $(BIN) ./cmd/sluice

.PHONY: run
run: build ## run the broker with a demo producer and consumer (data in ./data)
	./$(BIN) demo --data-dir ./data

.PHONY: deps
deps: ## install what the tests need (kcat, staticcheck)
	./test/scripts/deps.sh

.PHONY: lint
lint: deps ## gofmt, go vet, staticcheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$$($(GO) env GOPATH)/bin/staticcheck ./...

.PHONY: test
test: build deps ## the whole test suite: unit, race, fuzz seeds, crash, compaction, sarama, kcat, kafkajs, franz-go's kgo suite
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 15m ./...
	$(GO) test -count=1 -race -timeout 15m ./broker/...
	./test/kcat/run.sh
	./test/kafkajs/run.sh
	./test/kgo/run.sh

.PHONY: bench
bench: build ## throughput, latency and memory of the broker beside franz-go's kfake
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./test/bench/

.PHONY: clean
clean: ## remove build output and the demo data
	rm -rf bin data test/.cache
