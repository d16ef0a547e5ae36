#!/usr/bin/env bats
# Lesson 19: the kernel posts to an eventfd (AIO completions), and the overflow
# state 0xffffffffffffffff that only a kernel post reaches.
# shellcheck disable=SC2153  # LINE is set by helper.bash's read_line
# A second or more: run-tests starts it among the first.
# bats file_tags=slow
load helper

# The lesson asks io_setup for 64 requests: the kernel needs CONFIG_AIO (which
# makes /proc/sys/fs/aio-max-nr) and 64 free under that system-wide limit.
require_aio() {
    local max used
    [ -r /proc/sys/fs/aio-max-nr ] ||
        skip "this kernel has no AIO (CONFIG_AIO is off: no /proc/sys/fs/aio-max-nr)"
    read -r max </proc/sys/fs/aio-max-nr
    read -r used </proc/sys/fs/aio-nr
    [ $((max - used)) -ge 64 ] ||
        skip "fs.aio-max-nr is $max and $used AIO requests are taken: no room for 64 more"
}

# Asserts what the last "poll: ...; select: ..." line before the current
# checkpoint says, e.g. "poll: POLLOUT; select: writable".
assert_readiness() {
    local i line
    for ((i = ${#OUT_LINES[@]} - 1; i >= 0; i--)); do
        line=${OUT_LINES[i]}
        if [[ $line =~ ^parent\ [0-9]+:\ (poll:\ .*)$ ]]; then
            [ "${BASH_REMATCH[1]}" = "$1" ] ||
                fail "at checkpoint '$CP_NAME' the lesson says '${BASH_REMATCH[1]}', expected '$1'"
            return 0
        fi
    done
    fail "no poll line before checkpoint '$CP_NAME'"
}

# Waits for the checkpoint uring-posted; returns 1, without failing, when the
# lesson ends without it because io_uring is absent or forbidden here.
next_uring_checkpoint() {
    while read_line; do
        if [[ $LINE =~ ^checkpoint\ uring-posted\ pid=([0-9]+)\ fd=([0-9]+)$ ]]; then
            CP_NAME=uring-posted CP_PID=${BASH_REMATCH[1]} CP_FD=${BASH_REMATCH[2]}
            return 0
        fi
        OUT_LINES+=("$LINE")
        [[ $LINE == *"io_uring is absent or forbidden here"* ]] && return 1
    done
    fail "the lesson ended without the checkpoint uring-posted and without saying why"
}

# Goes through the checkpoints before NAME and stops at NAME.
skip_to() {
    local name
    for name in created submitted filled overflowed saturated emptied uring-posted held released; do
        next_checkpoint "$name"
        [ "$name" = "$1" ] && return 0
        resume
    done
}

@test "each AIO completion adds 1 to the eventfd: 5 reads make the count 5 before anyone reads it" {
    require_aio
    start_paused 19-kernel-posts 5
    next_checkpoint created
    assert_count 0
    assert_readiness "poll: POLLOUT; select: writable"
    resume
    next_checkpoint submitted
    assert_count 5
    assert_readiness "poll: POLLIN POLLOUT; select: readable and writable"
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: read 0x5 \(5\) from the eventfd: that many completions to collect$'
    assert_line --regexp '^parent [0-9]+: io_getevents collected 5 completions, of 8 bytes each$'
}

@test "the lesson's eventfd is O_RDWR, non-blocking and close-on-exec: fdinfo flags 02004002" {
    require_aio
    start_paused 19-kernel-posts
    next_checkpoint created
    flags=$(fdinfo "$CP_PID" "$CP_FD" flags) || fail "no flags in fdinfo"
    # The access mode is O_RDWR (2) on every architecture: no eventfd
    # descriptor is write-only, so whoever can post can also drain the count.
    assert_equal $((8#$flags & 3)) 2
    case $(uname -m) in
        x86_64 | i?86 | aarch64 | arm* | riscv64 | s390x | ppc64*)
            assert_equal "$flags" 02004002 ;;      # O_NONBLOCK 04000, O_CLOEXEC 02000000
    esac
    resume
    finish_lesson
    assert_success
}

@test "efd-ls shows the lesson's eventfd, a real EFD_NONBLOCK | EFD_CLOEXEC one, as non-blocking and close-on-exec" {
    require_aio
    start_paused 19-kernel-posts
    next_checkpoint created
    run --separate-stderr "$TOP/scripts/efd-ls" "$CP_PID"
    assert_success
    # ID PID FD COUNT(2 words) SEMAPHORE NONBLOCK CLOEXEC COMMAND
    row=$(awk -v pid="$CP_PID" -v fd="$CP_FD" '$2 == pid && $3 == fd { print $7, $8 }' <<<"$output")
    assert_equal "$row" "yes yes"
    resume
    finish_lesson
    assert_success
}

@test "write(2) can take the count to 0xfffffffffffffffe, where poll drops POLLOUT and select says readable only" {
    require_aio
    start_paused 19-kernel-posts
    skip_to filled
    assert_count fffffffffffffffe
    assert_readiness "poll: POLLIN, no POLLOUT; select: readable"
    resume
    finish_lesson
    assert_success
}

@test "one AIO completion takes the count from 0xfffffffffffffffe to 0xffffffffffffffff, which write(2) never reaches" {
    require_aio
    start_paused 19-kernel-posts
    skip_to filled
    assert_count fffffffffffffffe
    resume
    next_checkpoint overflowed
    assert_count ffffffffffffffff
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: one more AIO read completed: the count is now 0xffffffffffffffff$'
}

@test "at 0xffffffffffffffff poll reports POLLIN and POLLERR without POLLOUT, and select says readable and writable" {
    require_aio
    start_paused 19-kernel-posts
    skip_to overflowed
    assert_count ffffffffffffffff
    assert_readiness "poll: POLLIN POLLERR, no POLLOUT; select: readable and writable"
    resume
    finish_lesson
    assert_success
}

@test "at 0xffffffffffffffff every write fails with EAGAIN, even a write of 0, and the count stays" {
    require_aio
    start_paused 19-kernel-posts
    skip_to overflowed
    assert_count ffffffffffffffff
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: write\(0\) failed with EAGAIN \(.*\): no write adds to 0xffffffffffffffff, not even 0$'
    assert_line --regexp '^parent [0-9]+: write\(1\) failed with EAGAIN \(.*\): no write adds to 0xffffffffffffffff, not even 0$'
}

@test "a completion at 0xffffffffffffffff is not counted: the count stays, and io_getevents still gets the event" {
    require_aio
    start_paused 19-kernel-posts
    skip_to saturated
    assert_count ffffffffffffffff
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: another AIO read completed \(io_getevents got its event, 8 bytes\); the count after its post: 0xffffffffffffffff$'
}

@test "a read at 0xffffffffffffffff returns 0xffffffffffffffff and leaves 0, and POLLOUT is back" {
    require_aio
    start_paused 19-kernel-posts
    skip_to emptied
    assert_count 0
    assert_readiness "poll: POLLOUT; select: writable"
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: read 0xffffffffffffffff \(18446744073709551615\)$'
}

@test "io_uring posts when completions arrive, not once each: 5 no-ops in one submission post 1 to 5 times, and the ring holds 5" {
    require_aio
    start_paused 19-kernel-posts 5
    skip_to emptied
    resume
    if ! next_uring_checkpoint; then
        finish_lesson
        assert_success
        skip "io_uring is not available here: ${lines[-1]#parent * }"
    fi
    posts=$((16#$(count_hex)))
    [ "$posts" -ge 1 ] && [ "$posts" -le 5 ] ||
        fail "after 5 no-ops in one submission the eventfd count is $posts, expected 1..5"
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: submitted 5 io_uring no-ops with one io_uring_enter; the completion ring holds 5$'
    assert_line --regexp "^parent [0-9]+: read 0x$posts \\($posts\\) from the eventfd, then took 5 completions from the ring$"
}

# Reads the lesson's output up to its next checkpoint, whichever it is: sets
# CP_NAME, CP_PID and CP_FD; returns 1 at the end of the output.
next_any_checkpoint() {
    while read_line; do
        if [[ $LINE =~ ^checkpoint\ ([^ ]+)\ pid=([0-9]+)\ fd=([0-9]+)$ ]]; then
            CP_NAME=${BASH_REMATCH[1]} CP_PID=${BASH_REMATCH[2]} CP_FD=${BASH_REMATCH[3]}
            return 0
        fi
        OUT_LINES+=("$LINE")
    done
    return 1
}

@test "a registered io_uring keeps the eventfd and its eventfd-id after the last close; unregistering frees the id (Linux 5.2+)" {
    require_aio
    kernel_at_least 5 2 || skip "eventfd-id needs Linux 5.2; this is $(uname -r)"
    start_paused 19-kernel-posts 1
    skip_to emptied
    resume
    if ! next_uring_checkpoint; then
        finish_lesson
        skip "io_uring is not available here: ${lines[-1]#parent * }"
    fi
    resume
    # On a busy machine another process may take or free an id meanwhile:
    # the lesson then tries again, so "held" may come more than once.
    released=
    while next_any_checkpoint; do
        held=
        for ((i = ${#OUT_LINES[@]} - 1; i >= 0; i--)); do
            if [[ ${OUT_LINES[i]} =~ registered\ an\ eventfd\ with\ eventfd-id\ ([0-9]+) ]]; then
                held=${BASH_REMATCH[1]}
                break
            fi
        done
        [ -n "$held" ] || fail "no 'registered an eventfd with eventfd-id N' line before '$CP_NAME'"
        read_fdinfo "$CP_PID" "$CP_FD" eventfd-id
        case $CP_NAME in
        held)
            [ "$FDINFO" != "$held" ] || fail "the new eventfd got the registered one's id $held"
            for file in /proc/"$CP_PID"/fdinfo/*; do
                read_fdinfo "$CP_PID" "${file##*/}" eventfd-id || continue
                [ "$FDINFO" != "$held" ] ||
                    fail "the lesson still holds a descriptor with eventfd-id $held: ${file##*/}"
            done
            ;;
        released)
            assert_equal "$FDINFO" "$held"
            released=yes
            ;;
        *) fail "unexpected checkpoint '$CP_NAME'" ;;
        esac
        resume
    done
    finish_lesson
    assert_success
    [ -n "$released" ] || fail "the id never came back: ${lines[*]}"
    assert_line --regexp '^parent [0-9]+: a new eventfd got eventfd-id [0-9]+ again: the ring.s reference had kept the object and its id after my close$'
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 19-kernel-posts --bogus 0 65 abc -1 "1 2"
}
