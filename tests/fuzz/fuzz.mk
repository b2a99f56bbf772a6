# Fuzzing, included by the Makefile. clang libFuzzer harnesses (tests/fuzz/fuzz_*.c) over the
# core and the console's file parsers, compiled with ASan+UBSan in their own tree
# ($(FUZZ_BUILD)) with their own libklaxon.a and ui/ objects.
#   make fuzz       each harness FUZZ_SECONDS (30) s
#   make fuzz-ci    each harness 10 s; part of `make test`, skipped with a message when
#                   clang's libFuzzer is not installed
#   make fuzz-soak  each harness FUZZ_SOAK_SECONDS (300) s, two at a time (part of `make soak`)
FUZZ_CC           ?= clang
FUZZ_BUILD        := build-fuzz
FUZZ_SECONDS      ?= 30
FUZZ_SOAK_SECONDS ?= 300
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_HELP  := tests/fuzz/fuzz_store.c
FUZZ_SRC   := $(filter-out $(FUZZ_HELP),$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRC))

.PHONY: fuzz fuzz-ci fuzz-soak fuzz-build fuzz-check

# Harness binaries (made by the sub-make below, where BUILD is $(FUZZ_BUILD)).
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(call obj,$(FUZZ_HELP)) $(CORE_LIB)
	@echo "  LD $@"
	@$(CC) $(CFLAGS) -Werror -fsanitize=fuzzer $(call pc,$(PKGS)) $^ -o $@ $(call pl,$(PKGS))

# The console's theme and keys-file parsers: the ui/ toolkit, the compiled-in themes and keys,
# and curses (for its constants; no terminal is opened), without the core.
$(BUILD)/fuzz_theme $(BUILD)/fuzz_keymap: $(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c \
		$(call obj,$(UI_TOOLKIT)) $(GEN_SRC:.c=.o)
	@echo "  LD $@"
	@$(CC) $(CFLAGS) -Werror -fsanitize=fuzzer $(call pc,$(PKGS_CLI)) $^ -o $@ $(call pl,ncursesw)

# Does this clang link libFuzzer (libclang-rt-14-dev)?
fuzz-check:
	@printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' \
		> /tmp/klaxon-fuzz-check.$$$$.c; \
	if $(FUZZ_CC) -fsanitize=fuzzer /tmp/klaxon-fuzz-check.$$$$.c -o /tmp/klaxon-fuzz-check.$$$$ \
		>/dev/null 2>&1; then rm -f /tmp/klaxon-fuzz-check.$$$$*; else rm -f /tmp/klaxon-fuzz-check.$$$$*; \
		echo "fuzz: $(FUZZ_CC) -fsanitize=fuzzer does not link (install clang and libclang-rt-14-dev)"; exit 1; fi

fuzz-build: fuzz-check
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
		WARN="-Wall -Wextra -Wno-missing-field-initializers" \
		OPT="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" LDFLAGS="$(FUZZ_SAN)" $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/run.sh $(FUZZ_SECONDS)

fuzz-ci:
	@if $(MAKE) --no-print-directory -s fuzz-check >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory fuzz-build && \
		FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_JOBS=2 tests/fuzz/run.sh 10; \
	else echo "fuzz-ci: skipped: clang's libFuzzer is not available (scripts/deps installs it)"; fi

fuzz-soak: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_JOBS=2 tests/fuzz/run.sh $(FUZZ_SOAK_SECONDS)
