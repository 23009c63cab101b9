# lychgate — see README.md. Every target works on a fresh Debian machine with Go.
GO        ?= go
BIN       := bin
FUZZTIME  ?= 30s
BENCH_N   ?= 2000
BENCH_C   ?= 16
PKGS      := ./...

.PHONY: all build run test test-deps lint fmt-check vet bench eval train fuzz cover clean

all: build

build:
	$(GO) build -o $(BIN)/lychgate ./cmd/lychgate
	$(GO) build -o $(BIN)/lychgate-sink ./cmd/lychgate-sink

## run: the demo — local Redis (persistent, under ./var), a demo next hop that
## writes delivered mail to ./var/delivered, and lychgate with examples/lychgate.toml.
run: build
	./scripts/demo.sh

## test-deps: install what the tests talk to (real redis-server, swaks, postfix's smtp-sink).
test-deps:
	./scripts/install-test-deps.sh

test: test-deps fmt-check vet
	$(GO) test -race -shuffle=on -timeout 15m $(PKGS)

## soak: the long resilience variants (LYCHGATE_SOAK=1): five rounds of kill -9 /
## Redis restart / next-hop outage under load, a 100 MB message against the memory
## target, a minute-long one-byte-a-second client; and the Cluster/Sentinel failovers.
.PHONY: soak
soak: build test-deps
	LYCHGATE_SOAK=1 $(GO) test -count 1 -timeout 30m -v -run 'Crash|TwoInstances|Idle|Recipients|Megabyte|SlowClient' ./cmd/lychgate
	LYCHGATE_SOAK=1 $(GO) test -count 1 -timeout 10m -v ./internal/resilience

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

lint: fmt-check vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

## bench: Go benchmarks, then N corpus messages through relay -> sink with C clients.
bench: build test-deps
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	$(GO) run ./cmd/lychgate-bench -n $(BENCH_N) -c $(BENCH_C) -corpus ../shared/corpus

eval: build
	$(BIN)/lychgate eval
	$(BIN)/lychgate eval spam
	$(GO) test -count 1 -v -run '^TestRealText$$' ./evaluate

## train: retrain the classifier (scanners/classify/model.bin, docs/model-card.md)
## from ../shared/data and the ham corpus; deterministic, so the same data gives
## byte-identical files. TRAIN_DATE is written into the model card.
TRAIN_DATE ?= 2026-12-01
SHARED     ?= ../shared
train:
	$(GO) run ./cmd/lychgate-train -data $(SHARED)/data -ham $(SHARED)/corpus/spamassassin/ham -date $(TRAIN_DATE)

FUZZ = $(GO) test -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s -fuzz
fuzz:
	$(FUZZ) '^FuzzParse$$' ./message
	$(FUZZ) '^FuzzParse$$' ./config
	$(FUZZ) '^FuzzSession$$' ./relay
	$(FUZZ) '^FuzzCheckAddress$$' ./relay
	$(FUZZ) '^FuzzDataReader$$' ./relay
	$(FUZZ) '^FuzzReadCSV$$' ./directory
	$(FUZZ) '^FuzzNormalize$$' ./textnorm
	$(FUZZ) '^FuzzNormalizeReference$$' ./textnorm
	$(FUZZ) '^FuzzMatchReference$$' ./textnorm
	$(FUZZ) '^FuzzSameAsReference$$' ./scanners/safeguarding
	$(FUZZ) '^FuzzFoldWriter$$' ./nexthop
	$(FUZZ) '^FuzzHighlight$$' ./web
	$(FUZZ) '^FuzzChunks$$' ./scanners/classify

cover:
	$(GO) test -race -coverprofile=cover.out $(PKGS)
	$(GO) tool cover -func=cover.out | tail -1

clean:
	rm -rf $(BIN) cover.out
