#!/usr/bin/env bats
# Lesson 01: create, write one 8-byte value, read it back.
load helper

@test "the count goes 0, then the written value, then 0 again after the read" {
    start_paused 01-first-eventfd
    next_checkpoint created
    assert_count 0
    resume
    next_checkpoint written
    assert_count 1020304050607080
    resume
    next_checkpoint read
    assert_count 0
    resume
    finish_lesson
    assert_success
    assert_line "wrote 8 bytes: 0x1020304050607080 (1161981756646125696)"
    assert_line "read 8 bytes: 0x1020304050607080 (1161981756646125696)"
}

@test "the descriptor is the anonymous inode [eventfd], opened read-write" {
    start_paused 01-first-eventfd
    next_checkpoint created
    assert_equal "$(readlink "/proc/$CP_PID/fd/$CP_FD")" "anon_inode:[eventfd]"
    flags=$(fdinfo "$CP_PID" "$CP_FD" flags)
    assert_equal $(( 8#$flags & 3 )) 2          # O_ACCMODE is O_RDWR
    assert_equal $(( 8#$flags & 8#4000 )) 0     # no O_NONBLOCK
    resume
    finish_lesson
    assert_success
}

@test "the value given on the command line is the value read back" {
    run_lesson 01-first-eventfd 0xfffffffffffffffe
    assert_success
    assert_line "read 8 bytes: 0xfffffffffffffffe (18446744073709551614)"
    run_lesson 01-first-eventfd 28
    assert_success
    assert_line "read 8 bytes: 0x1c (28)"
}

@test "the lesson prints the kernel's count in hex and decimal at each step" {
    run_lesson 01-first-eventfd 28
    assert_success
    assert_line --regexp '^  /proc/[0-9]+/fdinfo/3: eventfd-count 0x1c \(28\)'
    assert_line --regexp '^  /proc/[0-9]+/fdinfo/3: eventfd-count 0x0 \(0\)'
}

@test "fdinfo's count is hexadecimal: 0xdeadbeef shows as deadbeef, not 3735928559" {
    start_paused 01-first-eventfd
    pass_checkpoints created written read
    next_checkpoint hex-written
    assert_count deadbeef
    resume
    finish_lesson
    assert_success
    assert_line "wrote 8 bytes: 0xdeadbeef (3735928559): with letters, fdinfo's count is plainly hex"
    assert_line "read 8 bytes: 0xdeadbeef (3735928559)"
    assert_line --regexp '^  /proc/[0-9]+/fdinfo/3: eventfd-count 0xdeadbeef \(3735928559\)'
}

@test "fdinfo shows an eventfd-id (Linux 5.2+)" {
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    start_paused 01-first-eventfd
    next_checkpoint created
    run fdinfo "$CP_PID" "$CP_FD" eventfd-id
    assert_success
    assert_output --regexp '^[0-9]+$'
    resume
    finish_lesson
}

# bats test_tags=kernel-independent
@test "--help prints the usage and exits 0" {
    run_lesson 01-first-eventfd --help
    assert_success
    assert_line --index 0 "usage: 01-first-eventfd [--pause] [VALUE]"
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 01-first-eventfd --bogus 0 18446744073709551615 18446744073709551616 \
        0x abc -1 "" "1 2"
}
