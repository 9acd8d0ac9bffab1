# dcue — build, test, install.  See README.md.
#
#   make            build every tool into bin/
#   make deps       install the Debian packages dcue needs (apt-get; idempotent)
#   make test       deps + build + every test; ends with "N passed, N failed"
#   make SAN=1 test the same under AddressSanitizer + UBSan (bin-san/, build-san/)
#   make bench      the benchmarks under bench/ (see BENCHMARKS.md)
#   make fuzz       every libFuzzer harness (fuzz/) for FUZZ_SECONDS each (docs/fuzzing.md)
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

CC      ?= cc
CFLAGS  ?= -std=c11 -O2 -g -Wall -Wextra
PREFIX  ?= /usr/local
DESTDIR ?=
SAN     ?=
PYTHON  ?= /usr/bin/python3

# Older OpenBLAS builds misbehave on these CPUs' AVX-512 path; pin the kernel
# for tests (a user may override it).  `make bench` drops this default and
# leaves the kernel to the machine's environment.
OPENBLAS_CORETYPE ?= Haswell
export OPENBLAS_CORETYPE

ifeq ($(FUZZ),1)
# `make fuzz`: clang with libFuzzer's coverage; harnesses link -fsanitize=fuzzer
CC      := clang-14
BUILD   := build-fuzz
BIN     := build-fuzz/bin
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
else ifeq ($(SAN),1)
BUILD   := build-san
BIN     := bin-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD   := build
BIN     := bin
SANFLAGS :=
endif

PKGS      := jansson yajl libcurl fftw3f openblas zlib
PC_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PC_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(CFLAGS) $(SANFLAGS) -MMD -MP -Icommon $(PC_CFLAGS)
# oneDNN (dcue-train's GEMMs, tools/dcue-train/gemm.h) and its OpenMP runtime:
# --as-needed keeps them out of the other tools
LDLIBS_ALL = -Wl,--as-needed $(PC_LIBS) -ldnnl -lgomp -lm -lpthread -ldl
# Open MPI: dcue-train only, which compiles against its header and loads
# libmpi at run time, under mpirun only (tools/dcue-train/dist.c says why)
MPI_CFLAGS = $(shell pkg-config --cflags ompi-c 2>/dev/null)

# Debian packages: build tools, libraries, and the programs the tools run.
DEB_PKGS := gcc make pkg-config libjansson-dev libcurl4-openssl-dev libfftw3-dev \
            libopenblas-dev libdnnl-dev zlib1g-dev libyajl-dev ffmpeg gnuplot-nox python3 python3-numpy \
            curl ca-certificates procps openmpi-bin libopenmpi-dev clang libclang-rt-14-dev
BENCH_DEB_PKGS := python3-torch libjemalloc2 hyperfine time

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
LIBDCUE    := $(BUILD)/libdcue.a

# A tool is tools/NAME.c, or a folder tools/NAME/ whose main() lives in
# main.c; the folder's other files also form $(BUILD)/tools/NAME/lib.a so
# unit tests can link them.
TOOLS_SINGLE := $(patsubst tools/%.c,%,$(wildcard tools/*.c))
TOOLS_DIR    := $(patsubst tools/%/main.c,%,$(wildcard tools/*/main.c))
TOOLS        := $(sort $(TOOLS_SINGLE) $(TOOLS_DIR))
TOOL_BINS    := $(TOOLS:%=$(BIN)/%)
TOOL_LIBS    := $(TOOLS_DIR:%=$(BUILD)/tools/%/lib.a)

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps bench-deps test check bench install uninstall clean fuzz fuzz-build
.DELETE_ON_ERROR:
# Keep objects between builds (they are intermediate files of the chained rules).
.SECONDARY:
.SUFFIXES:

all: $(TOOL_BINS)

# Compiled under a temporary name then renamed, so a parallel or interrupted
# build never leaves a torn object behind.
$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MF $(@:.o=.d) -MT $@ -c -o $@.$$$$.tmp $< && mv -f $@.$$$$.tmp $@

$(LIBDCUE): $(COMMON_OBJ)
	@mkdir -p $(@D)
	rm -f $@.tmp && ar rcs $@.tmp $^ && mv -f $@.tmp $@

$(BIN)/%: $(BUILD)/tools/%.o $(LIBDCUE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDFLAGS) -o $@ $< $(LIBDCUE) $(LDLIBS_ALL)

