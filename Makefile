# nslua — see README.md. Every target installs what it needs (as root).
GO      ?= go
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
BIN     := $(CURDIR)/nslua
# netgo/osusergo keep the binary static: a dynamically linked one pays the
# loader (~1.3 ms) on every start, and readline pulls in package net. -s -w
# drop the symbol table and DWARF (Go stack traces still work): 2.4 MB
# fewer to page in, about 1 ms off every start.

# Debian packages: the tests and recipes use iproute2, iputils-ping,
# util-linux, procps and mount (tools that check nslua), busybox-static (the
# busybox container recipes put in a root filesystem), uidmap and passwd
# (newuidmap and useradd for the rootless tests), graphviz (dot renders what
# `nslua -r demo dot` writes); the benchmarks compare with
# lua5.4, bubblewrap and crun and time with hyperfine.

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

.PHONY: all build deps test unit integration demo bench install lint clean

all: build

deps:
	$(call apt_install,iproute2 iputils-ping util-linux procps mount busybox-static uidmap passwd graphviz)
	$(GO) mod download

# go generate stores the stdlib modules compiled (stdlib/*.luac): require
# then skips gopher-lua's parser and compiler, ~3 ms for container.
build:
	$(GO) generate ./stdlib
	$(GO) build -trimpath -tags netgo,osusergo -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN) ./cmd/nslua

# The whole suite: unit tests with the race detector, then the integration
# tests one package at a time (each test checks the machine for leftovers).
test: deps build
	$(GO) vet ./...
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v '/test$$' | grep -v '/test/')
	NSLUA_BIN=$(BIN) $(GO) test -count=1 -p 1 -timeout 15m ./test/...

demo: deps build
	$(BIN) -r demo

bench: deps build
	$(call apt_install,lua5.4 hyperfine bubblewrap crun)
	NSLUA_BIN=$(BIN) $(GO) run ./bench -o docs/BENCHMARKS.md

install: build
	install -m 0755 $(BIN) /usr/local/bin/nslua

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: $$out"; exit 1; fi
	$(GO) vet ./...
	@if $(GO) install honnef.co/go/tools/cmd/staticcheck@latest 2>/dev/null; then \
		staticcheck ./...; else echo "staticcheck not installable here; skipped"; fi

clean:
	rm -f $(BIN)
