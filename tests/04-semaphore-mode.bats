#!/usr/bin/env bats
# Lesson 04: EFD_SEMAPHORE hands out one token per read.
load helper

@test "each semaphore read takes one token: the count goes 3, then down to 0" {
    start_paused 04-semaphore-mode
    next_checkpoint created
    assert_count 3
    resume
    previous=3
    for _ in 1 2 3; do
        next_checkpoint took
        now=$((16#$(count_hex)))
        [ "$now" -lt "$previous" ] || [ "$now" -eq "$previous" ] ||
            fail "the count rose from $previous to $now"
        previous=$now
        resume
    done
    next_checkpoint all-taken
    assert_count 0
    resume
    next_checkpoint plain-created
    assert_count 3
    resume
    next_checkpoint plain-read
    assert_count 0
    resume
    finish_lesson
    assert_success
    taken=$(printf '%s\n' "${lines[@]}" | grep -cE '^child [0-9]+: took a token \(read returned 1\)')
    assert_equal "$taken" 3
}

@test "several children together take exactly N tokens, each read returning 1" {
    run_lesson 04-semaphore-mode --tokens 10 --children 3
    assert_success
    taken=$(printf '%s\n' "${lines[@]}" | grep -cE '^child [0-9]+: took a token \(read returned 1\)')
    assert_equal "$taken" 10
    shares=$(printf '%s\n' "${lines[@]}" | sed -nE 's/^child ([0-9]+): took a token.*/\1/p' |
        sort | uniq -c | awk '{print $1}' | sort -n | tr '\n' ' ')
    assert_equal "$shares" "3 3 4 "
    assert_line --regexp '^parent [0-9]+: all 10 tokens taken by 3 children$'
}

@test "one read in normal mode takes all N at once" {
    run_lesson 04-semaphore-mode --tokens 7
    assert_success
    assert_line --regexp '^parent [0-9]+: one read of the normal eventfd returned 7$'
}

@test "fdinfo says eventfd-semaphore 1 in semaphore mode and 0 in normal mode (Linux 6.5+)" {
    kernel_at_least 6 5 || skip "eventfd-semaphore appears in fdinfo since Linux 6.5; this is $(uname -r)"
    start_paused 04-semaphore-mode
    next_checkpoint created
    assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-semaphore)" 1
    resume
    finish_lesson
    start_paused 04-semaphore-mode
    pass_checkpoints created took took took all-taken
    next_checkpoint plain-created
    assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-semaphore)" 0
    resume
    finish_lesson
    assert_success
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 04-semaphore-mode --bogus "--tokens 0" "--tokens 4294967296" "--tokens abc" "--tokens -1" \
                "--children 1" "--children 65" "--tokens 3 --children 4" "extra" "--tokens"
}

@test "two eventfds open at once: two eventfd-ids, one inode number (Linux 5.2+)" {
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    start_paused 04-semaphore-mode
    pass_checkpoints created took took took all-taken
    next_checkpoint plain-created
    semaphore_fd=$(( CP_FD == 3 ? 4 : 3 ))
    [ "$(readlink "/proc/$CP_PID/fd/$semaphore_fd")" = "anon_inode:[eventfd]" ] ||
        fail "fd $semaphore_fd is not the semaphore eventfd"
    assert_not_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)" \
        "$(fdinfo "$CP_PID" "$semaphore_fd" eventfd-id)"
    assert_equal "$(stat -L -c %i "/proc/$CP_PID/fd/$CP_FD")" \
        "$(stat -L -c %i "/proc/$CP_PID/fd/$semaphore_fd")"
    if kernel_at_least 5 14; then               # fdinfo's ino: line is there since 5.14
        assert_equal "$(fdinfo "$CP_PID" "$CP_FD" ino)" "$(fdinfo "$CP_PID" "$semaphore_fd" ino)"
        assert_equal "$(stat -L -c %i "/proc/$CP_PID/fd/$CP_FD")" "$(fdinfo "$CP_PID" "$CP_FD" ino)"
    fi
    resume
    finish_lesson
    assert_success
}

@test "the initial value is an unsigned int count, not a byte: 1000 tokens are 0x3e8 in fdinfo" {
    start_paused 04-semaphore-mode --tokens 1000 --children 2
    next_checkpoint created
    assert_count 3e8
    assert_regex "${OUT_LINES[0]}" 'with 1000 tokens$'
    # Handing out 1000 tokens one read at a time is the other tests' business.
    stop_lesson
}

@test "the initial value is an unsigned int: eventfd(0xffffffff, 0) shows ffffffff in fdinfo" {
    start_paused 04-semaphore-mode
    pass_checkpoints created took took took all-taken plain-created plain-read
    next_checkpoint largest-initval
    assert_count ffffffff
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: created a normal eventfd fd [0-9]+ with UINT_MAX, 0xffffffff \(4294967295\): the largest initial value$'
    assert_line --regexp '^parent [0-9]+: one read of it returned 0xffffffff \(4294967295\)$'
}
