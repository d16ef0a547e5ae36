# The eventfd course. `make` builds every lesson in demos/ into build/;
# `make tour` runs them in order; `make test` runs the Bats suite.
# CC, CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS may be overridden on the command line.

# -Og -g: gcc's level for the edit-compile-debug cycle: gdb shows the lessons'
# variables and steps them line by line, and they compile in about 60% of the
# time -O2 takes. The benchmark is built with -O2 (its rule adds it), and
# `make check` builds everything once more at -O2 for the optimiser's warnings.
CFLAGS   ?= -std=c11 -Wall -Wextra -Wpedantic -Werror -Og -g
CPPFLAGS += -D_GNU_SOURCE -Icommon
LDLIBS   += -pthread

BUILD   := build
LESSONS := $(patsubst demos/%.c,$(BUILD)/%,$(sort $(wildcard demos/[0-9][0-9]-*.c)))
HELPERS := $(patsubst demos/helpers/%.c,$(BUILD)/helpers/%,$(wildcard demos/helpers/*.c))
COMMON  := $(BUILD)/course.o

.PHONY: all clean test test-all tour bench bench-suite check test-kernel exercise
all: $(LESSONS) $(HELPERS)

$(BUILD) $(BUILD)/helpers:
	mkdir -p $@

$(BUILD)/course.o: common/course.c common/course.h | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/%: demos/%.c $(COMMON) common/course.h | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(COMMON) $(LDLIBS)

$(BUILD)/helpers/%: demos/helpers/%.c $(COMMON) common/course.h | $(BUILD)/helpers
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(COMMON) $(LDLIBS)

# The benchmark (not a lesson): bench/wakeup-cost.c, run by `make bench`.
all: $(BUILD)/bench/wakeup-cost
$(BUILD)/bench:
	mkdir -p $@
$(BUILD)/bench/%: CFLAGS += -O2
$(BUILD)/bench/%: bench/%.c $(COMMON) common/course.h | $(BUILD)/bench
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(COMMON) $(LDLIBS)

# Wrong programs for tests/efd-trace.bats (tests/wrong/*.c): libc only, each with one bug.
WRONG := $(patsubst tests/wrong/%.c,$(BUILD)/tests/wrong/%,$(wildcard tests/wrong/*.c))
all: $(WRONG)
$(BUILD)/tests/wrong:
	mkdir -p $@
$(BUILD)/tests/wrong/%: tests/wrong/%.c | $(BUILD)/tests/wrong
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

# PAUSE=1 stops at every checkpoint and waits for Enter.
tour: all
	scripts/tour $(if $(filter 1 yes,$(PAUSE)),--pause)

# The Bats suite on this kernel: seconds. JUNIT=report.xml also writes a JUnit report.
test:
	scripts/prove/run-tests

# The whole test suite, as CI runs it: `make test`, `scripts/prove/check --fast` and
# `make test-kernel KERNEL=bullseye` (Linux 5.10), with one total line at the end.
test-all: all
	scripts/prove/test-all

# Homework: `make exercise 3` checks exercises/03-*/starter.c by watching it
# run; `make exercise 3 FILE=my.c` checks your own file, RUNS=N runs it N
# times (scripts/check-exercise; N=3 works too). The number after "exercise"
# is a goal of its own to make, so it is made a rule that does nothing.
ifeq ($(firstword $(MAKECMDGOALS)),exercise)
EXERCISE := $(word 2,$(MAKECMDGOALS))
ifneq ($(EXERCISE),)
$(eval $(EXERCISE):;@:)
endif
endif
exercise:
	@scripts/check-exercise $(if $(RUNS),--runs $(RUNS)) $(or $(EXERCISE),$(N)) $(FILE)

# Figures, never pass/fail: what a wake-up costs (bench/run-wakeup-cost), and what
# scripts/efd-trace adds to a run (bench/trace-overhead).
bench: all
	bench/run-wakeup-cost
	bench/trace-overhead

# Figures, never pass/fail: what `make test` costs next to Bats's own floor.
# RUNS=N runs the suite N times and shows the run of median wall time; CLEAN=1
# first runs it once in a fresh clone, its build included.
bench-suite: all
	bench/suite-time $(if $(RUNS),--runs $(RUNS)) $(if $(filter 1 yes,$(CLEAN)),--clean)

# Sanitizers, descriptor hygiene, fault injection, load and bad input.
check: all
	scripts/prove/check

# The whole suite again on an older packaged kernel under qemu
# (KERNEL=bullseye: Debian 11's Linux 5.10).
test-kernel: all
	scripts/prove/test-kernel

# For clangd and other editors: every C file with the flags above (`make
# compile_commands.json`; not built by default, gitignored).
CDB_SOURCES := $(sort $(wildcard demos/*.c demos/helpers/*.c common/*.c bench/*.c))
compile_commands.json: Makefile $(CDB_SOURCES)
	@{ sep='['; for f in $(CDB_SOURCES); do \
	    printf '%s\n  {"directory": "%s", "file": "%s",\n   "command": "%s"}' "$$sep" \
	        "$(CURDIR)" "$$f" "$(CC) $(CPPFLAGS) $(CFLAGS) -c -o /dev/null $$f"; sep=','; \
	done; printf '\n]\n'; } >$@

clean:
	rm -rf $(BUILD)
