# faultlab — plain GNU make. Outputs in build/. V=1 shows commands; SANITIZE=address,undefined
# builds with sanitizers. Sources are found by folder, so a new .c file needs no edit here:
#   common/**.c            → build/libflcommon.a
#   orchestrator/**.c      → build/faultlab          (main.c) + build/libflorch.a (the rest)
#   agents/**.c            → build/faultlab-agent    (main.c) + build/libflagent.a
#   images/labnode/**.c    → build/labnode           (main.c) + build/liblabnode.a
#   tests/unit/check_*.c   → build/check_unit   (no privileges)
#   tests/integ/check_*.c  → build/check_integ  (processes on loopback, no privileges)
#   tests/priv/check_*.c   → build/check_priv   (root; a counted skip without it)
#   tests/util_*.c         → linked into every runner (counted skips, report validation)
#   tests/fuzz/fuzz_*.c    → build/fuzz/fuzz_*  (clang libFuzzer, `make fuzz`)
#   tests/bench/bench_*.c  → build/bench/bench_* (`make bench` runs each)
# Each check_<module>.c exports `Suite *<module>_suite(void)`; the runners are generated.

VERSION := 0.1.0
BUILD   ?= build
CC      ?= cc
PKGS    := libnl-3.0 libnl-route-3.0 libiptc libnetfilter_queue libcurl jansson yaml-0.1 \
           sqlite3 libmicrohttpd openssl
WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter
CFLAGS  ?= -O2 -g
FL_CFLAGS := -std=gnu11 $(WARN) -I. -D_GNU_SOURCE -DFL_VERSION='"$(VERSION)"' \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

ifneq ($(SANITIZE),)
FL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS   += -fsanitize=$(SANITIZE)
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

