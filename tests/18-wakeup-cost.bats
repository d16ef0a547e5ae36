#!/usr/bin/env bats
# Lesson 18: what a wake-up costs, eventfd against a pipe. The lesson prints
# times, but no test asserts one: no time holds on every machine. The tests
# assert what does: every round trip made, every post summed, the reads a
# stream needs, the counts the kernel shows at the checkpoints.
load helper

ROUND_TRIPS=200
POSTS=5000

# One run without --pause, shared by the tests that read its output.
setup_file() {
    local dir=$BATS_FILE_TMPDIR
    "$BUILD/18-wakeup-cost" --round-trips "$ROUND_TRIPS" --posts "$POSTS" \
        </dev/null >"$dir/run.out" 2>"$dir/run.err" 3>&-
    echo $? >"$dir/run.status"
}

# Sets status, output, lines and stderr from the shared run.
shared_run() {
    status=$(<"$BATS_FILE_TMPDIR/run.status")
    output=$(<"$BATS_FILE_TMPDIR/run.out")
    stderr=$(<"$BATS_FILE_TMPDIR/run.err")
    mapfile -t lines <<<"$output"
}

two_cpus() {
    [ "$(nproc)" -ge 2 ] || skip "this needs two usable CPUs; this process may use $(nproc)"
}

# The "posts taken by" line of CHANNEL's stream, as "SUM READS PER_READ".
stream_figures() {
    [[ $output =~ parent\ [0-9]+:\ $1:\ ([0-9]+)\ posts\ taken\ by\ ([0-9]+)\ read\(s\),\ ([0-9.]+)\ posts\ per\ read ]] ||
        fail "no streaming line for $1"
    echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]}"
}

@test "the checkpoints show two eventfds at count 0 and two pipes before any child, and the count at 0 again once the streams are read" {
    start_paused 18-wakeup-cost --round-trips 10 --posts 300
    next_checkpoint channels-created
    assert_count 0
    [[ ${OUT_LINES[1]} =~ eventfd:\ fd\ ([0-9]+)\ \(parent\ to\ child\)\ and\ fd\ ([0-9]+)\ \(child\ to\ parent\) ]] ||
        fail "no line naming the eventfds: ${OUT_LINES[1]}"
    assert_equal "${BASH_REMATCH[1]}" "$CP_FD"
    assert_equal "$(count_hex "$CP_PID" "${BASH_REMATCH[2]}")" 0
    assert_equal "$(readlink "/proc/$CP_PID/fd/${BASH_REMATCH[2]}")" "anon_inode:[eventfd]"
    # each pipe: a write end and a read end with one inode
    [[ ${OUT_LINES[2]} =~ pipe:\ fd\ ([0-9]+)\ -\>\ fd\ ([0-9]+)\ \(parent\ to\ child\)\ and\ fd\ ([0-9]+)\ -\>\ fd\ ([0-9]+) ]] ||
        fail "no line naming the pipes: ${OUT_LINES[2]}"
    fds=("${BASH_REMATCH[@]:1}")
    for i in 0 2; do
        pipe=$(readlink "/proc/$CP_PID/fd/${fds[i]}")
        [[ $pipe == pipe:\[*\] ]] || fail "fd ${fds[i]} is $pipe, not a pipe"
        assert_equal "$(readlink "/proc/$CP_PID/fd/${fds[i + 1]}")" "$pipe"
    done
    assert_equal "$(children_of "$CP_PID")" ""
    resume
    # streamed: every post read (the count is 0 again), the stream's child reaped
    next_checkpoint streamed
    assert_count 0
    assert_equal "$(children_of "$CP_PID")" ""
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: eventfd: 300 posts taken by [0-9]+ read\(s\), '
    assert_line --regexp '^parent [0-9]+: pipe: 300 posts taken by 300 read\(s\), 1\.00 posts per read: a read of 8 bytes takes one post$'
}

@test "on one CPU, eventfd and pipe each make every round trip and report the time per round trip" {
    shared_run
    assert_equal "$status" 0
    assert_equal "$stderr" ""
    assert_line --regexp "^parent [0-9]+: ping-pong on one CPU: parent on CPU ([0-9]+), child on CPU \\1, $ROUND_TRIPS round trips each\$"
    for channel in eventfd pipe; do
        assert_line --regexp "^parent [0-9]+: $channel: $ROUND_TRIPS round trips in [0-9]+ µs: [0-9]+\\.[0-9]{2} µs per round trip\$"
    done
}

# bats test_tags=needs:2cpus
@test "across two CPUs the child runs on the second usable CPU, and every child exits with status 0 and is reaped" {
    two_cpus
    shared_run
    # the first two CPUs of this process's list ("0-3,8" and the like)
    mapfile -t cpus < <(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status | tr ',' '\n' |
        awk -F- '{ for (c = $1; c <= ($2 == "" ? $1 : $2); c++) print c }' | head -n 2)
    first=${cpus[0]} second=${cpus[1]}
    assert_line --regexp "^parent [0-9]+: [0-9]+ CPUs usable: the lesson uses CPU $first and CPU $second\$"
    assert_line --regexp "^parent [0-9]+: ping-pong across CPUs: parent on CPU $first, child on CPU $second, $ROUND_TRIPS round trips each\$"
    assert_equal "$(grep -cE "^parent [0-9]+: (eventfd|pipe): $ROUND_TRIPS round trips in " <<<"$output")" 4
    # two ping-pongs on one CPU, two across, two streams
    assert_line --regexp '^parent [0-9]+: all 6 children exited with status 0 and were reaped$'
}

@test "with one usable CPU the lesson says so and skips the ping-pong across CPUs" {
    command -v taskset >/dev/null || skip "taskset is not installed (util-linux)"
    cpu=$(awk '/^Cpus_allowed_list:/ { split($2, a, /[-,]/); print a[1] }' /proc/self/status)
    taskset -cp "$cpu" "$BASHPID" >/dev/null      # this test and what it starts
    run_lesson 18-wakeup-cost --round-trips 10 --posts 10
    assert_success
    assert_line --regexp "^parent [0-9]+: 1 CPU usable: the lesson uses CPU $cpu only\$"
    assert_line --regexp '^parent [0-9]+: ping-pong across CPUs: skipped: only one CPU is usable here$'
    refute_line --partial "ping-pong across CPUs: parent"
    assert_equal "$(grep -cE '^parent [0-9]+: (eventfd|pipe): 10 round trips in ' <<<"$output")" 2
    assert_line --regexp '^parent [0-9]+: all 4 children exited with status 0 and were reaped$'
}

@test "the eventfd stream sums exactly N posts in at most N reads" {
    shared_run
    read -r sum reads per_read <<<"$(stream_figures eventfd)"
    assert_equal "$sum" "$POSTS"
    [ "$reads" -ge 1 ] && [ "$reads" -le "$POSTS" ] || fail "$reads reads for $POSTS posts"
    assert_equal "$per_read" "$(awk -v s="$sum" -v r="$reads" 'BEGIN { printf "%.2f", s / r }')"
}

@test "the pipe stream needs one read per post: N reads for N posts" {
    shared_run
    assert_equal "$(stream_figures pipe)" "$POSTS $POSTS 1.00"
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 18-wakeup-cost --bogus "--round-trips 0" "--round-trips 1000001" \
        "--posts abc" extra
}
