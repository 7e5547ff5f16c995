# atlas-mcp — build, test and release.
#
#   make build     bin/atlas-mcp for this machine
#   make test      every test (scripts/test: Go with -race, fuzz, e2e, bench smoke)
#   make release   static binaries for linux/darwin/windows × amd64/arm64 in dist/,
#                  one archive each (.tar.gz; .zip for Windows) and SHA256SUMS
#   make bench     the full benchmark against MongoDB's MCP server (bench/run)
#   make image     the container image (needs a Docker engine)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

BINARY  := atlas-mcp
PKG     := ./cmd/atlas-mcp
DIST    := dist
# Before the first tag (or commit) these fall back to dev/none.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

.PHONY: build test release bench image clean

build:
	mkdir -p bin
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/$(BINARY) $(PKG)

test:
	scripts/test

release:
	command -v zip >/dev/null || { echo "make release needs zip (apt-get install zip)"; exit 1; }
	rm -rf $(DIST)
	mkdir -p $(DIST)
	for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; [ "$$os" = windows ] && ext=.exe; \
	  name=$(BINARY)_$(VERSION)_$${os}_$${arch}; \
	  echo "== $$name"; \
	  mkdir -p $(DIST)/$$name; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -ldflags "$(LDFLAGS)" \
	    -o $(DIST)/$$name/$(BINARY)$$ext $(PKG); \
	  cp README.md $(DIST)/$$name/; \
	  if [ "$$os" = windows ]; then \
	    (cd $(DIST) && zip -qr $$name.zip $$name); \
	  else \
	    tar -C $(DIST) -czf $(DIST)/$$name.tar.gz $$name; \
	  fi; \
	  rm -rf $(DIST)/$$name; \
	done
	cd $(DIST) && sha256sum *.tar.gz *.zip > SHA256SUMS
	@cat $(DIST)/SHA256SUMS

bench:
	bench/run

image:
	docker build -t $(BINARY):$(VERSION) \
	  --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) --build-arg DATE=$(DATE) .

clean:
	rm -rf bin $(DIST)
