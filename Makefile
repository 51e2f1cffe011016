# armistice - GNU make build. See docs/architecture.md for why make.
#
#   make                      build build/armistice and build/libarmistice.a
#   make check                unit, golden-vector, CLI and HTTP tests
#   make DEVELOPER=1          adds -Werror
#   make SANITIZE=address,undefined BUILD=build-san check
#   make CC=clang             works too
#   make fuzz                 short smoke run of every fuzz target (clang)
#   make fuzz-long            every fuzz target for 10 minutes (docs/fuzzing.md)
#   make bench                the benchmark table (docs/performance.md)
#   make demo                 the worked example, examples/korea-2018
#   make demo EXAMPLE=korea-1953  the 1953 armistice, examples/korea-1953
#   make install PREFIX=/usr/local DESTDIR=
#                             the binary, man pages, bash completion, the
#                             worked example, and libarmistice (static and
#                             shared) with its headers and armistice.pc
#   make deb                  a Debian package, build/armistice_<v>_<arch>.deb

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DATADIR ?= $(PREFIX)/share/armistice
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
BUILD ?= build
CC ?= cc
PKG_CONFIG ?= pkg-config
FUZZ_SECONDS ?= 15
FUZZ_RUNS ?=
FUZZ_RANDOM_SECONDS ?=
FUZZ_JOBS ?= 1
FUZZ_SEED ?=
FUZZ_LONG_SECONDS ?= 600

PKGS := libsodium sqlite3 libcrypto libfyaml libmicrohttpd libcurl libpq
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
GEOS_CFLAGS := $(shell geos-config --cflags 2>/dev/null)
GEOS_LIBS := $(shell geos-config --clibs 2>/dev/null)

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wvla -Wformat=2 -Wno-format-nonliteral -Wpointer-arith -Wundef
ifdef DEVELOPER
WARN += -Werror
endif
ifdef SANITIZE
SAN := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude -Isrc $(WARN) $(CFLAGS) $(SAN) \
	$(PKG_CFLAGS) $(GEOS_CFLAGS) -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SAN)
LIBS := $(PKG_LIBS) $(GEOS_LIBS) -lpthread -lm

