# lychgate — see README.md. Every target works on a fresh Debian machine with Go.
GO        ?= go
BIN       := bin
FUZZTIME  ?= 30s
BENCH_N   ?= 0
BENCH_C   ?= 20
BENCH_LARGE_N ?= 50
## BENCH_PROFILE=DIR: pprof CPU and allocation profiles of the relay under each row
BENCH_PROFILE ?=
CORPUS    ?= ../shared/corpus
PKGS      := ./...

.PHONY: all build run test test-deps lint fmt-check vet bench gobench eval train fuzz cover clean

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
	@# the spam rules' differential tests over the whole corpus (under -race they read an eighth)
	$(GO) test -count 1 -run 'EqualsReference|EqualRegexps|EqualsRegexp' ./scanners/spam/
	@# the parser's golden and shortcut differential tests over the whole corpus (under -race an eighth)
	$(GO) test -count 1 -run 'CorpusGolden|ShortcutsCorpus' ./message/

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

## bench: one table (issue 16), every row with BENCH_C sessions on loopback:
## 1. Postfix smtp-source -> smtp-sink (the raw limit), 2. smtp-source -> lychgate
## -> smtp-sink (10 KB), 3. the corpus (BENCH_N messages, 0: each once) from our lean Go client
## -> lychgate -> smtp-sink (lychgate-bench -gosmtp: the go-smtp client and sink),
## 4. BENCH_LARGE_N concurrent 10 MB messages with an attachment (peak RSS vs bytes
## in flight); msg/s, MB/s, added latency, CPU per message, peak RSS, and the
## ratios to the raw limit and to rspamd. Under a minute on two cores.
bench: build test-deps
	$(GO) run ./cmd/lychgate-bench -c $(BENCH_C) -n $(BENCH_N) -large-n $(BENCH_LARGE_N) -corpus $(CORPUS) $(if $(BENCH_PROFILE),-profile $(BENCH_PROFILE))

## gobench: the Go benchmarks of every package (allocations per operation).
gobench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

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
	$(FUZZ) '^FuzzDotStuffer$$' ./nexthop
	$(FUZZ) '^FuzzDataReader$$' ./relay
	$(FUZZ) '^FuzzReadCSV$$' ./directory
	$(FUZZ) '^FuzzNormalize$$' ./textnorm
	$(FUZZ) '^FuzzNormalizeReference$$' ./textnorm
	$(FUZZ) '^FuzzMatchReference$$' ./textnorm
	$(FUZZ) '^FuzzSameAsReference$$' ./scanners/safeguarding
	$(FUZZ) '^FuzzLiveAnchorsSameAsOld$$' ./scanners/safeguarding
	$(FUZZ) '^FuzzWords$$' ./scanners/safeguarding
	$(FUZZ) '^FuzzFoldWriter$$' ./nexthop
	$(FUZZ) '^FuzzPlainContent$$' ./nexthop
	$(FUZZ) '^FuzzHighlight$$' ./web
	$(FUZZ) '^FuzzChunks$$' ./scanners/classify
	$(FUZZ) '^FuzzBestMatchesReference$$' ./scanners/classify
	$(FUZZ) '^FuzzTokenize$$' ./scanners/spam/bayes
	$(FUZZ) '^FuzzTextHelpers$$' ./scanners/personal
	$(FUZZ) '^FuzzInsults$$' ./scanners/profanity
	$(FUZZ) '^FuzzScan$$' ./scanners/links
	$(FUZZ) '^FuzzHTMLMayMatter$$' ./scanners/links
	$(FUZZ) '^FuzzFilterSameAsReference$$' ./scanners/profanity
	$(FUZZ) '^FuzzArchiveListers$$' ./message
	$(FUZZ) '^FuzzScanHTML$$' ./message
	$(FUZZ) '^FuzzAnalyzePDF$$' ./message
	$(FUZZ) '^FuzzShortcuts$$' ./message
	$(FUZZ) '^FuzzParseMailDate$$' ./message
	$(FUZZ) '^FuzzWebURLPrefix$$' ./message
	$(FUZZ) '^FuzzHostURLs$$' ./message
	$(FUZZ) '^FuzzURLHost$$' ./message
	$(FUZZ) '^FuzzHTMLScannerEqualsTokenizer$$' ./message
	$(FUZZ) '^FuzzURLCandidate$$' ./message
	$(FUZZ) '^FuzzDecodeSingleByte$$' ./message
	$(FUZZ) '^FuzzParseDate$$' ./scanners/spam
	$(FUZZ) '^FuzzSubjectFinders$$' ./scanners/spam
	$(FUZZ) '^FuzzPlainAddressList$$' ./message
	$(FUZZ) '^FuzzSplitHeader$$' ./message
	$(FUZZ) '^FuzzScanHTMLEqualsReference$$' ./message
	$(FUZZ) '^FuzzHostShortcuts$$' ./scanners/links
	$(FUZZ) '^FuzzParseLink$$' ./scanners/links
	$(FUZZ) '^FuzzReceivedBy$$' ./relay
	$(FUZZ) '^FuzzDecodeQP$$' ./message
	$(FUZZ) '^FuzzTextURLs$$' ./message
	$(FUZZ) '^FuzzCSSURLs$$' ./message

cover:
	$(GO) test -race -coverprofile=cover.out $(PKGS)
	$(GO) tool cover -func=cover.out | tail -1

clean:
	rm -rf $(BIN) cover.out