srcs_in = $(shell find $(1) -name '*.c' 2>/dev/null | sort)
COMMON_SRC  := $(call srcs_in,common)
ORCH_SRC    := $(filter-out orchestrator/main.c,$(call srcs_in,orchestrator))
AGENT_SRC   := $(filter-out agents/main.c,$(call srcs_in,agents))
LABNODE_SRC := $(filter-out images/labnode/main.c,$(call srcs_in,images/labnode))
TEST_UTIL   := $(wildcard tests/util_*.c)
UNIT_SRC    := $(wildcard tests/unit/check_*.c) $(wildcard tests/unit/fake_*.c) $(TEST_UTIL)
INTEG_SRC   := $(wildcard tests/integ/check_*.c) $(wildcard tests/integ/util_*.c) $(TEST_UTIL)
PRIV_SRC    := $(wildcard tests/priv/check_*.c) $(wildcard tests/priv/util_*.c) $(TEST_UTIL)
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)
BENCH_SRC   := $(wildcard tests/bench/bench_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_COMMON  := $(BUILD)/libflcommon.a
LIB_ORCH    := $(BUILD)/libflorch.a
LIB_AGENT   := $(BUILD)/libflagent.a
LIB_LABNODE := $(BUILD)/liblabnode.a
ALL_LIBS    := $(LIB_ORCH) $(LIB_AGENT) $(LIB_LABNODE) $(LIB_COMMON)
BINS := $(BUILD)/faultlab $(BUILD)/faultlab-agent $(BUILD)/labnode

# `make` alone builds the programs (FORCE, below, would otherwise be the first target).
.DEFAULT_GOAL := all
FORCE:
.PHONY: all check check-unit check-integ check-priv soak bench fuzz fuzz-smoke format format-check \
        clean setup demo image-labnode image-jswaku install uninstall
all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(FL_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

define archive
$(1): $(call obj,$(2))
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  AR      $$@")
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(eval $(call archive,$(LIB_COMMON),$(COMMON_SRC)))
$(eval $(call archive,$(LIB_ORCH),$(ORCH_SRC)))
$(eval $(call archive,$(LIB_AGENT),$(AGENT_SRC)))
$(eval $(call archive,$(LIB_LABNODE),$(LABNODE_SRC)))

# Check's START_TEST makes functions without prototypes; the suites are declared by the runner.
$(BUILD)/obj/tests/%.o: FL_CFLAGS += -Wno-missing-prototypes

link = @$(if $(Q),echo "  LD      $@")
$(BUILD)/faultlab: $(call obj,orchestrator/main.c) $(LIB_ORCH) $(LIB_COMMON)
	$(link)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/faultlab-agent: $(call obj,agents/main.c) $(LIB_AGENT) $(LIB_COMMON)
	$(link)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/labnode: $(call obj,images/labnode/main.c) $(LIB_LABNODE) $(LIB_COMMON)
	$(link)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# --- tests -------------------------------------------------------------------------------
# A runner per folder, its suite list generated from the file names.
define runner
# Regenerated on every make but rewritten only when the list changed (a removed or moved
# check_*.c must leave the list too).
$(BUILD)/gen/$(1)_suites.h: FORCE
	@mkdir -p $$(dir $$@)
	$$(Q)for f in $(sort $(wildcard tests/$(1)/check_*.c)); do n=$$$${f##*/check_}; \
		echo "SUITE($$$${n%.c})"; done > $$@.tmp && \
		{ cmp -s $$@.tmp $$@ && rm -f $$@.tmp || mv $$@.tmp $$@; }
$(BUILD)/obj/tests/$(1)/runner.o: tests/runner.c $(BUILD)/gen/$(1)_suites.h
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(FL_CFLAGS) $$(CFLAGS) -I$(BUILD)/gen -DSUITES_H='"$(1)_suites.h"' \
		-DRUNNER_NAME='"$(1)"' $(3) -MMD -MP -c $$< -o $$@
$(BUILD)/check_$(1): $(BUILD)/obj/tests/$(1)/runner.o $(call obj,$(2)) $(ALL_LIBS)
	$$(link)
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(CHECK_LIBS) $$(LDLIBS)
endef
$(eval $(call runner,unit,$(UNIT_SRC),))
$(eval $(call runner,integ,$(INTEG_SRC),))
$(eval $(call runner,priv,$(PRIV_SRC),-DRUNNER_NEEDS_ROOT=1))

setup:
	$(Q)tools/setup

check: setup
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/check_unit $(BUILD)/check_integ $(BUILD)/check_priv
	$(Q)rc=0; for t in check-unit check-integ check-priv; do \
		$(MAKE) --no-print-directory $$t || rc=1; done; exit $$rc
check-unit: $(BUILD)/check_unit
	$(Q)$(BUILD)/check_unit
check-integ: $(BUILD)/check_integ $(BINS)
	$(Q)$(BUILD)/check_integ
check-priv: $(BUILD)/check_priv $(BINS)
	$(Q)$(BUILD)/check_priv

# The reliability suite (tests/priv/check_reliability_runs.c) with many kill -9 trials of
# faultlab at random moments: `make soak` (SOAK_TRIALS=25 by default; root).
SOAK_TRIALS ?= 25
soak: $(BUILD)/check_priv $(BINS)
	$(Q)FL_RELIABILITY_TRIALS=$(SOAK_TRIALS) CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-4} \
		CK_RUN_SUITE=reliability_runs $(BUILD)/check_priv

demo: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo

# --- benchmarks ----------------------------------------------------------------------------
$(BUILD)/bench/%: tests/bench/%.c $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(link)
	$(Q)$(CC) $(FL_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# Each benchmark prints its own figures; scripts (tests/bench/*.sh) may use the binaries.
bench: $(BINS) $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
	$(Q)for b in $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC)) $(wildcard tests/bench/*.sh); do \
		echo "== $$b"; $$b || exit 1; done

# --- fuzzing (clang libFuzzer + ASan/UBSan; its own object tree) -----------------------------
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
fuzz:
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang CFLAGS="-O1 -g $(FUZZ_FLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" fuzz-bins
fuzz-bins: $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(FUZZ_SRC))
$(BUILD)/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(ALL_LIBS)
	$(link)
	$(Q)$(CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
FUZZ_SECONDS ?= 20
fuzz-smoke: fuzz
	$(Q)for f in $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRC)); do \
		mkdir -p $(FUZZ_BUILD)/corpus-$$f; \
		echo "== $$f for $(FUZZ_SECONDS)s"; \
		$(FUZZ_BUILD)/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			$(FUZZ_BUILD)/corpus-$$f $$(ls -d tests/fuzz/corpus/$$f 2>/dev/null) || exit 1; \
	done

# --- docker image of labnode (no registry: FROM scratch with the binary and its libraries) --
image-labnode: $(BUILD)/labnode
	$(Q)tools/image-labnode $(BUILD)/labnode
# jswaku: the host's node binary and libraries + images/jswaku with its node_modules
image-jswaku: setup
	$(Q)tools/image-jswaku

# --- install (PREFIX=/usr/local, DESTDIR= for packaging) -----------------------------------
# faultlab finds faultlab-agent, labnode and the image scripts (faultlab-image-*) next to
# itself, so they all go to $(PREFIX)/bin.
PREFIX  ?= /usr/local
BINDIR  := $(DESTDIR)$(PREFIX)/bin
MANDIR  := $(DESTDIR)$(PREFIX)/share/man
DOCDIR  := $(DESTDIR)$(PREFIX)/share/doc/faultlab
COMPDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
install: $(BINS)
	$(Q)install -d $(BINDIR) $(MANDIR)/man1 $(MANDIR)/man5 $(DOCDIR) $(COMPDIR)
	$(Q)install -m 0755 $(BINS) $(BINDIR)/
	$(Q)install -m 0755 tools/image-labnode $(BINDIR)/faultlab-image-labnode
	$(Q)install -m 0644 docs/faultlab.1 $(MANDIR)/man1/
	$(Q)install -m 0644 docs/faultlab-scenario.5 $(MANDIR)/man5/
	$(Q)$(if $(wildcard docs/*.md),install -m 0644 $(wildcard docs/*.md) $(DOCDIR)/,:)
	$(Q)install -m 0644 tools/completion/faultlab.bash $(COMPDIR)/faultlab
uninstall:
	$(Q)rm -f $(addprefix $(BINDIR)/,faultlab faultlab-agent labnode faultlab-image-labnode) \
		$(MANDIR)/man1/faultlab.1 $(MANDIR)/man5/faultlab-scenario.5 $(COMPDIR)/faultlab
	$(Q)rm -rf $(DOCDIR)

# --- style -----------------------------------------------------------------------------------
FORMAT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	$(Q)clang-format -i $(FORMAT_SRC)
format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRC)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
