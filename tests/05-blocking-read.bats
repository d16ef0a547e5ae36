#!/usr/bin/env bats
# Lesson 05: a read at count 0 sleeps until a write arrives.
load helper

@test "the child sleeps in read() on the eventfd while the count is 0, as /proc shows" {
    start_paused 05-blocking-read
    next_checkpoint created
    assert_count 0
    resume
    next_checkpoint child-blocked
    assert_count 0
    child=$(children_of "$CP_PID")
    [ -n "$child" ] || fail "the parent has no child at 'child-blocked'"
    assert_equal "$(process_state "$child")" S
    if [ -r "/proc/$child/syscall" ] && nr=$(syscall_nr read); then
        read -r call first_arg _ <"/proc/$child/syscall"
        assert_equal "$call" "$nr"
        assert_equal "$first_arg" "$(printf '0x%x' "$CP_FD")"
    fi
    resume
    next_checkpoint received
    assert_equal "$CP_PID" "$child"
    assert_count 0
    resume
    next_checkpoint reaped
    assert_equal "$(children_of "$CP_PID")" ""
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^child [0-9]+: woke up with 0x7 \(7\)$'
    assert_line --regexp '^parent [0-9]+: child [0-9]+ is asleep: state S'
}

@test "the child wakes with the value the parent wrote" {
    run_lesson 05-blocking-read 12345
    assert_success
    assert_line --regexp '^child [0-9]+: woke up with 0x3039 \(12345\)$'
    assert_line --regexp '^parent [0-9]+: child [0-9]+ exited with status 0$'
}

@test "wchan names where the reader sleeps: do_wait_intr_irq since Linux 6.4, eventfd_read before" {
    if kernel_at_least 6 4; then expected=do_wait_intr_irq; else expected=eventfd_read; fi
    start_paused 05-blocking-read
    pass_checkpoints created
    next_checkpoint child-blocked
    child=$(children_of "$CP_PID")
    [ -n "$child" ] || fail "the parent has no child at 'child-blocked'"
    wchan=$(cat "/proc/$child/wchan")
    [ "$wchan" != 0 ] || skip "/proc/PID/wchan says 0: this kernel hides it (no CONFIG_KALLSYMS?)"
    assert_equal "$wchan" "$expected"
    resume
    finish_lesson
    assert_success
    assert_line --regexp "^parent [0-9]+: child [0-9]+ is asleep: .*, wchan $expected\$"
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 05-blocking-read --bogus 0 18446744073709551615 abc -1 "1 2"
}
