#!/usr/bin/env bats
# Lesson 07: the counter moves as exactly 8 bytes; the table is this kernel's answer.
load helper

# Asserts one table row: CALL BYTES VALUE RESULT ERRNO COUNT (hex, no 0x).
assert_row() {
    local bytes=${2//+/\\+} decimal=$((16#$6))
    assert_line --regexp "^parent [0-9]+: $1 +$bytes +$3 +$4 +$5 +0x$6 \\($decimal\\)\$"
}

@test "a read needs 8 bytes: a 4-byte buffer is EINVAL, 8 and 16-byte buffers both get 8 bytes" {
    run_lesson 07-eight-bytes
    assert_success
    # The reads start from what the writes left: 7, or 7 + 7 before Linux 6.9.
    if kernel_at_least 6 9; then count=7; else count=e; fi
    assert_row read 4 - -1 EINVAL "$count"
    assert_row read 8 "0x$count" 8 - 0
    assert_row read 16 0x7 8 - 0
}

@test "a 4-byte write is EINVAL; an 8-byte write returns 8 and adds its value" {
    run_lesson 07-eight-bytes 0x10
    assert_success
    assert_row write 4 0x10 -1 EINVAL 0
    assert_row write 8 0x10 8 - 10
}

@test "a 16-byte write is EINVAL since Linux 6.9; before, it returned 8 and added the first 8 bytes" {
    start_paused 07-eight-bytes
    next_checkpoint created
    assert_count 0
    resume
    next_checkpoint writes-measured
    if kernel_at_least 6 9; then
        assert_count 7
    else
        assert_count e
    fi
    resume
    finish_lesson
    assert_success
    if kernel_at_least 6 9; then
        assert_row write 16 0x7 -1 EINVAL 7
        assert_line --regexp '^parent [0-9]+: this kernel refused a 16-byte write: writes must be exactly 8 bytes'
    else
        assert_row write 16 0x7 8 - e
        assert_line --regexp '^parent [0-9]+: this kernel accepted a 16-byte write: it counted the first 8 bytes'
    fi
}

@test "writing 0 returns 8 and writing 0xffffffffffffffff is EINVAL: neither changes the count" {
    run_lesson 07-eight-bytes 5
    assert_success
    if kernel_at_least 6 9; then count=5; else count=a; fi
    assert_row write 8 0x0 8 - "$count"
    assert_row write 8 0xffffffffffffffff -1 EINVAL "$count"
}

@test "writev of 8 bytes split 4+4 is EINVAL on every kernel: each piece is a separate write" {
    run_lesson 07-eight-bytes
    assert_success
    if kernel_at_least 6 9; then count=7; else count=e; fi
    assert_row writev 4+4 0x7 -1 EINVAL "$count"
}

@test "readv into 4+4 bytes returns the whole count since Linux 5.8; before, it was EINVAL" {
    start_paused 07-eight-bytes 0x1122334455667788
    pass_checkpoints created writes-measured
    next_checkpoint reads-measured
    if kernel_at_least 5 8; then
        assert_count 0
    else
        assert_count 1122334455667788
    fi
    resume
    finish_lesson
    assert_success
    if kernel_at_least 5 8; then
        assert_row readv 4+4 0x1122334455667788 8 - 0
        assert_line --regexp '^parent [0-9]+: this kernel completed a readv into 4\+4 bytes'
    else
        assert_row readv 4+4 - -1 EINVAL 1122334455667788
        assert_line --regexp '^parent [0-9]+: this kernel refused a readv into 4\+4 bytes'
    fi
}

@test "a 4-byte read of a blocking eventfd at count 0 fails at once with EINVAL instead of sleeping" {
    start_paused 07-eight-bytes
    pass_checkpoints created writes-measured reads-measured
    next_checkpoint short-read-refused          # reached: the read returned
    flags=$(fdinfo "$CP_PID" "$CP_FD" flags)
    assert_equal $(( 8#$flags & 8#4000 )) 0     # a blocking eventfd
    assert_count 0
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: created a blocking eventfd fd [0-9]+ at count 0'
    assert_row read 4 - -1 EINVAL 0
    assert_line --regexp '^parent [0-9]+: the 4-byte read failed at once with EINVAL: the size is checked before the count, so it did not sleep$'
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 07-eight-bytes --bogus 0 0x8000000000000000 abc -1 "1 2"
}
