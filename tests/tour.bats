#!/usr/bin/env bats
# The guided tour (make tour): every lesson in order, colour only on a terminal.
load helper

@test "the tour runs every lesson in order, each under the first line of its header comment" {
    run --separate-stderr "$TOP/scripts/tour" 3>&- </dev/null
    assert_success
    expected=$(cd "$TOP/demos" && for f in [0-9][0-9]-*.c; do sed -n '1s|^/\* *|== |p' "$f"; done)
    assert_equal "$(grep '^== ' <<<"$output")" "$expected"
    lessons=$(ls "$TOP"/demos/[0-9][0-9]-*.c | wc -l)
    assert_line "tour: $lessons lessons ran, 0 failed"
    refute_output --partial $'\e['
}

@test "the tour with --pause stops at checkpoints; end of input lets every one go on" {
    run --separate-stderr "$TOP/scripts/tour" --pause 3>&- </dev/null
    assert_success
    checkpoints=$(grep -c '^checkpoint ' <<<"$output")
    [ "$checkpoints" -ge 18 ] || fail "only $checkpoints checkpoints in the paused tour"
}

@test "on a terminal the tour is in colour, unless NO_COLOR is set" {
    command -v script >/dev/null || skip "script (util-linux) is needed to give the tour a terminal"
    run script -qec "$TOP/scripts/tour" /dev/null 3>&- </dev/null
    assert_success
    assert_output --partial $'\e[1m'
    run env NO_COLOR=1 script -qec "$TOP/scripts/tour" /dev/null 3>&- </dev/null
    assert_success
    refute_output --partial $'\e['
}

@test "the tour refuses an unknown argument with its usage and exit status 2" {
    run --separate-stderr "$TOP/scripts/tour" --bogus 3>&-
    assert_equal "$status" 2
    [[ $stderr == *"usage: scripts/tour"* ]] || fail "no usage on stderr: $stderr"
}
