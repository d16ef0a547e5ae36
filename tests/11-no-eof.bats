#!/usr/bin/env bats
# Lesson 11: an eventfd has no end-of-file; sentinel, pidfd and timeout remedies.
load helper

@test "once its only writer has exited, a pipe's read returns 0: end of file" {
    run_lesson 11-no-eof --timeout 20
    assert_success
    assert_line --regexp '^parent [0-9]+: writer [0-9]+ exited with status 0$'
    assert_line --regexp '^parent [0-9]+: pipe: read\(\) returned 1 byte$'
    assert_line --regexp '^parent [0-9]+: pipe: read\(\) returned 0: end of file, no writer is left$'
}

@test "with every writer gone, poll on the eventfd times out: nothing to read and no hang-up" {
    start_paused 11-no-eof
    next_checkpoint created
    [[ ${OUT_LINES[0]} =~ read\ end\ fd\ ([0-9]+),\ write\ end\ fd\ ([0-9]+) ]] ||
        fail "the lesson did not name its pipe's descriptors"
    read_end=${BASH_REMATCH[1]} write_end=${BASH_REMATCH[2]}
    pipe=$(readlink "/proc/$CP_PID/fd/$read_end")
    [[ $pipe == pipe:\[*\] ]] || fail "fd $read_end is $pipe, not a pipe"
    assert_equal "$(readlink "/proc/$CP_PID/fd/$write_end")" "$pipe"
    resume
    next_checkpoint writers-gone
    [ ! -e "/proc/$CP_PID/fd/$write_end" ] || fail "the parent still holds the pipe's write end"
    assert_equal "$(readlink "/proc/$CP_PID/fd/$read_end")" "$pipe"
    assert_count 0
    assert_equal "$(children_of "$CP_PID")" ""
    # The reader's own descriptor is what keeps the eventfd alive.
    assert_equal "$(readlink "/proc/$CP_PID/fd/$CP_FD")" "anon_inode:[eventfd]"
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: eventfd: read\(\) returned 1$'
    assert_line --regexp '^parent [0-9]+: eventfd: poll\(POLLIN, 200 ms\) returned 0, revents 0x0: no writer is left, yet no end of file; read\(\) would block forever$'
}

@test "a sentinel larger than any sum of notifications tells the reader that the writer is done" {
    start_paused 11-no-eof --timeout 20
    next_checkpoint created
    resume
    next_checkpoint writers-gone
    resume
    next_checkpoint sentinel-seen
    assert_count 0
    assert_equal "$(children_of "$CP_PID")" ""
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^child [0-9]+: writing 3 notifications of 1, then the sentinel, then exiting$'
    assert_line --regexp '^parent [0-9]+: sentinel: 3 notifications, then the sentinel 0x100000000 \(4294967296\): the writer is done$'
}

@test "a pidfd polled beside the eventfd reports the writer's exit, after all its notifications (Linux 5.3+)" {
    kernel_at_least 5 3 || skip "pidfd_open needs Linux 5.3; this is $(uname -r)"
    start_paused 11-no-eof --timeout 20
    pass_checkpoints created writers-gone sentinel-seen
    next_checkpoint exit-seen
    assert_count 0
    assert_equal "$(children_of "$CP_PID")" ""
    pidfd=$(printf '%s\n' "${OUT_LINES[@]}" | sed -nE 's/^parent [0-9]+: pidfd ([0-9]+): the writer exited; .*/\1/p')
    [ -n "$pidfd" ] || fail "the lesson did not report a pidfd"
    assert_equal "$(readlink "/proc/$CP_PID/fd/$pidfd")" "anon_inode:[pidfd]"
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^child [0-9]+: writing 3 notifications of 1, no sentinel, then exiting$'
    assert_line --regexp "^parent [0-9]+: pidfd $pidfd: the writer exited; 3 notifications arrived before it did\$"
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 11-no-eof --bogus "--timeout 0" "--timeout 10001" "--timeout abc" "--timeout -1" extra
}
