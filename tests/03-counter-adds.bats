#!/usr/bin/env bats
# Lesson 03: writes add up; one read returns the sum and resets the count.
load helper

@test "each write adds to the count: 1, 3, 7, 14, 28; one read takes 28 and leaves 0" {
    start_paused 03-counter-adds
    next_checkpoint created
    assert_count 0
    resume
    for running_sum in 1 3 7 e 1c; do
        next_checkpoint wrote
        assert_count "$running_sum"
        resume
    done
    next_checkpoint all-written
    assert_count 1c
    resume
    next_checkpoint read
    assert_count 0
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: read 0x1c \(28\): the sum of 5 writes in one read$'
}

@test "with one child per value the sum is the same, whatever order they ran in" {
    start_paused 03-counter-adds --children
    next_checkpoint created
    resume
    pass_checkpoints wrote wrote wrote wrote wrote
    next_checkpoint all-written
    assert_count 1c
    resume
    next_checkpoint read
    assert_count 0
    resume
    finish_lesson
    assert_success
    writers=$(printf '%s\n' "${lines[@]}" | grep -cE '^parent [0-9]+: writer [0-9]+ exited with status 0$')
    assert_equal "$writers" 5
    assert_line --regexp 'read 0x1c \(28\): the sum of 5 writes in one read$'
}

@test "values from the command line are summed" {
    run_lesson 03-counter-adds 5 0x10 0
    assert_success
    assert_line --regexp 'read 0x15 \(21\): the sum of 3 writes in one read$'
}

@test "values adding up to 0 are refused: the read would block forever" {
    run_lesson 03-counter-adds 0 0
    assert_usage_error
    assert_stderr_contains "block forever"
}

@test "values adding up to more than 0xfffffffffffffffe are refused" {
    run_lesson 03-counter-adds 0xfffffffffffffffe 1
    assert_usage_error
    assert_stderr_contains "0xfffffffffffffffe"
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 03-counter-adds --bogus 18446744073709551615 abc -1 0x "--children=2"
    run_lesson 03-counter-adds $(seq 1 65)
    assert_usage_error
}
