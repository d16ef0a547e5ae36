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

@test "every eventfd is O_RDWR: F_GETFL and fdinfo flags say so, and eventfd(0, O_WRONLY) is a read-write semaphore" {
    start_paused 06-nonblocking
    next_checkpoint created
    flags=$(fdinfo "$CP_PID" "$CP_FD" flags)
    assert_equal $(( 8#$flags & 3 )) 2          # O_ACCMODE is O_RDWR
    resume
    pass_checkpoints read-refused wrote child-reaped read full write-refused drained
    next_checkpoint wronly-created
    flags=$(fdinfo "$CP_PID" "$CP_FD" flags)
    assert_equal $(( 8#$flags & 3 )) 2          # O_WRONLY asked, O_RDWR given
    if kernel_at_least 6 5; then
        assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-semaphore)" 1
    fi
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: F_GETFL & O_ACCMODE = 2: O_RDWR \(2\), the access mode of every eventfd$'
    assert_line --regexp '^parent [0-9]+: eventfd\(0, O_WRONLY\) made fd [0-9]+, access mode O_RDWR: O_WRONLY is 1, the value of EFD_SEMAPHORE \(1\)$'
}

@test "flags eventfd does not know are refused with EINVAL: O_RDWR and 1 << 30" {
    run_lesson 06-nonblocking
    assert_success
    assert_line --regexp '^parent [0-9]+: eventfd\(0, O_RDWR\) failed with EINVAL: not an eventfd flag$'
    assert_line --regexp '^parent [0-9]+: eventfd\(0, 1 << 30\) failed with EINVAL: not an eventfd flag$'
}

@test "there is no post-only handle: a child handed the descriptor to post reads it and drains the count" {
    start_paused 06-nonblocking 9
    pass_checkpoints created read-refused wrote child-reaped read full write-refused drained wronly-created
    next_checkpoint posted
    parent=$CP_PID
    assert_count 9
    resume
    next_checkpoint drained-by-child
    [ "$CP_PID" != "$parent" ] || fail "'drained-by-child' should be reached in the child"
    assert_count 0
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^child [0-9]+: I was to post, but my descriptor reads too: I took 0x9 \(9\)$'
    assert_line --regexp '^parent [0-9]+: the child drained it: my read at count 0 failed with EAGAIN$'
}

@test "a non-blocking semaphore read at count 0 fails with EAGAIN" {
    start_paused 06-nonblocking
    pass_checkpoints created read-refused wrote child-reaped read full write-refused drained \
        wronly-created posted drained-by-child
    next_checkpoint semaphore-empty
    assert_count 0
    if kernel_at_least 6 5; then
        assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-semaphore)" 1
    fi
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: semaphore fd [0-9]+ \(EFD_SEMAPHORE \| EFD_NONBLOCK, 1 token\): read returned 1$'
    assert_line --regexp '^parent [0-9]+: semaphore read at count 0 failed with EAGAIN instead of blocking$'
}

@test "preadv2 with RWF_NOWAIT makes one read of a blocking eventfd non-blocking: EAGAIN at count 0 since Linux 5.8" {
    start_paused 06-nonblocking 5
    pass_checkpoints created read-refused wrote child-reaped read full write-refused drained \
        wronly-created posted drained-by-child semaphore-empty
    next_checkpoint nowait-refused
    flags=$(fdinfo "$CP_PID" "$CP_FD" flags)
    assert_equal $(( 8#$flags & 8#4000 )) 0     # a blocking eventfd
    assert_count 0
    resume
    finish_lesson                                # it returned: the read did not sleep
    assert_success
    if kernel_at_least 5 8; then
        assert_line --regexp '^parent [0-9]+: preadv2\(RWF_NOWAIT\) at count 0 failed with EAGAIN instead of blocking$'
        assert_line --regexp '^parent [0-9]+: wrote 0x5; preadv2\(RWF_NOWAIT\) returned 0x5 \(5\)$'
    else
        assert_line --regexp '^parent [0-9]+: preadv2\(RWF_NOWAIT\) at count 0 failed with EOPNOTSUPP \(before Linux 5.8\)$'
    fi
}

@test "pwritev2 with RWF_NOWAIT is EOPNOTSUPP on every kernel: eventfd has no write_iter" {
    run_lesson 06-nonblocking
    assert_success
    assert_line --regexp '^parent [0-9]+: pwritev2\(RWF_NOWAIT\) failed with EOPNOTSUPP: eventfd has no write_iter$'
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 06-nonblocking --bogus 0 18446744073709551615 abc -1 "1 2"
}
