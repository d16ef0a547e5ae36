#!/usr/bin/env bats
# Lesson 06: EFD_NONBLOCK turns every would-be wait into EAGAIN.
load helper

# Succeeds when the octal fdinfo "flags:" of PID/FD has O_NONBLOCK (04000).
assert_nonblock_flag() {
    local flags
    flags=$(fdinfo "$1" "$2" flags) || fail "no flags: in /proc/$1/fdinfo/$2"
    (( (8#$flags & 8#4000) != 0 )) || fail "fdinfo flags $flags lack O_NONBLOCK (04000)"
}

@test "EFD_NONBLOCK is O_NONBLOCK: fcntl(F_GETFL) and fdinfo flags both show 04000" {
    start_paused 06-nonblocking
    next_checkpoint created
    assert_nonblock_flag "$CP_PID" "$CP_FD"
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: fcntl\(F_GETFL\) = 0[0-7]*4[0-7]{3}: O_NONBLOCK \(04000\) is set$'
}

@test "a read at count 0 fails at once with EAGAIN and leaves the count at 0" {
    start_paused 06-nonblocking
    next_checkpoint created
    assert_count 0
    resume
    next_checkpoint read-refused
    assert_count 0
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: read\(\) at count 0 failed with EAGAIN instead of blocking$'
}

@test "the child inherits the same open file, so its descriptor is non-blocking too" {
    start_paused 06-nonblocking 42
    next_checkpoint created
    parent=$CP_PID
    resume
    next_checkpoint read-refused
    resume
    next_checkpoint wrote
    [ "$CP_PID" != "$parent" ] || fail "'wrote' should be reached in the child"
    assert_count 2a
    assert_nonblock_flag "$CP_PID" "$CP_FD"
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^child [0-9]+: fcntl\(F_GETFL\) = 0[0-7]*4[0-7]{3}: O_NONBLOCK \(04000\) is set$'
    assert_line --regexp '^parent [0-9]+: read 0x2a \(42\)$'
}

@test "a write that would pass 0xfffffffffffffffe fails with EAGAIN and leaves the count unchanged" {
    start_paused 06-nonblocking
    pass_checkpoints created read-refused wrote child-reaped read
    next_checkpoint full
    assert_count fffffffffffffffe
    resume
    next_checkpoint write-refused
    assert_count fffffffffffffffe
    resume
    next_checkpoint drained
    assert_count 0
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: write\(1\) at the maximum failed with EAGAIN; the count is unchanged$'
    assert_line --regexp '^parent [0-9]+: read 0xfffffffffffffffe \(18446744073709551614\)$'
}

@test "the count goes 0, 0, VALUE, VALUE, 0, max, max, 0 through the lesson" {
    start_paused 06-nonblocking 7
    expected=(0 0 7 7 0 fffffffffffffffe fffffffffffffffe 0)
    names=(created read-refused wrote child-reaped read full write-refused drained)
    for i in "${!names[@]}"; do
        next_checkpoint "${names[$i]}"
        assert_count "${expected[$i]}"
        resume
    done
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: child [0-9]+ exited with status 0$'
}

@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 06-nonblocking --bogus 0 18446744073709551615 abc -1 "1 2"
}
