#!/usr/bin/env bats
# On a learner's own, busy machine: eventfd-ids are system-wide, and other
# processes (systemd, PipeWire, browsers, every glib program) create and close
# eventfds all the time. These tests keep such a process running beside
# lessons 02, 13 and 17 (tests/eventfd-churn.c) and check that every id the
# lessons and their tests compare still follows the rule: one object, one id;
# lowest free id first.
# shellcheck disable=SC2030,SC2031,SC2153  # each @test is a subshell of its own, so what it sets stays its own; DEADLINE comes from helper.bash
# A second or more: run-tests starts it among the first.
# bats file_tags=slow
load helper

setup_file() {
    # Bats 1.8 cannot skip from setup_file: setup() skips each test instead.
    NO_COMPILER=
    if ! command -v "${CC:-cc}" >/dev/null; then
        export NO_COMPILER="no C compiler (${CC:-cc}) to build tests/eventfd-churn.c and tests/eventfd-thief.c"
        return 0
    fi
    CHURN=$BATS_FILE_TMPDIR/eventfd-churn
    ${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Werror -D_GNU_SOURCE \
        -o "$CHURN" "$BATS_TEST_DIRNAME/eventfd-churn.c"
    THIEF=$BATS_FILE_TMPDIR/eventfd-thief
    ${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Werror -D_GNU_SOURCE \
        -o "$THIEF" "$BATS_TEST_DIRNAME/eventfd-thief.c"
    ${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Werror -D_GNU_SOURCE -DTHIEF_PRELOAD \
        -shared -fPIC -o "$THIEF.so" "$BATS_TEST_DIRNAME/eventfd-thief.c" -ldl
    export CHURN THIEF
}

# helper.bash's setup and teardown, kept under other names: these add the churn.
eval "helper_$(declare -f setup)"
eval "helper_$(declare -f teardown)"

setup() {
    helper_setup
    [ -z "${NO_COMPILER:-}" ] || skip "$NO_COMPILER"
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    # Its own process, its output in a file; it ends by itself after
    # BATS_TEST_TIMEOUT (or 60) seconds, with this test's shell, or in teardown.
    "$CHURN" "${BATS_TEST_TIMEOUT:-60}" >"$BATS_TEST_TMPDIR/churn.out" 3>&- &
    CHURN_PID=$!
    local line='' deadline=$((SECONDS + DEADLINE))
    until [ "$line" = churning ]; do
        [ "$SECONDS" -lt "$deadline" ] || fail "eventfd-churn did not start within ${DEADLINE}s"
        kill -0 "$CHURN_PID" 2>/dev/null || fail "eventfd-churn ended before it churned"
        IFS= read -r line <"$BATS_TEST_TMPDIR/churn.out" || true
    done
}

teardown() {
    helper_teardown
    [ -z "${THIEF_PID:-}" ] || stop_thief
    if [ -n "${CHURN_PID:-}" ]; then
        kill -KILL "$CHURN_PID" 2>/dev/null || true
        wait "$CHURN_PID" 2>/dev/null || true
        ! kill -0 "$CHURN_PID" 2>/dev/null || fail "eventfd-churn $CHURN_PID outlived the test"
    fi
}

# Starts eventfd-thief on two FIFOs in the test's directory and waits until
# it holds its eventfds; teardown kills it.
start_thief() {
    local line='' deadline=$((SECONDS + DEADLINE))
    rm -f "$BATS_TEST_TMPDIR/req" "$BATS_TEST_TMPDIR/ack"
    mkfifo "$BATS_TEST_TMPDIR/req" "$BATS_TEST_TMPDIR/ack"
    : >"$BATS_TEST_TMPDIR/thief.out"     # there before the loop below reads it
    "$THIEF" "$BATS_TEST_TMPDIR/req" "$BATS_TEST_TMPDIR/ack" >"$BATS_TEST_TMPDIR/thief.out" 3>&- &
    THIEF_PID=$!
    until [ "$line" = waiting ]; do
        [ "$SECONDS" -lt "$deadline" ] || fail "eventfd-thief did not start within ${DEADLINE}s"
        IFS= read -r line <"$BATS_TEST_TMPDIR/thief.out" || true
    done
}

# Ends the thief started last.
stop_thief() {
    kill -KILL "$THIEF_PID" 2>/dev/null || true
    wait "$THIEF_PID" 2>/dev/null || true
    THIEF_PID=
}

# Fails unless eventfd-churn is still running: the machine was busy throughout.
assert_churning() {
    kill -0 "$CHURN_PID" 2>/dev/null || fail "eventfd-churn stopped during the test"
}

@test "on a busy machine, lesson 13's freed id is reused, or it says truthfully who moved it, and tries again" {
    reused=no
    for _ in 1 2 3 4 5; do
        run_lesson 13-anon-inode-ids
        assert_success
        # Every attempt that did not get its id back explains why, and the
        # explanation agrees with lowest-free-first: a higher id means ours was
        # taken, a lower one that a lower one was freed.
        re='closed an eventfd with eventfd-id ([0-9]+); the next eventfd got eventfd-id ([0-9]+): (.*)$'
        for line in "${lines[@]}"; do
            [[ $line =~ $re ]] || continue
            freed=${BASH_REMATCH[1]} got=${BASH_REMATCH[2]} why=${BASH_REMATCH[3]}
            if [ "$got" -eq "$freed" ]; then
                assert_equal "$why" "the freed id was reused"
                reused=yes
            elif [ "$got" -gt "$freed" ]; then
                assert_equal "$why" "another process took the freed id first"
            else
                assert_equal "$why" "another process freed a lower id meanwhile"
            fi
        done
        [ "$reused" = no ] || break
        assert_line --regexp '^parent [0-9]+: gave up after 10 attempts: '
    done
    assert_equal "$reused" yes
    assert_churning
}

@test "when another process takes the freed id before the lesson's next eventfd, lesson 13 says so, never that it was reused" {
    # eventfd-thief takes the freed id at every close() of an eventfd in the
    # lesson (a preload library asks a thief process and waits for it): the
    # race a desktop loses now and then, made certain. The churn stops first:
    # with the thief alone, every attempt must go the same way.
    kill -KILL "$CHURN_PID" && wait "$CHURN_PID" 2>/dev/null || true
    CHURN_PID=
    start_thief
    export THIEF_REQ=$BATS_TEST_TMPDIR/req THIEF_ACK=$BATS_TEST_TMPDIR/ack LD_PRELOAD=$THIEF.so
    export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0   # make check's ASan build
    # A test running beside this one may free a lower id just before the
    # thief's eventfd, which then takes that one, and the lesson truly gets
    # its own id back. Every line must be true to its ids; the thief's every
    # steal must be seen in one run of the lesson, of up to 3.
    re='closed an eventfd with eventfd-id ([0-9]+); the next eventfd got eventfd-id ([0-9]+): (.*)$'
    stolen=0
    for ((run = 1; run <= 3 && stolen != 10; run++)); do
        run_lesson 13-anon-inode-ids
        assert_success
        stolen=0
        for line in "${lines[@]}"; do
            [[ $line =~ $re ]] || continue
            freed=${BASH_REMATCH[1]} got=${BASH_REMATCH[2]} why=${BASH_REMATCH[3]}
            if [ "$got" -eq "$freed" ]; then
                assert_equal "$why" "the freed id was reused"
            elif [ "$got" -gt "$freed" ]; then
                assert_equal "$why" "another process took the freed id first"
                stolen=$((stolen + 1))
            else
                assert_equal "$why" "another process freed a lower id meanwhile"
            fi
        done
    done
    unset LD_PRELOAD THIEF_REQ THIEF_ACK
    assert_equal "$stolen" 10
    refute_line --partial "the freed id was reused"
    assert_equal "$(grep -c 'trying again$' <<<"$output")" 9
    assert_line --regexp '^parent [0-9]+: gave up after 10 attempts: other processes create and close eventfds all the time here$'
}

@test "when another process frees a lower id before the lesson's next eventfd, lesson 13 says so" {
    kill -KILL "$CHURN_PID" && wait "$CHURN_PID" 2>/dev/null || true
    CHURN_PID=
    export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0   # make check's ASan build
    re='closed an eventfd with eventfd-id ([0-9]+); the next eventfd got eventfd-id ([0-9]+): (.*)$'
    # At each close the thief frees the lowest id it holds, which is lower
    # than the lesson's only if the thief took its ids before the lesson took
    # its own: a test beside this one may free a lower id in between (the
    # lesson takes that one) or take the freed one first (the lesson sees its
    # own id again, truthfully). Under make check's load step, with traced
    # homework beside it, one thief for 40 runs never held a lower id. So
    # each run gets a thief of its own, started just before it, and the
    # lesson runs again until one run gets a lower id, within the deadline
    # and at most 40 runs.
    lower=0 deadline=$((SECONDS + DEADLINE))
    for ((attempt = 1; attempt <= 40 && lower == 0 && SECONDS < deadline; attempt++)); do
        start_thief
        THIEF_REQ=$BATS_TEST_TMPDIR/req THIEF_ACK=$BATS_TEST_TMPDIR/ack THIEF_MODE=f \
            LD_PRELOAD=$THIEF.so run_lesson 13-anon-inode-ids
        stop_thief
        assert_success
        for line in "${lines[@]}"; do
            [[ $line =~ $re ]] || continue
            if [ "${BASH_REMATCH[2]}" -lt "${BASH_REMATCH[1]}" ]; then
                assert_equal "${BASH_REMATCH[3]}" "another process freed a lower id meanwhile"
                lower=$((lower + 1))
            fi
        done
    done
    [ "$lower" -ge 1 ] || fail "the thief freed lower ids in $((attempt - 1)) runs, and the lesson never got one"
}

@test "on a busy machine, lesson 13's dup and child keep the eventfd-id, and eventfds side by side differ" {
    start_paused 13-anon-inode-ids 5
    next_checkpoint created
    parent=$CP_PID
    id=$(fdinfo "$parent" "$CP_FD" eventfd-id)
    resume
    pass_checkpoints siblings own-inodes
    next_checkpoint duplicated
    assert_equal "$(fdinfo "$parent" "$CP_FD" eventfd-id)" "$id"
    resume
    next_checkpoint inherited
    assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)" "$id"
    resume
    next_checkpoint all-open
    ids=()
    for link in /proc/"$CP_PID"/fd/*; do
        [ "$(readlink "$link")" = "anon_inode:[eventfd]" ] || continue
        ids+=("$(fdinfo "$CP_PID" "${link##*/}" eventfd-id)")
    done
    assert_equal "${#ids[@]}" 5
    assert_equal "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" 5
    assert_churning
    resume
    finish_lesson
    assert_success
}

