#!/usr/bin/env bats
# Lesson 09: poll and epoll readiness of eventfds; which child signalled.
# A second or more: run-tests starts it among the first.
# bats file_tags=slow
load helper

# The descriptors of PID whose /proc/PID/fd link is exactly TARGET, one a line.
fds_linked_to() {
    local pid=$1 target=$2 link
    for link in /proc/"$pid"/fd/*; do
        [ "$(readlink "$link")" = "$target" ] && printf '%s\n' "${link##*/}"
    done
    return 0
}

# voluntary_ctxt_switches of PID: how many times it went to sleep.
sleeps() {
    awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$1/status"
}

# The pid of the child that the lesson says sleeps in system call CALL
# (read or epoll_wait), from its output so far.
sleeper_in() {
    printf '%s\n' "${OUT_LINES[@]}" |
        sed -nE "s/^parent [0-9]+: child ([0-9]+) sleeps in $1\\(\\) on fd [0-9]+: .*/\\1/p"
}

# Asserts that the lesson printed a line matching REGEX before the current
# checkpoint.
assert_printed_before_checkpoint() {
    printf '%s\n' "${OUT_LINES[@]}" | grep -qE "$1" ||
        fail "no line /$1/ before checkpoint '$CP_NAME'"
}

@test "an eventfd is readable iff its count is above 0, writable iff it is below 0xfffffffffffffffe" {
    start_paused 09-poll-epoll
    next_checkpoint created
    assert_count 0
    resume
    next_checkpoint full
    assert_count fffffffffffffffe
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: count 0x0 \(0\): poll\(\) reports POLLOUT: not readable, writable$'
    assert_line --regexp '^parent [0-9]+: count 0x1 \(1\): poll\(\) reports POLLIN\|POLLOUT: readable, writable$'
    assert_line --regexp '^parent [0-9]+: count 0xfffffffffffffffe \(18446744073709551614\): poll\(\) reports POLLIN: readable, not writable \(a write of 1 would block\)$'
}

@test "select() puts an eventfd in the read set iff its count is above 0, in the write set iff it is below 0xfffffffffffffffe" {
    run_lesson 09-poll-epoll
    assert_success
    assert_line --regexp '^parent [0-9]+: count 0x0 \(0\): select\(\) reports it in the write set only$'
    assert_line --regexp '^parent [0-9]+: count 0x1 \(1\): select\(\) reports it in the read set and the write set$'
    assert_line --regexp '^parent [0-9]+: count 0xfffffffffffffffe \(18446744073709551614\): select\(\) reports it in the read set only$'
}

@test "level-triggered epoll reports an unread eventfd at every call, and nothing once it is read" {
    run_lesson 09-poll-epoll
    assert_success
    assert_line --regexp '^parent [0-9]+: wrote 1; epoll_wait\(timeout 0\) reports 1 ready$'
    assert_line --regexp '^parent [0-9]+: not read yet; epoll_wait\(timeout 0\) reports 1 ready again \(level-triggered\)$'
    assert_line --regexp '^parent [0-9]+: read 1; epoll_wait\(timeout 0\) reports 0 ready: count 0$'
}

@test "edge-triggered epoll reports once per write, even when the count was already non-zero" {
    start_paused 09-poll-epoll
    pass_checkpoints created full
    next_checkpoint second-write
    assert_count 2
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: not read yet; epoll_wait\(timeout 0\) reports 0 ready \(edge-triggered: no new write, no new event\)$'
    assert_line --regexp '^parent [0-9]+: wrote 1 more, count already non-zero; epoll_wait\(timeout 0\) reports 1 ready: every write is a new edge$'
    assert_line --regexp '^parent [0-9]+: read 2: both writes, one count$'
}

@test "a write of 0 adds nothing, yet edge-triggered epoll reports it as a new edge while the count is above 0" {
    start_paused 09-poll-epoll
    pass_checkpoints created full
    next_checkpoint second-write
    assert_count 2
    assert_printed_before_checkpoint '^parent [0-9]+: no write since; epoll_wait\(timeout 0\) reports 0 ready$'
    assert_printed_before_checkpoint '^parent [0-9]+: wrote 0, which adds nothing; epoll_wait\(timeout 0\) reports 1 ready: a write of 0 is a new edge too$'
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: count 0, wrote 0; epoll_wait\(timeout 0\) reports 0 ready: not readable, so no edge to report$'
}

