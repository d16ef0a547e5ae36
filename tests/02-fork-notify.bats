#!/usr/bin/env bats
# Lesson 02: the parent notifies its child through one inherited eventfd.
load helper

@test "the child receives the parent's notification and the parent reaps it" {
    run_lesson 02-fork-notify
    assert_success
    assert_line --regexp '^child [0-9]+: received 0x1 \(1\)$'
    assert_line --regexp '^parent [0-9]+: child [0-9]+ exited with status 0$'
}

@test "parent and child show the same eventfd-id: one kernel object (Linux 5.2+)" {
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    start_paused 02-fork-notify
    next_checkpoint created
    parent=$CP_PID
    parent_id=$(fdinfo "$parent" "$CP_FD" eventfd-id)
    resume
    next_checkpoint received
    [ "$CP_PID" != "$parent" ] || fail "'received' should be reached in the child"
    assert_equal "$(children_of "$parent")" "$CP_PID"
    assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)" "$parent_id"
    assert_equal "$(fdinfo "$parent" "$CP_FD" eventfd-id)" "$parent_id"
    resume
    finish_lesson
    assert_success
    assert_line --regexp "^child [0-9]+: my eventfd-id is $parent_id, my parent's is $parent_id: one kernel object$"
}

@test "the count is 0, the value, then 0 again once the child has read it" {
    start_paused 02-fork-notify 5
    next_checkpoint created
    parent=$CP_PID
    assert_count 0
    resume
    next_checkpoint received
    assert_count 0
    wait_for_state "$parent" S    # asleep in waitpid()
    resume
    next_checkpoint reaped
    assert_count 0
    assert_equal "$(children_of "$CP_PID")" ""
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^child [0-9]+: received 0x5 \(5\)$'
}

@test "the largest value write(2) accepts, 0xfffffffffffffffe, arrives unchanged" {
    run_lesson 02-fork-notify 0xfffffffffffffffe
    assert_success
    assert_line --regexp '^child [0-9]+: received 0xfffffffffffffffe \(18446744073709551614\)$'
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 02-fork-notify --bogus 0 18446744073709551615 abc -1 "1 2"
}

@test "lsof names the descriptor [eventfd:ID] with fdinfo's eventfd-id, and NODE is fdinfo's ino" {
    command -v lsof >/dev/null || skip "lsof is not installed (apt-get install lsof)"
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    kernel_at_least 5 14 || skip "fdinfo has an ino: line since Linux 5.14; this is $(uname -r)"
    start_paused 02-fork-notify
    next_checkpoint created
    id=$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)
    # fdinfo has an ino: line only since Linux 5.14; before, stat gives the same number.
    if kernel_at_least 5 14; then
        ino=$(fdinfo "$CP_PID" "$CP_FD" ino)
    else
        ino=$(stat -L -c %i "/proc/$CP_PID/fd/$CP_FD")
    fi
    # -F: one field a line; n = name, i = inode (NODE column).
    run lsof -w -a -p "$CP_PID" -d "$CP_FD" -F ni
    assert_success
    assert_line "i$ino"
    # lsof before 4.94 prints plain [eventfd]; 4.94 and newer add fdinfo's id.
    if [[ $output == *"n[eventfd:"* ]]; then
        assert_line "n[eventfd:$id]"
    else
        assert_line "n[eventfd]"
    fi
    resume
    finish_lesson
    assert_success
}
