#!/usr/bin/env bats
# Lesson 15: a signal interrupts a blocked read: EINTR, or a restart with SA_RESTART.
load helper

# Asserts that PID is blocked (state S) in read() on descriptor FD.
assert_blocked_in_read() {
    local pid=$1 fd=$2 call first_arg nr
    assert_equal "$(process_state "$pid")" S
    if [ -r "/proc/$pid/syscall" ] && nr=$(syscall_nr read); then
        read -r call first_arg _ <"/proc/$pid/syscall"
        assert_equal "$call" "$nr"
        assert_equal "$first_arg" "$(printf '0x%x' "$fd")"
    fi
}

# Prints 1 if the hex signal mask FIELD (SigCgt, SigPnd, ShdPnd...) of
# /proc/PID/status has SIGUSR1's bit, 0 if not.
sigusr1_in() {
    local mask bit
    mask=$(awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status")
    bit=$(( $(kill -l USR1) - 1 ))
    echo $(( (16#$mask >> bit) & 1 ))
}

@test "without SA_RESTART the signal makes the blocked read fail with EINTR, and a loop reads again" {
    start_paused 15-signals-eintr
    next_checkpoint created
    parent=$CP_PID
    assert_count 0
    resume
    next_checkpoint blocked
    child=$(children_of "$parent")
    [ -n "$child" ] || fail "the parent has no child at 'blocked'"
    assert_blocked_in_read "$child" "$CP_FD"
    assert_equal "$(sigusr1_in "$child" SigCgt)" 1     # the handler is installed
    resume
    next_checkpoint retrying
    assert_count 0
    assert_equal "$(children_of "$parent")" "$child"
    assert_equal "$(sigusr1_in "$child" ShdPnd)" 0     # delivered...
    assert_equal "$(sigusr1_in "$child" SigPnd)" 0
    assert_blocked_in_read "$child" "$CP_FD"            # ...and reading again
    resume
    next_checkpoint first-reaped
    assert_count 0
    assert_equal "$(children_of "$parent")" ""
    resume
    finish_lesson
    assert_success
    assert_line "child $child: SIGUSR1 handler installed without SA_RESTART; calling read()"
    assert_line "child $child: read() failed with EINTR 1 time(s); the loop called it again"
    assert_line "child $child: read() returned 0x7 (7); the handler ran 1 time(s)"
    assert_line --regexp "^parent [0-9]+: child $child exited with status 0\$"
}

@test "with SA_RESTART the handler runs and the kernel restarts the read: no EINTR, the value written later arrives" {
    start_paused 15-signals-eintr 42
    next_checkpoint created
    parent=$CP_PID
    resume
    pass_checkpoints blocked retrying first-reaped
    next_checkpoint blocked
    child=$(children_of "$parent")
    [ -n "$child" ] || fail "the parent has no child at the second 'blocked'"
    assert_blocked_in_read "$child" "$CP_FD"
    resume
    next_checkpoint restarted
    assert_count 0
    assert_equal "$(sigusr1_in "$child" ShdPnd)" 0
    assert_equal "$(sigusr1_in "$child" SigPnd)" 0
    assert_blocked_in_read "$child" "$CP_FD"
    resume
    next_checkpoint second-reaped
    assert_count 0
    assert_equal "$(children_of "$parent")" ""
    resume
    finish_lesson
    assert_success
    assert_line "child $child: SIGUSR1 handler installed with SA_RESTART; calling read()"
    assert_line "child $child: read() returned 0x2a (42); the handler ran 1 time(s)"
    refute_line --partial "child $child: read() failed with EINTR"
}

@test "both children end well: each reads VALUE once and exits with status 0" {
    run_lesson 15-signals-eintr 0xfffffffffffffffe
    assert_success
    received=$(printf '%s\n' "${lines[@]}" |
        grep -cE '^child [0-9]+: read\(\) returned 0xfffffffffffffffe \(18446744073709551614\); the handler ran 1 time\(s\)$')
    assert_equal "$received" 2
    eintr=$(printf '%s\n' "${lines[@]}" | grep -c 'failed with EINTR')
    assert_equal "$eintr" 1
    exited=$(printf '%s\n' "${lines[@]}" | grep -cE '^parent [0-9]+: child [0-9]+ exited with status 0$')
    assert_equal "$exited" 2
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 15-signals-eintr --bogus 0 18446744073709551615 abc -1 "1 2"
}