LIB_SRC := $(sort $(wildcard src/lib/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c src/server/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

# The dashboard: web/ bundled by esbuild (web/build.mjs) into $(BUILD)/web.
WEB_SRC := $(sort $(wildcard web/*.html web/*.css web/*.mjs web/src/*.js)) package-lock.json
WEB_FILES := $(BUILD)/web/app.css $(BUILD)/web/app.js $(BUILD)/web/index.html
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/web_assets.o
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(BUILD)-fuzz/%)

LIBA := $(BUILD)/libarmistice.a
BIN := $(BUILD)/armistice

# libarmistice for other programs (docs/library.md): a shared library with
# a soname, from position-independent objects of their own, and the
# headers of include/armistice but the house's own rules (common.h,
# banned.h, which would poison a user's strcpy).
VERSION := $(shell sed -n 's/^\#define ARMISTICE_VERSION "\(.*\)"$$/\1/p' src/cli/main.c)
SOMAJOR := 0
LIBSO := $(BUILD)/libarmistice.so.$(VERSION)
PIC_OBJ := $(LIB_SRC:%.c=$(BUILD)/pic/%.o)
# What libarmistice itself links (not libmicrohttpd: the server is not in it).
LIB_PRIVATE_LIBS := $(strip $(shell $(PKG_CONFIG) --libs libsodium sqlite3 libcrypto libfyaml libcurl libpq 2>/dev/null) $(GEOS_LIBS) -lpthread -lm)
PUBLIC_H := $(filter-out include/armistice/banned.h include/armistice/common.h,$(sort $(wildcard include/armistice/*.h)))

.SECONDARY:
.PHONY: all check test bench fuzz fuzz-long demo install clean setup format format-check tests-bin deb shared completion
all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# npm packages pinned by package-lock.json (scripts/setup.sh runs npm ci too).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(BUILD)/web/.stamp: $(WEB_SRC) node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	node web/build.mjs $(BUILD)/web
	@touch $@

# The dashboard is compiled into the binary (scripts/embed-web.sh).
$(BUILD)/gen/web_assets.c: $(BUILD)/web/.stamp scripts/embed-web.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-web.sh $@ $(WEB_FILES)

$(BUILD)/gen/web_assets.o: $(BUILD)/gen/web_assets.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -c $< -o $@

$(LIBSO): $(PIC_OBJ)
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,libarmistice.so.$(SOMAJOR) -Wl,--as-needed \
		-o $@ $(PIC_OBJ) $(LIBS)

# armistice.pc with the paths of this install (written at install time,
# so that another PREFIX never finds a stale one).
PC_SED := -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	-e 's|@VERSION@|$(VERSION)|' -e 's|@PRIVATE_LIBS@|$(LIB_PRIVATE_LIBS)|'

shared: $(LIBSO)

# contrib/bash-completion/armistice from every command's --help; t0965 checks it is current.
completion: $(BIN)
	sh scripts/gen-completion.sh $(BIN) >contrib/bash-completion/armistice

$(BIN): $(CLI_OBJ) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIBA) $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(LIBS)

# test_alloc_fail fails the Nth allocation libarmistice makes: the linker
# sends the library's (and the test's) calls to these functions to the
# test's __wrap_ versions; shared libraries keep the real ones.
$(BUILD)/tests/test_alloc_fail: ALL_LDFLAGS += \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup,--wrap=free

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(LIBS)

tests-bin: $(BIN) $(TEST_BIN)

check test: tests-bin
	BUILD=$(BUILD) sh tests/run.sh

bench: $(BIN) $(BENCH_BIN)
	BUILD=$(BUILD) sh bench/run.sh

# Fuzz targets are built with clang's libFuzzer, ASan and UBSan, whatever CC
# is, in their own build directory.
# The library is compiled once with coverage instrumentation
# (fuzzer-no-link) into its own archive; each target links against it.
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude -Isrc -g -O1 $(FUZZ_SAN) \
	$(PKG_CFLAGS) $(GEOS_CFLAGS)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)-fuzz/%.o)
FUZZ_LIBA := $(BUILD)-fuzz/libarmistice-fuzz.a

$(BUILD)-fuzz/src/lib/%.o: src/lib/%.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_LIBA): $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# The commands (all but main.c) in an archive of their own, so that
# fuzz_serve can run the real `serve` in-process; other targets pull
# nothing from it.
FUZZ_CLI_OBJ := $(filter-out $(BUILD)-fuzz/src/cli/main.o,$(CLI_SRC:%.c=$(BUILD)-fuzz/%.o)) \
	$(BUILD)-fuzz/gen/web_assets.o
FUZZ_CLIA := $(BUILD)-fuzz/libarmistice-fuzz-cli.a

$(BUILD)-fuzz/src/cli/%.o: src/cli/%.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(BUILD)-fuzz/src/server/%.o: src/server/%.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(BUILD)-fuzz/gen/web_assets.o: $(BUILD)/gen/web_assets.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_CLIA): $(FUZZ_CLI_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)-fuzz/%: fuzz/%.c $(FUZZ_CLIA) $(FUZZ_LIBA)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_CLIA) $(FUZZ_LIBA) $(PKG_LIBS) $(GEOS_LIBS) -lpthread -lm

# FUZZ_TARGETS=fuzz_geo (names or paths) picks targets; fuzz/run.sh says
# what FUZZ_RUNS, FUZZ_RANDOM_SECONDS, FUZZ_SEED and FUZZ_JOBS do.
FUZZ_TARGETS ?= $(FUZZ_BIN)
FUZZ_PICK = $(foreach t,$(FUZZ_TARGETS),$(BUILD)-fuzz/$(notdir $(t)))

fuzz: $(FUZZ_BIN)
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) \
	FUZZ_RANDOM_SECONDS=$(FUZZ_RANDOM_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_SEED=$(FUZZ_SEED) \
	sh fuzz/run.sh $(FUZZ_PICK)

# Every target explores for FUZZ_LONG_SECONDS from a random seed, two at a
# time; one line per target goes to $(BUILD)-fuzz/long-stats.txt and the
# grown corpora to $(BUILD)-fuzz/corpus-long/ (docs/fuzzing.md).
fuzz-long: $(FUZZ_BIN)
	FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) FUZZ_RANDOM_SECONDS=$(FUZZ_LONG_SECONDS) \
	FUZZ_RUNS= FUZZ_JOBS=2 FUZZ_STATS=$(CURDIR)/$(BUILD)-fuzz/long-stats.txt \
	FUZZ_KEEP=$(CURDIR)/$(BUILD)-fuzz/corpus-long sh fuzz/run.sh $(FUZZ_PICK)

# EXAMPLE names a directory of examples/ that has a demo.sh.
EXAMPLE ?= korea-2018
demo: $(BIN)
	@test -f examples/$(EXAMPLE)/demo.sh || { echo "make demo: no examples/$(EXAMPLE)/demo.sh" >&2; exit 2; }
	BUILD=$(BUILD) sh examples/$(EXAMPLE)/demo.sh

install: $(BIN) $(LIBA) $(LIBSO)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/armistice $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(COMPLETIONDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/armistice
	for m in man/*.1; do [ -f "$$m" ] && install -m 0644 "$$m" $(DESTDIR)$(MANDIR)/man1/; done; true
	for m in man/*.5; do [ -f "$$m" ] && install -m 0644 "$$m" $(DESTDIR)$(MANDIR)/man5/; done; true
	install -m 0644 contrib/bash-completion/armistice $(DESTDIR)$(COMPLETIONDIR)/armistice
	install -m 0644 $(LIBA) $(DESTDIR)$(LIBDIR)/libarmistice.a
	install -m 0755 $(LIBSO) $(DESTDIR)$(LIBDIR)/libarmistice.so.$(VERSION)
	ln -sf libarmistice.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libarmistice.so.$(SOMAJOR)
	ln -sf libarmistice.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/libarmistice.so
	install -m 0644 $(PUBLIC_H) $(DESTDIR)$(INCLUDEDIR)/armistice/
	sed $(PC_SED) contrib/armistice.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/armistice.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/armistice.pc
	DESTROOT=$(DESTDIR)$(DATADIR)/examples sh scripts/install-examples.sh

deb: $(BIN)
	BUILD=$(BUILD) sh scripts/mkdeb.sh

setup:
	sh scripts/setup.sh

# Every C file git tracks, in the house style (.clang-format); CI runs format-check.
format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	sh scripts/check-format.sh

clean:
	rm -rf build build-* 

-include $(LIB_OBJ:.o=.d) $(PIC_OBJ:.o=.d) $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_CLI_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%.d)
