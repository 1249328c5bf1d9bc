# ptune: build, test, demo. Everything builds optimised (the numerical code is unusable in debug);
# `-enable-testing` lets the test targets use the same build.
SWIFT      ?= swift
BUILD_OPTS := -c release -Xswiftc -enable-testing
BIN         = $(shell $(SWIFT) build $(BUILD_OPTS) --show-bin-path)/ptune
MODEL       = $(shell scripts/fetch-model.sh)

.PHONY: all deps model build test demo bench clean

all: build

deps:
	@scripts/install-deps.sh

model: deps
	@scripts/fetch-model.sh >/dev/null

build: deps
	$(SWIFT) build $(BUILD_OPTS) --product ptune

test: deps model
	$(SWIFT) build $(BUILD_OPTS) --build-tests
	$(SWIFT) test $(BUILD_OPTS) --skip-build

demo: build model
	@scripts/demo.sh "$(BIN)" "$(MODEL)"

bench: build model
	@scripts/bench.sh "$(BIN)" "$(MODEL)"

clean:
	rm -rf .build
