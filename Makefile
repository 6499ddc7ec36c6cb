# modreg — build, test and run.  See README.md.
#
#   make            build build/modreg
#   make run        install what is missing, build, index + render ./registry and keep watching
#   make test       every test (unit, golden, semver table, system, schema)
#   make asan       the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      the SPEC §10 benchmark

PKGS      := yaml-0.1 libcmark libgvc jansson
BUILD     ?= build
CC        ?= cc
WARN      := -Wall -Wextra -Wpedantic -Wstrict-prototypes -Wshadow -Werror
OPT       ?= -O2 -g
CPPFLAGS  += -D_GNU_SOURCE -Icore -Iwatcher -Igenerator
CFLAGS    += -std=c11 $(WARN) $(OPT) $(SAN) -MMD -MP
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
GV_PLUGIN_DIR := $(shell pkg-config --variable=libdir libgvc 2>/dev/null)/graphviz
LDLIBS    += $(PKG_LIBS) -linotifytools \
             -L$(GV_PLUGIN_DIR) -Wl,-rpath,$(GV_PLUGIN_DIR) \
             -lgvplugin_dot_layout -lgvplugin_neato_layout -lgvplugin_core -lm -lpthread
LDFLAGS   += $(SAN)

CORE_SRC  := $(sort $(wildcard core/*.c))
WATCH_SRC := $(sort $(wildcard watcher/*.c))
GEN_SRC   := $(sort $(wildcard generator/*.c))
CLI_SRC   := $(sort $(wildcard cli/*.c))
UNIT_SRC  := $(sort $(wildcard tests/unit/*.c))

LIB_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRC) $(WATCH_SRC) $(GEN_SRC))
CLI_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))
UNIT_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRC))

.PHONY: all setup deps test-setup run test check unit golden semver-oracle asan tsan valgrind \
        bench fuzz format clean golden-update
all: $(BUILD)/modreg

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libmodreg.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/modreg: $(CLI_OBJ) $(BUILD)/libmodreg.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libmodreg.a $(LDLIBS)

$(BUILD)/unit-tests: $(UNIT_OBJ) $(BUILD)/libmodreg.a
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(BUILD)/libmodreg.a $(LDLIBS) $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

$(BUILD)/tests/unit/%.o: PKG_CFLAGS += $(shell pkg-config --cflags criterion 2>/dev/null)

# ---- set-up: Debian packages and the pinned npm test dependencies ----
setup deps:
	@sh tests/setup.sh

test-setup:
	@sh tests/setup.sh --all

# ---- the main job ----
run: setup all
	./$(BUILD)/modreg watch --registry registry --out site --stats stats

# ---- tests ----
# make test: everything, on a fresh machine too: set-up, the suite, then the suite again
# under AddressSanitizer + UndefinedBehaviorSanitizer.
test: test-setup
	$(MAKE) check
	$(MAKE) asan
	$(MAKE) tsan

check: all $(BUILD)/unit-tests
	sh tests/run-all.sh $(BUILD)

unit: all $(BUILD)/unit-tests
	./$(BUILD)/unit-tests -j2

TABLE ?= tests/data/semver/node-semver-oracle.tsv
semver-oracle: all
	./$(BUILD)/modreg __semver-oracle $(TABLE)

golden: all
	sh tests/golden/run.sh $(BUILD)/modreg

golden-update: all
	UPDATE=1 sh tests/golden/run.sh $(BUILD)/modreg

asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" check

# ThreadSanitizer over what runs in threads: the parallel load, the analysis, the writer of
# api files, the daemon (Criterion's unit-test runner cannot start under it)
tsan:
	$(MAKE) BUILD=build-tsan OPT="-O1 -g" SAN="-fsanitize=thread" LDFLAGS="-fsanitize=thread" build-tsan/modreg
	TSAN_OPTIONS=halt_on_error=1 sh tests/tsan.sh build-tsan/modreg

valgrind: all $(BUILD)/unit-tests
	valgrind --error-exitcode=1 --leak-check=full -q ./$(BUILD)/modreg validate --registry registry

bench: all
	sh bench/run.sh $(BUILD)

# libFuzzer over the manifest loader and validator (clang); output in build/fuzz/
FUZZ_SECONDS ?= 60
fuzz:
	sh tests/fuzz/run.sh $(FUZZ_SECONDS)

format:
	clang-format -i core/*.[ch] watcher/*.[ch] generator/*.[ch] cli/*.[ch] tests/unit/*.c

clean:
	rm -rf build build-asan tests/out

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