define TOOL_DIR_RULES
$(BUILD)/tools/$(1)/lib.a: $(patsubst %.c,$(BUILD)/%.o,$(filter-out tools/$(1)/main.c,$(wildcard tools/$(1)/*.c)))
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^

$(BIN)/$(1): $(BUILD)/tools/$(1)/main.o $(BUILD)/tools/$(1)/lib.a $(LIBDCUE)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(SANFLAGS) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS_ALL)
endef
$(foreach t,$(TOOLS_DIR),$(eval $(call TOOL_DIR_RULES,$(t))))

$(BUILD)/tools/dcue-train/%.o: ALL_CFLAGS += $(MPI_CFLAGS)

# Unit tests may include any tool folder's headers.
$(BUILD)/tests/unit/%.o: ALL_CFLAGS += $(TOOLS_DIR:%=-Itools/%)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TOOL_LIBS) $(LIBDCUE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDFLAGS) -o $@ $< $(TOOL_LIBS) $(LIBDCUE) $(LDLIBS_ALL)

# --- fuzzing (docs/fuzzing.md) ---------------------------------------------
# Each fuzz/fuzz_NAME.c is built twice: with fuzz/replay.c's main() as
# $(BUILD)/tests/fuzz_NAME (gcc; `make test` replays the corpora and the
# regression inputs through it), and by `make fuzz` with libFuzzer as
# build-fuzz/fuzz_NAME.  exit() is wrapped (fuzz/fuzz.h).
FUZZ_NAMES   := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_REPLAY  := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz_%)
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=

$(BUILD)/fuzz/%.o: ALL_CFLAGS += $(TOOLS_DIR:%=-Itools/%) -Ifuzz

$(BUILD)/tests/fuzz_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/fuzz/replay.o $(TOOL_LIBS) $(LIBDCUE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDFLAGS) -Wl,--wrap=exit -o $@ $^ $(LDLIBS_ALL)

build-fuzz/fuzz_%: $(BUILD)/fuzz/fuzz_%.o $(TOOL_LIBS) $(LIBDCUE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(LDFLAGS) -Wl,--wrap=exit \
	  -o $@ $^ $(LDLIBS_ALL)

# fuzz_argv also links fuzz/argv/*.c, each with a tool's main.c compiled in
FUZZ_ARGV_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard fuzz/argv/*.c))

$(BUILD)/tests/fuzz_argv: $(BUILD)/fuzz/fuzz_argv.o $(FUZZ_ARGV_OBJ) $(BUILD)/fuzz/replay.o \
                          $(TOOL_LIBS) $(LIBDCUE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDFLAGS) -Wl,--wrap=exit -o $@ $^ $(LDLIBS_ALL)

build-fuzz/fuzz_argv: $(BUILD)/fuzz/fuzz_argv.o $(FUZZ_ARGV_OBJ) $(TOOL_LIBS) $(LIBDCUE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(LDFLAGS) -Wl,--wrap=exit \
	  -o $@ $^ $(LDLIBS_ALL)

# The seeds and regression inputs in dcue's binary formats are not
# committed: fuzz/seeds.c writes them with the project's own writers into
# $(BUILD)/fuzz-seeds/corpus/NAME/ and $(BUILD)/fuzz-seeds/regress/NAME/,
# next to the text ones in fuzz/corpus/NAME/ and fuzz/regress/NAME/.  Many
# outputs, so a stamp; the folder is replaced whole.
FUZZ_SEEDS := $(BUILD)/fuzz-seeds/stamp

$(BUILD)/fuzz/seeds: $(BUILD)/fuzz/seeds.o $(TOOL_LIBS) $(LIBDCUE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(FUZZ_SEEDS): $(BUILD)/fuzz/seeds
	rm -rf $(BUILD)/fuzz-seeds.tmp
	$< $(BUILD)/fuzz-seeds.tmp && touch $(BUILD)/fuzz-seeds.tmp/stamp
	rm -rf $(BUILD)/fuzz-seeds && mv $(BUILD)/fuzz-seeds.tmp $(BUILD)/fuzz-seeds

fuzz-build: $(FUZZ_NAMES:%=build-fuzz/fuzz_%) $(FUZZ_SEEDS)

# New finds go to build-fuzz/corpus/NAME (not committed: copy the useful
# ones into fuzz/corpus/NAME), crashes to build-fuzz/crashes/NAME/.  The
# seeds are fuzz/corpus/NAME, fuzz/regress/NAME and the generated ones.
fuzz:
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-build
	@for h in $(FUZZ_NAMES); do \
	  mkdir -p build-fuzz/corpus/$$h build-fuzz/crashes/$$h; \
	  dirs=; for d in fuzz/corpus/$$h fuzz/regress/$$h build-fuzz/fuzz-seeds/corpus/$$h \
	                  build-fuzz/fuzz-seeds/regress/$$h; do \
	    [ -d $$d ] && dirs="$$dirs $$d"; \
	  done; \
	  dict=; [ -f fuzz/dict/$$h.dict ] && dict=-dict=fuzz/dict/$$h.dict; \
	  echo "== fuzz_$$h: $(FUZZ_SECONDS) s"; \
	  build-fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -malloc_limit_mb=512 \
	    -rss_limit_mb=2048 -timeout=10 -artifact_prefix=build-fuzz/crashes/$$h/ $$dict \
	    $(FUZZ_FLAGS) build-fuzz/corpus/$$h $$dirs || exit 1; \
	done

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# --- set-up -----------------------------------------------------------------

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing" $$missing; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing || \
	  { $(SUDO) apt-get update && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; }; \
	fi

bench-deps: deps
	@missing=$$(for p in $(BENCH_DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "make bench-deps: installing" $$missing; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing || \
	  echo "make bench-deps: could not install $$missing; those comparisons will be skipped" >&2; \
	fi

# --- tests and benchmarks -----------------------------------------------------

# deps first, then a fresh make so pkg-config sees the libraries just installed.
test: deps
	@$(MAKE) --no-print-directory check

check: $(TOOL_BINS) $(UNIT_BINS) $(FUZZ_REPLAY) $(FUZZ_SEEDS)
	@BIN=$(abspath $(BIN)) UNIT=$(abspath $(BUILD)/tests) PYTHON=$(PYTHON) SAN=$(SAN) \
	  tests/run.sh

bench: bench-deps
	@$(MAKE) --no-print-directory all
	@$(if $(filter file,$(origin OPENBLAS_CORETYPE)),env -u OPENBLAS_CORETYPE) \
	  BIN=$(abspath $(BIN)) PYTHON=$(PYTHON) bench/run.sh

# --- install ------------------------------------------------------------------

install: $(TOOL_BINS)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(TOOL_BINS) $(DESTDIR)$(PREFIX)/bin/

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(PREFIX)/bin/%)

clean:
	rm -rf build build-san bin bin-san build-fuzz