@test "a write of 0 wakes every waiter: a reader asleep in read() and another in epoll_wait() each wake, find 0 and sleep again" {
    start_paused 09-poll-epoll --children 1
    pass_checkpoints created full second-write registered reaped
    next_checkpoint waiters-asleep
    assert_count 0
    reader=$(sleeper_in read)
    poller=$(sleeper_in epoll_wait)
    [ -n "$reader" ] && [ -n "$poller" ] || fail "the lesson did not name its two sleepers"
    assert_equal "$(children_of "$CP_PID")" "$reader $poller"
    assert_equal "$(process_state "$reader")" S
    assert_equal "$(process_state "$poller")" S
    reader_before=$(sleeps "$reader") poller_before=$(sleeps "$poller")
    resume
    next_checkpoint zero-woke
    assert_count 0
    [ "$(sleeps "$reader")" -gt "$reader_before" ] || fail "the reader never woke"
    [ "$(sleeps "$poller")" -gt "$poller_before" ] || fail "the epoll_wait() sleeper never woke"
    assert_equal "$(process_state "$reader")" S
    assert_equal "$(process_state "$poller")" S
    if [ -r "/proc/$reader/syscall" ] && nr=$(syscall_nr read); then
        read -r call first_arg _ <"/proc/$reader/syscall"
        assert_equal "$call" "$nr"
        assert_equal "$first_arg" "$(printf '0x%x' "$CP_FD")"
    fi
    resume
    finish_lesson
    assert_success
    assert_line --regexp "^parent [0-9]+: child $reader woke \\(voluntary_ctxt_switches [0-9]+ -> [0-9]+\\), found the count 0 and sleeps in read\\(\\) again\$"
    assert_line --regexp "^parent [0-9]+: child $poller woke \\(voluntary_ctxt_switches [0-9]+ -> [0-9]+\\), found the count 0 and sleeps in epoll_wait\\(\\) again\$"
    assert_line --regexp "^child $reader: read 1\$"
    assert_line --regexp "^child $poller: read 1\$"
    assert_line --regexp "^parent [0-9]+: child $reader exited with status 0\$"
    assert_line --regexp "^parent [0-9]+: child $poller exited with status 0\$"
}

@test "epoll_event.data tells the parent which child signalled; once all are heard and reaped, every count is 0" {
    start_paused 09-poll-epoll --children 5
    pass_checkpoints created full second-write registered
    next_checkpoint reaped
    assert_equal "$(children_of "$CP_PID")" ""
    assert_equal "$(fds_linked_to "$CP_PID" "anon_inode:[eventfd]" | wc -l)" 5
    for fd in $(fds_linked_to "$CP_PID" "anon_inode:[eventfd]"); do
        assert_equal "$(count_hex "$CP_PID" "$fd")" 0
    done
    resume
    finish_lesson
    assert_success
    for n in 1 2 3 4 5; do
        pid=$(printf '%s\n' "${lines[@]}" |
            sed -nE "s/^child ([0-9]+): I am child number $n: writing $n to my eventfd, fd [0-9]+\$/\\1/p")
        [ -n "$pid" ] || fail "child number $n did not say that it wrote"
        heard=$(printf '%s\n' "${lines[@]}" |
            grep -cE "^parent [0-9]+: epoll_wait: data.u64 = $n, so child number $n \(pid $pid\) signalled; read $n from fd [0-9]+\$")
        assert_equal "$heard" 1
        assert_line --regexp "^parent [0-9]+: child number $n \(pid $pid\) exited with status 0\$"
    done
    assert_line --regexp '^parent [0-9]+: heard from all 5 children$'
}

