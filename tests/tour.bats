#!/usr/bin/env bats
# The guided tour (make tour): every lesson in order, colour only on a terminal.
# Kernel-independent: the tour's own job (order, pauses, colour) is the same on
# every kernel; what each lesson does there is its own file's to prove.
# A second or more: run-tests starts it among the first.
# bats file_tags=kernel-independent,slow
load helper

# The whole tour runs once plainly and once with --pause, side by side, for the
# whole file; each test asserts on what the run it needs printed.
setup_file() {
    local tour=$TOP/scripts/tour dir=$BATS_FILE_TMPDIR
    "$tour" </dev/null >"$dir/plain.out" 2>"$dir/plain.err" 3>&- &
    local plain=$!
    "$tour" --pause </dev/null >"$dir/paused.out" 2>"$dir/paused.err" 3>&- &
    local paused=$!
    local status=0
    wait "$plain" || status=$?
    echo "$status" >"$dir/plain.status"
    status=0
    wait "$paused" || status=$?
    echo "$status" >"$dir/paused.status"
}

# Sets status, output, lines and stderr, as `run --separate-stderr` would, from
# the saved run NAME (plain or paused).
# shellcheck disable=SC2034  # bats-assert reads status, output and lines
saved_run() {
    local dir=$BATS_FILE_TMPDIR
    read -r status <"$dir/$1.status"
    output=$(<"$dir/$1.out")
    stderr=$(<"$dir/$1.err")
    IFS=$'\n' read -d '' -r -a lines <<<"$output" || true
}

# A tour of one lesson: the tour script itself (linked) in a tree that holds
# only lesson 01's source and program. Prints the tour's path.
one_lesson_tour() {
    local tree=$BATS_TEST_TMPDIR/tree
    mkdir -p "$tree/scripts" "$tree/demos" "$tree/build"
    ln -s "$TOP/scripts/tour" "$tree/scripts/tour"
    ln -s "$TOP/demos/01-first-eventfd.c" "$tree/demos/"
    ln -s "$BUILD/01-first-eventfd" "$tree/build/"
    echo "$tree/scripts/tour"
}

@test "the tour runs every lesson in order, each under the first line of its header comment" {
    saved_run plain
    assert_success
    expected=$(cd "$TOP/demos" && for f in [0-9][0-9]-*.c; do sed -n '1s|^/\* *|== |p' "$f"; done)
    assert_equal "$(grep '^== ' <<<"$output")" "$expected"
    sources=("$TOP"/demos/[0-9][0-9]-*.c)
    lessons=${#sources[@]}
    assert_line "tour: $lessons lessons ran, 0 failed"
    refute_output --partial $'\e['
}

@test "the tour with --pause stops at checkpoints; end of input lets every one go on" {
    saved_run paused
    assert_success
    checkpoints=$(grep -c '^checkpoint ' <<<"$output")
    [ "$checkpoints" -ge 18 ] || fail "only $checkpoints checkpoints in the paused tour"
}

@test "on a terminal the tour is in colour, unless NO_COLOR is set" {
    command -v script >/dev/null || skip "script (util-linux) is needed to give the tour a terminal"
    # Colour is decided once, before the first lesson: one lesson shows it.
    tour=$(one_lesson_tour)
    run script -qec "$tour" /dev/null 3>&- </dev/null
    assert_success
    assert_output --partial $'\e[1m'
    run env NO_COLOR=1 script -qec "$tour" /dev/null 3>&- </dev/null
    assert_success
    refute_output --partial $'\e['
}

@test "the tour refuses an unknown argument with its usage and exit status 2" {
    assert_bad_input_refused "$TOP/scripts/tour" --bogus
}