@test "on a busy machine, lesson 02's parent and child show one eventfd-id" {
    start_paused 02-fork-notify
    next_checkpoint created
    parent=$CP_PID
    id=$(fdinfo "$parent" "$CP_FD" eventfd-id)
    resume
    next_checkpoint received
    assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)" "$id"
    assert_equal "$(fdinfo "$parent" "$CP_FD" eventfd-id)" "$id"
    assert_churning
    resume
    finish_lesson
    assert_success
    assert_line --regexp "^child [0-9]+: my eventfd-id is $id, my parent's is $id: one kernel object$"
}

@test "on a busy machine, lesson 17's handed-over eventfd has the child's eventfd-id in both rounds" {
    start_paused 17-unrelated-processes 7
    next_checkpoint child-wrote
    child=$CP_PID child_fd=$CP_FD
    id=$(fdinfo "$child" "$child_fd" eventfd-id)
    resume
    next_checkpoint received
    assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)" "$id"
    resume
    next_checkpoint parent-read
    resume
    next_checkpoint child-wrote
    child=$CP_PID child_fd=$CP_FD
    id=$(fdinfo "$child" "$child_fd" eventfd-id)
    resume
    if kernel_at_least 5 6; then
        next_checkpoint taken
        assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)" "$id"
        assert_churning
        resume
    fi
    finish_lesson
    assert_success
}
