# ptune: build, test, demo. Everything builds optimised (the numerical code is unusable in debug);
# `-enable-testing` lets the test targets use the same build.
SWIFT      ?= swift
BUILD_OPTS := -c release -Xswiftc -enable-testing
BIN         = $(shell $(SWIFT) build $(BUILD_OPTS) --show-bin-path)/ptune
MODEL       = $(shell scripts/fetch-model.sh)

.PHONY: all deps test-deps model gemma3 qwen2 build test slurm-test multiuser demo bench bench-grid faults soak load fuzz tokenizer-fuzz interop install clean

all: build

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

model: deps
	@scripts/fetch-model.sh >/dev/null

# Gemma 3 270M (about 250 MB) and Qwen2.5-Coder-0.5B (about 500 MB), cached, for their parity tests.
gemma3: deps
	@scripts/fetch-gemma3.sh >/dev/null

qwen2: deps
	@scripts/fetch-qwen2.sh >/dev/null

build: deps
	$(SWIFT) build $(BUILD_OPTS) --product ptune

test: test-deps model gemma3 qwen2
	scripts/check-architecture.py
	$(SWIFT) build $(BUILD_OPTS) --build-tests
	$(SWIFT) test $(BUILD_OPTS) --skip-build
	SWIFT=$(SWIFT) scripts/test-avx2-kernels.sh

# Only the tests against a real one-node Slurm cluster (scripts/slurm-cluster.sh); `make test` runs them too.
slurm-test: test-deps model
	$(SWIFT) build $(BUILD_OPTS) --build-tests
	$(SWIFT) test $(BUILD_OPTS) --skip-build --filter Slurm

# Only the multi-user tests (root: they create a service user and two submitters); `make test` runs them too.
multiuser: test-deps model
	$(SWIFT) build $(BUILD_OPTS) --build-tests
	$(SWIFT) test $(BUILD_OPTS) --skip-build --filter MultiUserTests

# The long reliability runs (docs/RELIABILITY.md); `make test` runs short versions of each.
faults: deps model
	$(SWIFT) build $(BUILD_OPTS) --build-tests
	PTUNE_CRASH_POINTS=all $(SWIFT) test $(BUILD_OPTS) --skip-build --filter CrashPointTests

soak: deps model
	$(SWIFT) build $(BUILD_OPTS) --build-tests
	PTUNE_SOAK_CYCLES=$${PTUNE_SOAK_CYCLES:-200} $(SWIFT) test $(BUILD_OPTS) --skip-build --filter SoakTests

load: deps model
	$(SWIFT) build $(BUILD_OPTS) --build-tests
	PTUNE_LOAD_BUNDLES=$${PTUNE_LOAD_BUNDLES:-1000} $(SWIFT) test $(BUILD_OPTS) --skip-build --filter LoadTests

# Runs only the fuzz tests (manifest, template, archive), FUZZ_ITERATIONS executions each: over a
# million in all by default. Each target prints its seed, executions and time; PTUNE_FUZZ_SEED=N
# repeats a run, PTUNE_FUZZ_LAST_INPUT=FILE keeps the input being run in FILE.TARGET.
FUZZ_ITERATIONS ?= 350000
fuzz: deps
	$(SWIFT) build $(BUILD_OPTS) --build-tests
	PTUNE_FUZZ_ITERATIONS=$(FUZZ_ITERATIONS) $(SWIFT) test $(BUILD_OPTS) --skip-build --filter FuzzTests

