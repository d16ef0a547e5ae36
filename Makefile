# The eventfd course. `make` builds every lesson in demos/ into build/;
# `make tour` runs them in order; `make test` runs the Bats suite.
# CC, CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS may be overridden on the command line.

CFLAGS   ?= -std=c11 -Wall -Wextra -Wpedantic -Werror -O2 -g
CPPFLAGS += -D_GNU_SOURCE -Icommon
LDLIBS   += -pthread

BUILD   := build
LESSONS := $(patsubst demos/%.c,$(BUILD)/%,$(sort $(wildcard demos/[0-9][0-9]-*.c)))
HELPERS := $(patsubst demos/helpers/%.c,$(BUILD)/helpers/%,$(wildcard demos/helpers/*.c))
COMMON  := $(BUILD)/course.o

.PHONY: all clean test test-all tour bench bench-suite check test-kernel
all: $(LESSONS) $(HELPERS)

$(BUILD) $(BUILD)/helpers:
	mkdir -p $@

$(BUILD)/course.o: common/course.c common/course.h | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/%: demos/%.c $(COMMON) common/course.h | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(COMMON) $(LDLIBS)

$(BUILD)/helpers/%: demos/helpers/%.c $(COMMON) common/course.h | $(BUILD)/helpers
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(COMMON) $(LDLIBS)

# PAUSE=1 stops at every checkpoint and waits for Enter.
tour: all
	scripts/tour $(if $(filter 1 yes,$(PAUSE)),--pause)

# The Bats suite on this kernel: seconds. JUNIT=report.xml also writes a JUnit report.
test:
	scripts/prove/run-tests

# The whole test suite, as CI runs it: `make test`, `scripts/prove/check --fast` and
# `make test-kernel`, with one total line at the end.
test-all: all
	scripts/prove/test-all

# Figures, never pass/fail: lesson 18's wakeup costs.
bench: all
	scripts/bench

# Figures, never pass/fail: what `make test` costs next to Bats's own floor.
bench-suite: all
	bench/suite-time

# Sanitizers, descriptor hygiene, fault injection, load and bad input.
check: all
	scripts/prove/check

# The whole suite again on an older packaged kernel under qemu.
test-kernel: all
	scripts/prove/test-kernel

clean:
	rm -rf $(BUILD)
