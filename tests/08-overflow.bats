#!/usr/bin/env bats
# Lesson 08: write(2) stops the count at 0xfffffffffffffffe; a write past it blocks.
load helper

# Asserts the last line printed before the current checkpoint.
assert_last_line() {
    local last=${OUT_LINES[${#OUT_LINES[@]}-1]}
    [[ $last =~ $1 ]] || fail "at checkpoint '$CP_NAME' the last line is '$last', expected /$1/"
}

@test "poll reports POLLOUT below 0xfffffffffffffffe, the limit of write(2), and drops it there" {
    start_paused 08-overflow
    next_checkpoint created
    assert_count 0
    assert_last_line '^parent [0-9]+: poll: POLLOUT$'
    resume
    next_checkpoint full
    assert_count fffffffffffffffe
    assert_last_line '^parent [0-9]+: poll: POLLIN no POLLOUT$'
    resume
    finish_lesson
    assert_success
}

@test "a write that would pass 0xfffffffffffffffe blocks in write() on the eventfd, as /proc shows, and the count stays there" {
    start_paused 08-overflow
    pass_checkpoints created full
    next_checkpoint writer-blocked
    assert_count fffffffffffffffe
    assert_last_line '^parent [0-9]+: poll: POLLIN no POLLOUT$'
    child=$(children_of "$CP_PID")
    [ -n "$child" ] || fail "the parent has no child at 'writer-blocked'"
    assert_equal "$(process_state "$child")" S
    if [ -r "/proc/$child/syscall" ] && nr=$(syscall_nr write); then
        read -r call first_arg _ <"/proc/$child/syscall"
        assert_equal "$call" "$nr"
        assert_equal "$first_arg" "$(printf '0x%x' "$CP_FD")"
    fi
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: child [0-9]+ is blocked in write\(\): state S'
}

@test "wchan names where the writer sleeps: do_wait_intr_irq since Linux 6.4, eventfd_write before" {
    # Since Linux 6.4 fs/eventfd.c waits with wait_event_interruptible_locked_irq(),
    # whose sleep is do_wait_intr_irq(); before, eventfd_write() called schedule() itself.
    if kernel_at_least 6 4; then expected=do_wait_intr_irq; else expected=eventfd_write; fi
    start_paused 08-overflow
    pass_checkpoints created full
    next_checkpoint writer-blocked
    child=$(children_of "$CP_PID")
    [ -n "$child" ] || fail "the parent has no child at 'writer-blocked'"
    wchan=$(cat "/proc/$child/wchan")
    # Debian's 5.10 prints 0: x86's get_wchan() learned the ORC unwinder only in 5.16.
    [ "$wchan" != 0 ] || skip "/proc/PID/wchan says 0: this kernel does not name the function (x86 before 5.16 with the ORC unwinder, or no CONFIG_KALLSYMS)"
    assert_equal "$wchan" "$expected"
    resume
    finish_lesson
    assert_success
    assert_line --regexp "^parent [0-9]+: child [0-9]+ is blocked in write\(\): .*, wchan $expected\$"
}

@test "a read in the other process drains the count, the blocked write completes, and POLLOUT returns" {
    start_paused 08-overflow 9
    next_checkpoint created
    parent=$CP_PID
    resume
    pass_checkpoints full writer-blocked
    next_checkpoint write-done
    [ "$CP_PID" != "$parent" ] || fail "'write-done' should be reached in the child"
    assert_count 9
    resume
    next_checkpoint reaped
    assert_count 9
    assert_equal "$(children_of "$CP_PID")" ""
    assert_last_line '^parent [0-9]+: poll: POLLIN POLLOUT$'
    resume
    next_checkpoint emptied
    assert_count 0
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: read 0xfffffffffffffffe \(18446744073709551614\): that wakes the writer$'
    assert_line --regexp '^child [0-9]+: write returned: 0x9 \(9\) added$'
    assert_line --regexp '^parent [0-9]+: read 0x9 \(9\): the child.s value$'
}

@test "one below 0xfffffffffffffffe still leaves room: after a write of 0xfffffffffffffffd, POLLOUT is reported" {
    run_lesson 08-overflow 0xfffffffffffffffd
    assert_success
    assert_line --regexp '^child [0-9]+: write returned: 0xfffffffffffffffd \(18446744073709551613\) added$'
    assert_line --regexp '^parent [0-9]+: poll: POLLIN POLLOUT$'
    assert_line --regexp '^parent [0-9]+: child [0-9]+ exited with status 0$'
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 08-overflow --bogus 0 0xfffffffffffffffe abc -1 "1 2"
}