@test "/proc shows [eventpoll] beside [eventfd], and both are the same anonymous inode" {
    start_paused 09-poll-epoll
    pass_checkpoints created full second-write
    next_checkpoint registered
    assert_equal "$(readlink "/proc/$CP_PID/fd/$CP_FD")" "anon_inode:[eventfd]"
    epfd=$(fds_linked_to "$CP_PID" "anon_inode:[eventpoll]")
    [ -n "$epfd" ] || fail "no anon_inode:[eventpoll] in /proc/$CP_PID/fd"
    printf '%s\n' "${OUT_LINES[@]}" | grep -qE "^parent [0-9]+: created epoll instance fd $epfd, " ||
        fail "fd $epfd is not the epoll instance the lesson created"
    eventfd_ino=$(stat -L -c %i "/proc/$CP_PID/fd/$CP_FD")
    assert_equal "$(stat -L -c %i "/proc/$CP_PID/fd/$epfd")" "$eventfd_ino"
    if kernel_at_least 5 14; then       # fdinfo's "ino:" line: commit 3845f256a8b5
        assert_equal "$(fdinfo "$CP_PID" "$epfd" ino)" "$eventfd_ino"
        assert_equal "$(fdinfo "$CP_PID" "$CP_FD" ino)" "$eventfd_ino"
    else
        run fdinfo "$CP_PID" "$CP_FD" ino
        assert_failure                  # before Linux 5.14 fdinfo has no "ino:" line
    fi
    resume
    finish_lesson
    assert_success
}

@test "the epoll fd's fdinfo has a tfd line per eventfd: events 19 (EPOLLIN, EPOLLERR, EPOLLHUP), data the child's number" {
    start_paused 09-poll-epoll --children 4
    pass_checkpoints created full second-write
    next_checkpoint registered
    epfd=$(fds_linked_to "$CP_PID" "anon_inode:[eventpoll]")
    mapfile -t efds < <(fds_linked_to "$CP_PID" "anon_inode:[eventfd]" | sort -n)
    assert_equal "${#efds[@]}" 4
    # "tfd:        3 events:       19 data:                1  pos:0 ino:406 sdev:10"
    # epoll_ctl() adds EPOLLERR|EPOLLHUP (0x18) to the EPOLLIN (0x1) asked for.
    run awk '$1 == "tfd:" { print $2, $4, $6 }' "/proc/$CP_PID/fdinfo/$epfd"
    assert_equal "${#lines[@]}" 4
    for n in 1 2 3 4; do
        fd=$(printf '%s\n' "${OUT_LINES[@]}" |
            sed -nE "s/^parent [0-9]+: eventfd fd ([0-9]+) registered with epoll fd $epfd, data.u64 = $n .*/\\1/p")
        assert_line "$fd 19 $n"
    done
    resume
    finish_lesson
    assert_success
}

@test "the epoll fd's fdinfo prints each target's ino: and sdev: in hexadecimal: ino:406 is inode 1030" {
    start_paused 09-poll-epoll --children 2
    pass_checkpoints created full second-write
    next_checkpoint registered
    epfd=$(fds_linked_to "$CP_PID" "anon_inode:[eventpoll]")
    checked=0
    while read -r tfd ino sdev; do
        # stat's %i is decimal, %Hd:%Ld the device's major:minor; sdev is the
        # kernel's dev_t, major << 20 | minor.
        assert_equal "$((16#$ino))" "$(stat -L -c %i "/proc/$CP_PID/fd/$tfd")"
        assert_equal "$((16#$sdev >> 20)):$((16#$sdev & 0xfffff))" \
            "$(stat -L -c %Hd:%Ld "/proc/$CP_PID/fd/$tfd")"
        checked=$((checked + 1))
    done < <(sed -nE 's/^tfd: *([0-9]+) .* ino:([0-9a-f]+) sdev:([0-9a-f]+)$/\1 \2 \3/p' \
        "/proc/$CP_PID/fdinfo/$epfd")
    assert_equal "$checked" 2
    resume
    finish_lesson
    assert_success
    said=$(printf '%s\n' "${lines[@]}" | grep -E "^parent [0-9]+: epoll fd $epfd fdinfo, tfd $CP_FD: ")
    [[ $said =~ ino:([0-9a-f]+)\ sdev:([0-9a-f]+)\ are\ hex:\ inode\ ([0-9]+),\ device\ ([0-9:]+)\;\ fstat\(\)\ of\ fd\ $CP_FD:\ inode\ ([0-9]+),\ device\ ([0-9:]+)$ ]] ||
        fail "the lesson did not decode the tfd line of fd $CP_FD: '$said'"
    assert_equal "${BASH_REMATCH[3]}" "$((16#${BASH_REMATCH[1]}))"
    assert_equal "${BASH_REMATCH[5]}" "${BASH_REMATCH[3]}"
    assert_equal "${BASH_REMATCH[6]}" "${BASH_REMATCH[4]}"
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 09-poll-epoll --bogus "--children 0" "--children 65" "--children abc" "--children -1" extra
}
