#!/usr/bin/env bats
# Lesson 20: many readers on one eventfd.
# A second or more: run-tests starts it among the first.
# bats file_tags=slow
load helper

# voluntary_ctxt_switches of PID: how many times it went to sleep.
sleeps_of() {
    awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$1/status"
}

# Fails unless PID sleeps (state S) inside system call NAME with first
# argument FD, as /proc/PID/stat and /proc/PID/syscall show it.
assert_asleep_in() {
    local pid=$1 name=$2 fd=$3 nr call
    nr=$(syscall_nr "$name") || skip "no system call number for $name on $(uname -m)"
    assert_equal "$(process_state "$pid")" S
    read -r -a call <"/proc/$pid/syscall"
    assert_equal "${call[0]} ${call[1]}" "$nr $(printf '0x%x' "$fd")"
}

# The number of lines of output so far that match the regular expression.
count_lines() {
    printf '%s\n' "${OUT_LINES[@]}" | grep -cE "$1" || true
}

@test "one write wakes every reader asleep in read, and exactly one of them takes the count" {
    start_paused 20-many-readers --readers 3
    next_checkpoint all-asleep
    assert_count 0
    read -r -a readers <<<"$(children_of "$CP_PID")"
    assert_equal "${#readers[@]}" 3
    declare -A before
    for pid in "${readers[@]}"; do
        assert_asleep_in "$pid" read "$CP_FD"
        before[$pid]=$(sleeps_of "$pid")
    done
    resume
    next_checkpoint one-took
    assert_count 0
    assert_equal "$(count_lines '^child [0-9]+: read 1$')" 1
    read -r -a left <<<"$(children_of "$CP_PID")"
    assert_equal "${#left[@]}" 2
    for pid in "${left[@]}"; do
        [ -n "${before[$pid]:-}" ] || fail "child $pid was not one of the readers"
        assert_asleep_in "$pid" read "$CP_FD"
        now=$(sleeps_of "$pid")
        [ "$now" -gt "${before[$pid]}" ] ||
            fail "child $pid never woke: voluntary_ctxt_switches still ${before[$pid]}"
    done
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: one write woke 3 readers: child [0-9]+ took the count, 2 sleep again$'
}

@test "in semaphore mode K posts feed K readers, each read returning 1" {
    run_lesson 20-many-readers --readers 5 --posts 10
    assert_success
    taken=$(printf '%s\n' "${lines[@]}" | grep -cE '^child [0-9]+: took a token \(read returned 1\)$')
    assert_equal "$taken" 5
    assert_line --regexp '^parent [0-9]+: 5 posts fed 5 readers, one token each$'
}

@test "a semaphore eventfd with readers asleep on it holds count 0 until the posts come" {
    start_paused 20-many-readers --readers 4
    for name in all-asleep one-took; do
        next_checkpoint "$name"
        resume
    done
    next_checkpoint tokens-awaited
    assert_count 0
    read -r -a readers <<<"$(children_of "$CP_PID")"
    assert_equal "${#readers[@]}" 4
    for pid in "${readers[@]}"; do
        assert_asleep_in "$pid" read "$CP_FD"
    done
    if kernel_at_least 6 5; then
        assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-semaphore)" 1
    else
        # eventfd-semaphore appears in fdinfo since Linux 6.5
        run fdinfo "$CP_PID" "$CP_FD" eventfd-semaphore
        assert_failure
    fi
    resume
    next_checkpoint all-fed
    assert_count 0
    assert_equal "$(children_of "$CP_PID")" ""
    resume
    finish_lesson
    assert_success
}

@test "with EPOLLEXCLUSIVE one post wakes exactly one epoll waiter, and the others do not wake" {
    start_paused 20-many-readers --readers 3
    for name in all-asleep one-took tokens-awaited all-fed; do
        next_checkpoint "$name"
        resume
    done
    next_checkpoint exclusive-waiting
    read -r -a waiters <<<"$(children_of "$CP_PID")"
    assert_equal "${#waiters[@]}" 3
    epfd=$(printf '%s\n' "${OUT_LINES[@]}" | sed -nE 's/^child [0-9]+: waiting in epoll_wait\(\) on epoll fd ([0-9]+) .*/\1/p' | sort -u)
    [[ $epfd =~ ^[0-9]+$ ]] || fail "no single epoll fd in the output: '$epfd'"
    declare -A before
    for pid in "${waiters[@]}"; do
        assert_equal "$(process_state "$pid")" S
        # fdinfo of the epoll instance: "tfd: 3 events: 10000019 data: ..." (hex)
        events=$(awk -v fd="$CP_FD" '$1 == "tfd:" && $2 == fd { print $4 }' "/proc/$pid/fdinfo/$epfd")
        [ -n "$events" ] || fail "child $pid's epoll fd $epfd does not watch fd $CP_FD"
        (( (16#$events & 0x10000000) != 0 )) || fail "events $events lack EPOLLEXCLUSIVE (0x10000000)"
        (( (16#$events & 0x1) != 0 )) || fail "events $events lack EPOLLIN"
        before[$pid]=$(sleeps_of "$pid")
    done
    resume
    next_checkpoint one-woken
    assert_count 0
    assert_equal "$(count_lines '^child [0-9]+: epoll_wait\(\) woke me; read 1$')" 1
    read -r -a left <<<"$(children_of "$CP_PID")"
    assert_equal "${#left[@]}" 2
    for pid in "${left[@]}"; do
        assert_equal "$(process_state "$pid")" S
        assert_equal "$(sleeps_of "$pid")" "${before[$pid]}"
    done
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: post 1 of 3: one child woke \([0-9]+\); 2 of the 2 others never woke$'
    assert_line --regexp '^parent [0-9]+: post 2 of 3: one child woke \([0-9]+\); 1 of the 1 others never woke$'
}

@test "the sum of everything the readers read equals the sum of everything posted, under contention" {
    run_lesson 20-many-readers --readers 4 --writers 4 --posts 50000
    assert_success
    # 4 writers, each 1 + 2 + ... + 50000 = 1250025000
    assert_line --regexp '^parent [0-9]+: posted 5000100000 in 200000 writes; read 5000100000 in [0-9]+ reads: nothing lost$'
    sum=0 read_calls=0 reader_count=0
    for line in "${lines[@]}"; do
        if [[ $line =~ ^child\ [0-9]+:\ reader:\ read\ ([0-9]+)\ in\ ([0-9]+)\ reads$ ]]; then
            sum=$((sum + BASH_REMATCH[1]))
            read_calls=$((read_calls + BASH_REMATCH[2]))
            reader_count=$((reader_count + 1))
        fi
    done
    assert_equal "$reader_count" 4
    assert_equal "$sum" 5000100000
    # Every read that returned something took at least one whole write.
    [ "$read_calls" -le 200000 ] || fail "$read_calls reads of 200000 writes"
}

@test "after the stress run the eventfd is empty: every post was read" {
    start_paused 20-many-readers --readers 2 --writers 2 --posts 20000
    for name in all-asleep one-took tokens-awaited all-fed exclusive-waiting one-woken; do
        next_checkpoint "$name"
        resume
    done
    next_checkpoint sums-match
    assert_count 0
    assert_equal "$(children_of "$CP_PID")" ""
    resume
    finish_lesson
    assert_success
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 20-many-readers --bogus "--readers 1" "--readers 17" "--writers 0" \
        "--writers 9" "--posts 0" "--posts 1000001" "--posts abc" "--readers -1" extra "--posts"
}