# Fresh random texts (a new seed each run, printed; TOKENIZER_SEED=N repeats one) encoded by Hugging
# Face `tokenizers` (installed with pip when missing) and by ptune, under the four pre-tokenizers, Gemma 3's and Qwen2.5's.
TOKENIZER_CASES ?= 5000
tokenizer-fuzz: deps gemma3 qwen2
	@python3 -c "import tokenizers, regex, transformers, gguf" 2>/dev/null || pip install -q tokenizers regex transformers gguf
	python3 scripts/make-tokenizer-cases.py --count $(TOKENIZER_CASES) --seed $${TOKENIZER_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')} --out /tmp/ptune-tokenizer-fuzz.json
	$(SWIFT) build $(BUILD_OPTS) --build-tests
	PTUNE_TOKENIZER_CASES=/tmp/ptune-tokenizer-fuzz.json $(SWIFT) test $(BUILD_OPTS) --skip-build --filter "SmolLM2ParityTests|Gemma3ParityTests|Qwen25ParityTests|PreTokenizerTests"

# The round trips: PEFT (PyTorch) and llama.cpp (llama-cpp-python) on the same GGUF reproduce
# `ptune predict`. The Python environment they need is made once (about 5 minutes for torch from PyPI,
# which brings its CUDA libraries, about 5 GB, and 10-15 minutes on 2 cores to compile llama.cpp from
# llama-cpp-python's source) and cached; `make test` runs them when it is complete (the .complete stamp).
INTEROP_VENV ?= $(HOME)/.cache/ptune/interop/venv
interop: test-deps model gemma3
	@scripts/install-deps.sh --interop
	@test -f $(INTEROP_VENV)/.complete || { python3 -m venv $(INTEROP_VENV) && \
	  $(INTEROP_VENV)/bin/pip install -q torch transformers peft gguf safetensors sentencepiece protobuf numpy && \
	  CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(INTEROP_VENV)/bin/pip install -q --no-binary llama-cpp-python llama-cpp-python && \
	  touch $(INTEROP_VENV)/.complete; }
	$(SWIFT) build $(BUILD_OPTS) --build-tests
	PTUNE_INTEROP_PYTHON=$(INTEROP_VENV)/bin/python $(SWIFT) test $(BUILD_OPTS) --skip-build --filter Interop

demo: build model
	@scripts/demo.sh "$(BIN)" "$(MODEL)"

bench: build model
	@scripts/bench.sh "$(BIN)" "$(MODEL)"

# bench over a grid of shapes (scripts/bench-grid.sh), resumable, into GRID_OUT (default bench-grid.jsonl), then as Markdown tables.
bench-grid: build model
	@scripts/bench-grid.sh "$(BIN)" "$(MODEL)" "$${GRID_OUT:-bench-grid.jsonl}"
	@scripts/bench-table.py "$${GRID_OUT:-bench-grid.jsonl}"

# Installs the binary, the systemd unit, the sysusers and tmpfiles snippets and a default config.
# PREFIX (default /usr/local) and DESTDIR work as usual; the unit's paths follow PREFIX.
PREFIX  ?= /usr/local
DESTDIR ?=
install: build
	install -D -m 0755 "$(BIN)" "$(DESTDIR)$(PREFIX)/bin/ptune"
	install -d "$(DESTDIR)/etc/systemd/system" "$(DESTDIR)/usr/lib/sysusers.d" "$(DESTDIR)/usr/lib/tmpfiles.d" "$(DESTDIR)/etc/ptune"
	sed 's|/usr/local/|$(PREFIX)/|g' systemd/ptune.service > "$(DESTDIR)/etc/systemd/system/ptune.service"
	install -m 0644 systemd/ptune.sysusers "$(DESTDIR)/usr/lib/sysusers.d/ptune.conf"
	install -m 0644 systemd/ptune.tmpfiles "$(DESTDIR)/usr/lib/tmpfiles.d/ptune.conf"
	[ -e "$(DESTDIR)/etc/ptune/ptune.toml" ] || install -m 0644 systemd/ptune.toml "$(DESTDIR)/etc/ptune/ptune.toml"
	install -D -m 0644 README.md "$(DESTDIR)$(PREFIX)/share/doc/ptune/README.md"
	install -D -m 0644 systemd/ptune-slurm.conf "$(DESTDIR)$(PREFIX)/share/doc/ptune/ptune-slurm.conf"
	install -D -m 0644 systemd/ptune-metrics.conf "$(DESTDIR)$(PREFIX)/share/doc/ptune/ptune-metrics.conf"
	install -D -m 0644 docs/OPERATIONS.md "$(DESTDIR)$(PREFIX)/share/doc/ptune/OPERATIONS.md"

clean:
	rm -rf .build
