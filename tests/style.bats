#!/usr/bin/env bats
# The course's C follows its own advice about printf conversions.
# Compiling and comparing text: test-kernel does not run it again on other kernels.
# bats file_tags=kernel-independent
load helper

# Compiles one statement inside main() with the course's warning flags.
compile_statement() {
    printf '#include <inttypes.h>\n#include <stdint.h>\n#include <stdio.h>\nint main(void) { uint64_t v = 28; (void) v; %s return 0; }\n' "$1" \
        >"$BATS_TEST_TMPDIR/t.c"
    ${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only "$BATS_TEST_TMPDIR/t.c"
}

@test "%llX is the wrong conversion for a uint64_t: the compiler refuses it, PRIx64 is right" {
    [ "$(getconf LONG_BIT)" = 64 ] || skip "on a 32-bit ABI uint64_t is unsigned long long and %llX happens to fit"
    run compile_statement 'printf("%llX\n", v);'
    assert_failure
    assert_output --partial "format"
    run compile_statement 'printf("%" PRIx64 " %" PRIu64 "\n", v, v);'
    assert_success
}

@test "%i is the wrong conversion for sizeof: the compiler refuses it, %zu is right" {
    run compile_statement 'printf("%i\n", sizeof v);'
    assert_failure
    run compile_statement 'printf("%zu\n", sizeof v);'
    assert_success
}

@test "no lesson prints with %ll or %i: uint64_t goes through PRIu64/PRIx64, sizes through %zu" {
    run grep -nE '"[^"]*%[-0-9.]*(ll[uxXd]|i)[^"]*"' "$TOP"/demos/*.c "$TOP"/demos/helpers/*.c "$TOP"/common/*.c
    assert_failure
    assert_output ""
}
