#!/usr/bin/env bats
# Lesson 10: an eventfd survives exec unless it was created with EFD_CLOEXEC.
load helper

# Octal fdinfo flags of PID/FD, masked with the close-on-exec bit 02000000.
cloexec_bit() {
    local flags
    flags=$(fdinfo "$1" "$2" flags) || return 1
    printf '%o\n' $(( 8#$flags & 8#2000000 ))
}

@test "the exec'd helper, found next to the lesson from any directory, notifies the parent through the inherited eventfd" {
    cd "$BATS_TEST_TMPDIR"
    run_lesson 10-exec-cloexec 1234
    assert_success
    assert_line --regexp "^child [0-9]+: exec $BUILD/helpers/efd-notify 3 1234\$"
    assert_line --regexp '^child [0-9]+: efd-notify: fd 3 is anon_inode:\[eventfd\]: an eventfd, inherited across exec$'
    assert_line --regexp '^child [0-9]+: efd-notify: wrote 0x4d2 \(1234\) to inherited fd 3$'
    assert_line --regexp '^parent [0-9]+: read 0x4d2 \(1234\): the exec.d program notified me$'
}

@test "with EFD_CLOEXEC the same fd number is closed in the helper: EBADF, exit status 3" {
    run_lesson 10-exec-cloexec
    assert_success
    assert_line --regexp '^parent [0-9]+: created eventfd fd 3 with EFD_CLOEXEC$'
    assert_line --regexp '^child [0-9]+: efd-notify: write to fd 3 failed with EBADF: no such descriptor in this program \(it was closed on exec\)$'
    assert_line --regexp '^parent [0-9]+: helper [0-9]+ exited with status 3$'
    assert_line --regexp '^parent [0-9]+: exit status 3: fd 3 was closed on exec, nothing was written$'
}

@test "fdinfo flags carry the close-on-exec bit 02000000 only with EFD_CLOEXEC" {
    start_paused 10-exec-cloexec
    next_checkpoint created
    assert_equal "$(cloexec_bit "$CP_PID" "$CP_FD")" 0
    resume
    next_checkpoint helper-wrote
    resume
    next_checkpoint notified
    resume
    next_checkpoint created-cloexec
    assert_equal "$(cloexec_bit "$CP_PID" "$CP_FD")" 2000000
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: fd 3: fdinfo flags 02, close-on-exec bit 02000000 clear; fcntl\(F_GETFD\) says 0 \(no FD_CLOEXEC\)$'
    assert_line --regexp '^parent [0-9]+: fd 3: fdinfo flags 02000002, close-on-exec bit 02000000 set; fcntl\(F_GETFD\) says FD_CLOEXEC$'
}

@test "the exec'd program holds the parent's eventfd under the same number (eventfd-id since Linux 5.2)" {
    start_paused 10-exec-cloexec 77
    next_checkpoint created
    parent=$CP_PID
    resume
    next_checkpoint helper-wrote
    assert_equal "$(children_of "$parent")" "$CP_PID"
    assert_equal "$(readlink "/proc/$CP_PID/exe")" "$BUILD/helpers/efd-notify"
    assert_equal "$(readlink "/proc/$CP_PID/fd/$CP_FD")" "anon_inode:[eventfd]"
    assert_count 4d
    assert_equal "$(cloexec_bit "$CP_PID" "$CP_FD")" 0
    if kernel_at_least 5 2; then
        assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)" "$(fdinfo "$parent" "$CP_FD" eventfd-id)"
    fi
    resume
    next_checkpoint notified
    assert_count 0
    resume
    finish_lesson
    assert_success
}

@test "after exec the close-on-exec eventfd is gone from the helper's /proc/PID/fd, and the count stays 0" {
    start_paused 10-exec-cloexec
    pass_checkpoints created helper-wrote notified created-cloexec
    next_checkpoint fd-closed
    [ "$(readlink "/proc/$CP_PID/exe")" = "$BUILD/helpers/efd-notify" ] ||
        fail "'fd-closed' should be reached in the exec'd helper"
    [ ! -e "/proc/$CP_PID/fd/$CP_FD" ] || fail "fd $CP_FD is still open in the helper"
    parent=$(awk '$1 == "PPid:" { print $2 }' "/proc/$CP_PID/status")
    assert_equal "$(readlink "/proc/$parent/fd/$CP_FD")" "anon_inode:[eventfd]"
    assert_equal "$(count_hex "$parent" "$CP_FD")" 0
    resume
    next_checkpoint not-notified
    assert_count 0
    resume
    finish_lesson
    assert_success
}

@test "the helper alone exits with status 3 for a descriptor it does not have, 2 for bad input" {
    run_lesson helpers/efd-notify 1000 5
    assert_equal "$status" 3
    assert_line --regexp '^child [0-9]+: efd-notify: write to fd 1000 failed with EBADF'
    assert_bad_input_refused helpers/efd-notify "2 5" "1000 abc" "1000 5 6"
}

@test "given a number that names another file, the helper says what it names, writes nothing to it and exits with status 4" {
    target=$BATS_TEST_TMPDIR/not-an-eventfd
    : >"$target"
    # Started directly, with fd 3 open on a file of the test's own.
    run "$BUILD/helpers/efd-notify" 3 5 3>>"$target"
    assert_equal "$status" 4
    [[ $output =~ ^child\ [0-9]+:\ efd-notify:\ fd\ 3\ is\ (.*),\ not\ an\ eventfd:\ nothing\ written$ ]] ||
        fail "the helper did not refuse fd 3: $output"
    assert_equal "${BASH_REMATCH[1]}" "$(realpath "$target")"
    assert_equal "$(stat -c %s "$target")" 0
    run "$BUILD/helpers/efd-notify" 3 5 3</dev/null
    assert_equal "$status" 4
    assert_output --regexp '^child [0-9]+: efd-notify: fd 3 is /dev/null, not an eventfd: nothing written$'
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 10-exec-cloexec --bogus 0 18446744073709551615 abc -1 "1 2"
}
