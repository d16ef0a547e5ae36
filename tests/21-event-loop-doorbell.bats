#!/usr/bin/env bats
# Lesson 21: an eventfd as an event loop's doorbell.
load helper

# The number of the system call glibc's epoll_wait() makes on this machine.
epoll_wait_nr() {
    case $(uname -m) in
        x86_64) echo 232 ;;
        aarch64 | riscv64) echo 22 ;;   # no epoll_wait there: epoll_pwait
        i?86) echo 256 ;;
        *) return 1 ;;
    esac
}

# Reads the lesson's output until a line matches the regular expression;
# the line is in LINE. Fails at the end of the output or on time-out.
read_until() {
    while read_line; do
        OUT_LINES+=("$LINE")
        [[ $LINE =~ $1 ]] && return 0
    done
    fail "no line matching '$1'; output: $(printf '%s\n' "${OUT_LINES[@]}")"
}

# Waits, with a deadline, until PID's count of eventfd FD is HEX.
wait_for_count() {
    local pid=$1 fd=$2 hex=$3 tries
    for ((tries = 0; tries < DEADLINE * 100; tries++)); do
        [ "$(count_hex "$pid" "$fd")" = "$hex" ] && return 0
        sleep 0.01   # polling a condition, with a deadline
    done
    fail "eventfd-count of $pid/$fd never became $hex (it is $(count_hex "$pid" "$fd"))"
}

@test "a loop asleep in epoll_wait wakes once for each item another thread posts, enqueue first and ring second" {
    run_lesson 21-event-loop-doorbell --items 5 --burst 10
    assert_success
    woke=$(printf '%s\n' "${lines[@]}" | sed -nE 's/^parent [0-9]+: loop: woke, drained 1 ring\(s\), ran item ([0-9]+)$/\1/p' | tr '\n' ' ')
    assert_equal "$woke" "1 2 3 4 5 "
    posted=$(printf '%s\n' "${lines[@]}" | grep -cE '^parent [0-9]+: producer thread [0-9]+: the loop sleeps in epoll_wait\(\); posting item [1-5]$')
    assert_equal "$posted" 5
    # One process, two threads: the producer's thread id is not the process id.
    [[ ${lines[2]} =~ ^parent\ ([0-9]+):\ producer\ thread\ ([0-9]+): ]] || fail "line 3: ${lines[2]}"
    assert_not_equal "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}"
}

@test "a burst of posts needs at most one wake-up per item, and the rings drained add up to every post and the signal" {
    run_lesson 21-event-loop-doorbell --items 2 --burst 1000
    assert_success
    line=$(printf '%s\n' "${lines[@]}" | grep -E "loop: ran the burst's 1000 items in [0-9]+ wake-up")
    [[ $line =~ in\ ([0-9]+)\ wake-up ]] || fail "no burst line"
    wakeups=${BASH_REMATCH[1]}
    [ "$wakeups" -ge 1 ] && [ "$wakeups" -le 1000 ] || fail "$wakeups wake-ups for 1000 items"
    assert_line --regexp '^parent [0-9]+: the producer thread has ended; the loop woke [0-9]+ times, drained 1003 rings for 1002 posts and the signal, ran 1002 items; [0-9]+ wake-up\(s\) found the queue empty$'
}

