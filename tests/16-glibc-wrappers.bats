#!/usr/bin/env bats
# Lesson 16: glibc's eventfd_read()/eventfd_write() next to read()/write().
load helper

@test "write and eventfd_write add the same value; read returns 8 bytes where eventfd_read returns 0" {
    start_paused 16-glibc-wrappers 0x1c
    next_checkpoint raw-written
    assert_count 1c
    resume
    next_checkpoint raw-read
    assert_count 0
    resume
    next_checkpoint wrapper-written
    assert_count 1c
    resume
    next_checkpoint wrapper-read
    assert_count 0
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: write\(fd, &value, 8\)     returned 8; value 0x1c \(28\)$'
    assert_line --regexp '^parent [0-9]+: read\(fd, &value, 8\)      returned 8; value 0x1c \(28\)$'
    assert_line --regexp '^parent [0-9]+: eventfd_write\(fd, value\) returned 0; value 0x1c \(28\)$'
    assert_line --regexp '^parent [0-9]+: eventfd_read\(fd, &value\) returned 0; value 0x1c \(28\)$'
}

@test "both ways fail alike: -1 with errno EAGAIN at count 0 and EINVAL for 0xffffffffffffffff" {
    run_lesson 16-glibc-wrappers
    assert_success
    assert_line --regexp '^parent [0-9]+: read at count 0:          returned -1, errno EAGAIN \(Resource temporarily unavailable\)$'
    assert_line --regexp '^parent [0-9]+: eventfd_read at count 0:  returned -1, errno EAGAIN \(Resource temporarily unavailable\)$'
    assert_line --regexp '^parent [0-9]+: write of 0xffffffffffffffff:         returned -1, errno EINVAL \(Invalid argument\)$'
    assert_line --regexp '^parent [0-9]+: eventfd_write of 0xffffffffffffffff: returned -1, errno EINVAL \(Invalid argument\)$'
}

@test "a raw read into a 4-byte buffer fails with EINVAL and leaves the count alone" {
    start_paused 16-glibc-wrappers 7
    pass_checkpoints raw-written raw-read wrapper-written wrapper-read
    next_checkpoint small-read
    assert_count 7
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: read into a 4-byte int:   returned -1, errno EINVAL \(Invalid argument\); the count stays$'
}

@test "strace shows each wrapper making the very same 8-byte system call as the raw path" {
    command -v strace >/dev/null || skip "strace is not installed (apt-get install strace)"
    trace=$BATS_TEST_TMPDIR/trace
    # LeakSanitizer (in a sanitizer build) cannot work under ptrace: leave it out.
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
        run strace -e trace=eventfd2,read,write -e signal=none -o "$trace" "$BUILD/16-glibc-wrappers"
    assert_success
    efd=$(sed -n 's/^eventfd2(0, EFD_NONBLOCK) *= \([0-9]*\)$/\1/p' "$trace")
    [ -n "$efd" ] || fail "no eventfd2 call in the trace: $(cat "$trace")"
    # The calls on the eventfd once it exists (the loader used the same number
    # before), with buffer addresses and padding blanked out.
    mapfile -t calls < <(sed '1,/^eventfd2(/d' "$trace" | grep -E "^(read|write)\($efd, " |
        sed -E 's/0x[0-9a-f]+/ADDR/; s/ +=/ =/')
    assert_equal "${#calls[@]}" 10
    assert_equal "${calls[0]}" "write($efd, \"\\5\\0\\0\\0\\0\\0\\0\\0\", 8) = 8"   # write()
    assert_equal "${calls[2]}" "${calls[0]}"                                 # eventfd_write()
    assert_equal "${calls[1]}" "read($efd, \"\\5\\0\\0\\0\\0\\0\\0\\0\", 8) = 8"    # read()
    assert_equal "${calls[3]}" "${calls[1]}"                                 # eventfd_read()
    assert_equal "${calls[4]}" "read($efd, ADDR, 8) = -1 EAGAIN (Resource temporarily unavailable)"
    assert_equal "${calls[5]}" "${calls[4]}"
    assert_equal "${calls[6]}" "write($efd, \"\\377\\377\\377\\377\\377\\377\\377\\377\", 8) = -1 EINVAL (Invalid argument)"
    assert_equal "${calls[7]}" "${calls[6]}"
    assert_equal "${calls[9]}" "read($efd, ADDR, 4) = -1 EINVAL (Invalid argument)"
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 16-glibc-wrappers --bogus abc -1 0 18446744073709551615 "1 2"
}
