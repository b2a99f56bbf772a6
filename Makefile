# klaxon — build, run, test. `make` leaves ./klaxon and ./klaxond at the root.
# Dependencies are Debian packages found with pkg-config; scripts/deps installs what is missing.

CC       ?= cc
PKGS     := sqlite3 libsodium libcjson
PKGS_CLI := $(PKGS) ncursesw libcurl
PKGS_SRV := $(PKGS) libmicrohttpd
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers
OPT      ?= -O2 -g
CFLAGS   += $(CSTD) $(WARN) $(OPT) -pthread -Isrc -Iclient
PREFIX   ?= /usr/local
BUILD    ?= build

pc = $(shell pkg-config --cflags $(1) 2>/dev/null)
pl = $(shell pkg-config --libs $(1) 2>/dev/null)

CORE_SRC   := $(wildcard src/*.c)
CLIENT_SRC := $(wildcard client/*.c)
CLI_SRC    := $(wildcard cli/*.c)
UI_SRC     := $(wildcard ui/*.c) $(wildcard screens/*.c)
SRV_SRC    := $(wildcard server/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_HELP  := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

CORE_LIB := $(BUILD)/libklaxon.a
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all run test test-normal test-asan unit cli-tests api-tests deps soak bench fuzz install clean format

KLAXON_BIN  ?= klaxon
KLAXOND_BIN ?= klaxond

all: $(KLAXON_BIN) $(if $(SRV_SRC),$(KLAXOND_BIN))

deps:
	@./scripts/deps

# Each layer compiles with its own dependencies' flags only (ncurses' _XOPEN_SOURCE stays
# out of the core).
$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) $(call pc,$(PKGS)) -MMD -MP -c $< -o $@

$(BUILD)/server/%.o: server/%.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) $(call pc,$(PKGS_SRV)) -MMD -MP -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) $(call pc,$(PKGS) cmocka) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) $(call pc,$(PKGS_CLI)) -MMD -MP -c $< -o $@

$(CORE_LIB): $(call obj,$(CORE_SRC))
	@rm -f $@
	@echo "  AR $@"
	@ar rcs $@ $^

$(KLAXON_BIN): $(call obj,$(CLI_SRC) $(CLIENT_SRC) $(UI_SRC)) $(CORE_LIB)
	@echo "  LD $@"
	@$(CC) $(CFLAGS) $^ -o $@ $(call pl,$(PKGS_CLI)) $(LDFLAGS)

$(KLAXOND_BIN): $(call obj,$(SRV_SRC)) $(CORE_LIB)
	@echo "  LD $@"
	@$(CC) $(CFLAGS) $^ -o $@ $(call pl,$(PKGS_SRV)) $(LDFLAGS)

$(BUILD)/tests/%: tests/unit/%.c $(call obj,$(UNIT_HELP)) $(CORE_LIB)
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) $(call pc,$(PKGS) cmocka) $^ -o $@ $(call pl,$(PKGS) cmocka) $(LDFLAGS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

cli-tests: all
	@set -e; for t in tests/cli/test_*.sh; do echo "== $$t"; \
		KLAXON=$(abspath $(KLAXON_BIN)) KLAXOND=$(abspath $(KLAXOND_BIN)) bash $$t; done

api-tests: all
	@set -e; for t in $(wildcard tests/api/test_*.sh); do echo "== $$t"; \
		KLAXON=$(abspath $(KLAXON_BIN)) KLAXOND=$(abspath $(KLAXOND_BIN)) bash $$t; done

test-normal: all unit cli-tests api-tests

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer, in its own tree
# with its own binaries; any report fails the run.
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
test-asan:
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g $(SAN)" LDFLAGS="$(SAN)" \
		KLAXON_BIN=build-asan/klaxon KLAXOND_BIN=build-asan/klaxond test-normal

test: deps
	@$(MAKE) --no-print-directory test-normal
	@$(MAKE) --no-print-directory test-asan
	@echo "make test: all suites passed"

run: deps all
	@./scripts/demo

soak bench fuzz:
	@echo "make $@: comes with a later issue"

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 klaxon $(DESTDIR)$(PREFIX)/bin/klaxon
	$(if $(SRV_SRC),install -m 0755 klaxond $(DESTDIR)$(PREFIX)/bin/klaxond)

format:
	clang-format -i $(CORE_SRC) $(CLIENT_SRC) $(CLI_SRC) $(SRV_SRC) src/*.h

clean:
	rm -rf build build-asan klaxon klaxond

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