@test "the doorbell is a non-blocking, close-on-exec eventfd in the loop's epoll set, and SIGTERM and SIGINT are caught" {
    start_paused 21-event-loop-doorbell
    next_checkpoint armed
    assert_count 0
    # O_RDWR | O_NONBLOCK | O_CLOEXEC, in octal (x86's and arm64's values)
    assert_equal "$(fdinfo "$CP_PID" "$CP_FD" flags)" 02004002
    [[ ${OUT_LINES[0]} =~ registered\ with\ epoll\ fd\ ([0-9]+) ]] || fail "${OUT_LINES[0]}"
    epfd=${BASH_REMATCH[1]}
    assert_equal "$(readlink "/proc/$CP_PID/fd/$epfd")" "anon_inode:[eventpoll]"
    events=$(awk -v fd="$CP_FD" '$1 == "tfd:" && $2 == fd { print $4 }' "/proc/$CP_PID/fdinfo/$epfd")
    [ -n "$events" ] || fail "epoll fd $epfd does not watch fd $CP_FD"
    (( (16#$events & 0x1) != 0 )) || fail "events $events lack EPOLLIN"
    caught=$(awk '$1 == "SigCgt:" { print $2 }' "/proc/$CP_PID/status")
    (( (16#$caught & 0x4000) != 0 )) || fail "SIGTERM not caught: SigCgt $caught"
    (( (16#$caught & 0x2) != 0 )) || fail "SIGINT not caught: SigCgt $caught"
    resume
    finish_lesson
    assert_success
}

@test "SIGTERM sent while the loop sleeps in epoll_wait rings the doorbell from its handler, and the loop stops" {
    start_paused 21-event-loop-doorbell
    next_checkpoint armed
    resume
    next_checkpoint stopped
    assert_count 0
    # The producer thread has ended: one thread is left.
    tasks=("/proc/$CP_PID/task"/*)
    assert_equal "${#tasks[@]}" 1
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: producer thread [0-9]+: the loop sleeps in epoll_wait\(\); sending SIGTERM to process [0-9]+$'
    assert_line --regexp '^parent [0-9]+: loop: woke; signal 15 \(Terminated\) rang the doorbell: stopping$'
}

@test "ringing before enqueueing strands an item: count 0, the item queued, and epoll_wait reports nothing" {
    start_paused 21-event-loop-doorbell
    for name in armed stopped; do
        next_checkpoint "$name"
        resume
    done
    next_checkpoint lost-wakeup
    assert_count 0
    assert_regex "${OUT_LINES[-2]}" 'the producer enqueues item 1001: epoll_wait\(\) reports 0 ready'
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: the right order: enqueue item 1002, then ring; the loop wakes, drains 1 ring\(s\) and takes 2 items \(1001, 1002\)'
}

@test "a signal that comes while the loop is busy is kept in the count, and one sent from outside adds to it" {
    start_paused 21-event-loop-doorbell
    for name in armed stopped lost-wakeup; do
        next_checkpoint "$name"
        resume
    done
    next_checkpoint signal-kept
    assert_count 1
    kill -TERM "$CP_PID"
    wait_for_count "$CP_PID" "$CP_FD" 2
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: the next epoll_wait\(\) returned at once: drained 2 ring\(s\), 0 items; signal 15 asked to stop$'
}

@test "with --signal-from outside a SIGTERM or SIGINT sent from outside wakes the sleeping loop, which stops cleanly" {
    for signal in TERM INT; do
        start_lesson 21-event-loop-doorbell --items 1 --burst 1 --signal-from outside
        read_until 'registered with epoll fd ([0-9]+)'
        epfd=${BASH_REMATCH[1]}
        read_until 'stop it with: kill -TERM ([0-9]+)$'
        assert_equal "${BASH_REMATCH[1]}" "$LESSON_PID"
        # The loop thread (the process's first) sleeps in epoll_wait on epfd.
        assert_equal "$(process_state "$LESSON_PID")" S
        read -r -a call <"/proc/$LESSON_PID/syscall"
        assert_equal "${call[1]}" "$(printf '0x%x' "$epfd")"
        if nr=$(epoll_wait_nr); then assert_equal "${call[0]}" "$nr"; fi
        kill -"$signal" "$LESSON_PID"
        finish_lesson
        assert_success
        number=$(kill -l "$signal")
        assert_line --regexp "^parent [0-9]+: loop: woke; signal $number \([A-Za-z ]+\) rang the doorbell: stopping$"
    done
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 21-event-loop-doorbell --bogus "--items 0" "--items 101" "--burst 0" \
        "--burst 1001" "--burst abc" "--items -1" "--signal-from self" "--signal-from" extra "--items"
}
