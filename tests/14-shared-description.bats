#!/usr/bin/env bats
# Lesson 14: fork and dup share one open file description (and its flags).
load helper

O_NONBLOCK=$((8#4000))
O_CLOEXEC=$((8#2000000))

# The fdinfo flags of PID/FD as a number (the kernel prints them in octal).
flags_of() {
    local flags
    flags=$(fdinfo "$1" "$2" flags) || return 1
    printf '%d\n' $((8#$flags))
}

# The other eventfd descriptor of process PID, not FD.
other_eventfd() {
    local link
    for link in /proc/"$1"/fd/*; do
        [ "${link##*/}" != "$2" ] || continue
        if [ "$(readlink "$link")" = "anon_inode:[eventfd]" ]; then
            printf '%s\n' "${link##*/}"
            return 0
        fi
    done
    return 1
}

@test "a dup shares the eventfd-id and the status flags, but not the close-on-exec flag" {
    start_paused 14-shared-description
    next_checkpoint duplicated
    copy=$CP_FD
    original=$(other_eventfd "$CP_PID" "$copy") || fail "no second eventfd descriptor"
    assert_equal "$(fdinfo "$CP_PID" "$copy" eventfd-id)" "$(fdinfo "$CP_PID" "$original" eventfd-id)"
    assert_equal "$(fdinfo "$CP_PID" "$original" flags)" 02
    assert_equal "$(fdinfo "$CP_PID" "$copy" flags)" 02000002
    resume
    finish_lesson
    assert_success
    assert_line --regexp "^parent [0-9]+: original fd $original: F_GETFL 02 \(O_RDWR\), F_GETFD 0 \(no FD_CLOEXEC\)\$"
    assert_line --regexp "^parent [0-9]+: copy     fd $copy: F_GETFL 02 \(O_RDWR\), F_GETFD 1 \(FD_CLOEXEC\)\$"
}

@test "the child's F_SETFL O_NONBLOCK shows in the parent's descriptors while it waits" {
    start_paused 14-shared-description 9
    next_checkpoint duplicated
    parent=$CP_PID
    copy=$CP_FD
    original=$(other_eventfd "$parent" "$copy")
    assert_equal $(( $(flags_of "$parent" "$original") & O_NONBLOCK )) 0
    resume
    next_checkpoint child-nonblock
    [ "$CP_PID" != "$parent" ] || fail "'child-nonblock' should be reached in the child"
    wait_for_state "$parent" S       # waiting in waitpid()
    assert_count 9
    assert_equal $(( $(flags_of "$CP_PID" "$CP_FD") & O_NONBLOCK )) "$O_NONBLOCK"
    assert_equal $(( $(flags_of "$parent" "$original") & O_NONBLOCK )) "$O_NONBLOCK"
    assert_equal $(( $(flags_of "$parent" "$copy") & O_NONBLOCK )) "$O_NONBLOCK"
    assert_equal $(( $(flags_of "$parent" "$copy") & O_CLOEXEC )) "$O_CLOEXEC"
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: original fd [0-9]+: F_GETFL 04002 \(O_RDWR\|O_NONBLOCK\), F_GETFD 0 \(no FD_CLOEXEC\)$'
}

@test "after the child has gone, the parent's first read gets VALUE and the second fails with EAGAIN" {
    start_paused 14-shared-description 0x1c
    next_checkpoint duplicated
    resume
    next_checkpoint child-nonblock
    resume
    next_checkpoint reaped
    assert_equal "$(children_of "$CP_PID")" ""
    assert_count 1c
    resume
    next_checkpoint read-eagain
    assert_count 0
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^child [0-9]+: wrote 0x1c \(28\)$'
    assert_line --regexp '^parent [0-9]+: first read: 0x1c \(28\)$'
    assert_line --regexp '^parent [0-9]+: second read, at count 0: -1, errno EAGAIN \(Resource temporarily unavailable\): the child.s O_NONBLOCK is mine too$'
}

@test "kcmp(KCMP_FILE) finds one open file description for the dup and for parent and child" {
    run_lesson 14-shared-description
    assert_success
    if [[ $output == *"kcmp() is not available here"* ]]; then
        skip "kcmp() needs Linux 3.5 built with CONFIG_KCMP; this is $(uname -r)"
    fi
    assert_line --regexp '^parent ([0-9]+): kcmp\(\1, \1, KCMP_FILE, ([0-9]+), ([0-9]+)\) = 0: one open file description$'
    assert_line --regexp '^child ([0-9]+): kcmp\([0-9]+, \1, KCMP_FILE, ([0-9]+), \2\) = 0: one open file description$'
}

@test "preadv2 with RWF_NOWAIT fails at once with EAGAIN at count 0 and leaves the shared flags as they were" {
    start_paused 14-shared-description
    next_checkpoint duplicated
    copy=$CP_FD
    original=$(other_eventfd "$CP_PID" "$copy") || fail "no second eventfd descriptor"
    assert_equal "$(fdinfo "$CP_PID" "$original" flags)" 02       # no O_NONBLOCK (04000)
    assert_equal "$(fdinfo "$CP_PID" "$copy" flags)" 02000002
    assert_count 0
    resume
    finish_lesson
    assert_success
    if kernel_at_least 5 8; then
        assert_line --regexp '^parent [0-9]+: preadv2\(RWF_NOWAIT\) at count 0: EAGAIN \(Resource temporarily unavailable\) at once, for this call only$'
    else
        # eventfd has had read_iter, which per-call flags need, since Linux 5.8.
        assert_line --regexp '^parent [0-9]+: preadv2\(RWF_NOWAIT\) is not supported on an eventfd here \(Operation not supported\): it needs Linux 5.8$'
    fi
    assert_equal "$(grep -c "^parent [0-9]*: original fd $original: F_GETFL 02 (O_RDWR)" <<<"$output")" 2
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 14-shared-description --bogus abc -1 0 18446744073709551615 "1 2"
}
