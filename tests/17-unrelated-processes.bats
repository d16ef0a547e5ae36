#!/usr/bin/env bats
# Lesson 17: an eventfd handed to a process that did not inherit it.
load helper

# The parent pid of PID (field 4 of /proc/PID/stat, read after the last ')').
ppid_of() {
    local stat
    IFS= read -r stat <"/proc/$1/stat" || return 1
    stat=${stat##*) }
    read -r _ ppid _ <<<"$stat"
    printf '%s\n' "$ppid"
}

# The eventfd descriptors of process PID, separated by spaces.
eventfds_of() {
    local link fds=()
    for link in /proc/"$1"/fd/*; do
        [ "$(readlink "$link")" = "anon_inode:[eventfd]" ] && fds+=("${link##*/}")
    done
    printf '%s\n' "${fds[*]}"
}

@test "the child creates its own eventfd: the parent holds none before the handover" {
    start_paused 17-unrelated-processes
    next_checkpoint child-wrote
    parent=$(ppid_of "$CP_PID")
    assert_equal "$(eventfds_of "$parent")" ""
    assert_equal "$(eventfds_of "$CP_PID")" "$CP_FD"
    assert_count 2a
    resume
    finish_lesson
    assert_success
}

@test "after SCM_RIGHTS both processes show one eventfd-id and the count the child wrote (Linux 5.2+)" {
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    start_paused 17-unrelated-processes 7
    next_checkpoint child-wrote
    child=$CP_PID
    child_fd=$CP_FD
    resume
    next_checkpoint received
    [ "$CP_PID" != "$child" ] || fail "'received' should be reached in the parent"
    assert_equal "$(children_of "$CP_PID")" "$child"
    assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)" "$(fdinfo "$child" "$child_fd" eventfd-id)"
    assert_count 7
    assert_equal "$(count_hex "$child" "$child_fd")" 7
    # SCM_RIGHTS without MSG_CMSG_CLOEXEC: no close-on-exec on the new descriptor.
    assert_equal "$(fdinfo "$CP_PID" "$CP_FD" flags)" 02
    resume
    finish_lesson
    assert_success
    assert_line --regexp "^parent [0-9]+: received child $child's fd $child_fd as my fd [0-9]+\$"
}

@test "the parent reads what the child wrote, and the child's count is reset with it" {
    start_paused 17-unrelated-processes 0x1c
    next_checkpoint child-wrote
    child=$CP_PID
    child_fd=$CP_FD
    resume
    next_checkpoint received
    resume
    next_checkpoint parent-read
    assert_count 0
    assert_equal "$(count_hex "$child" "$child_fd")" 0
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: read 0x1c \(28\) through my fd [0-9]+: what the child wrote$'
    assert_line --regexp "^parent [0-9]+: child $child exited with status 0\$"
}

@test "pidfd_getfd gives the parent a close-on-exec copy with the child's eventfd-id (Linux 5.6+)" {
    kernel_at_least 5 6 || skip "pidfd_getfd needs Linux 5.6 (pidfd_open 5.3); this is $(uname -r)"
    start_paused 17-unrelated-processes 5
    pass_checkpoints child-wrote received parent-read
    next_checkpoint child-wrote
    child=$CP_PID
    child_fd=$CP_FD
    resume
    next_checkpoint taken
    [ "$CP_PID" != "$child" ] || fail "'taken' should be reached in the parent"
    assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)" "$(fdinfo "$child" "$child_fd" eventfd-id)"
    assert_equal "$(fdinfo "$CP_PID" "$CP_FD" flags)" 02000002    # O_CLOEXEC | O_RDWR
    assert_count 5
    resume
    next_checkpoint parent-read
    assert_count 0
    assert_equal "$(count_hex "$child" "$child_fd")" 0
    resume
    finish_lesson
    assert_success
    assert_line --regexp "^child $child: sending only the number $child_fd to the parent\$"
    assert_line --regexp "^parent [0-9]+: took child $child's fd $child_fd with pidfd_getfd\(\) as my fd $CP_FD \(FD_CLOEXEC set\)\$"
    assert_line --regexp '^parent [0-9]+: read 0x5 \(5\) through my fd [0-9]+: what the child wrote$'
}

@test "pidfd_getfd is refused with EPERM when the child is not dumpable, as after a set-user-ID exec, and the lesson says so" {
    kernel_at_least 5 6 || skip "pidfd_getfd needs Linux 5.6 (pidfd_open 5.3); this is $(uname -r)"
    [ "$(id -u)" = 0 ] || skip "needs root, to start the lesson with real and effective uids that differ"
    # A process whose real and effective uid differ when it execs (a
    # set-user-ID program) is made non-dumpable, and so is its child after
    # fork: only a process with CAP_SYS_PTRACE over it may take its
    # descriptors. setpriv gives the lesson such uids, and no capabilities.
    # make check's ASan build cannot run so: LeakSanitizer stops the process
    # with ptrace at exit, which a non-dumpable process refuses, and a
    # sanitizer ignores ASAN_OPTIONS in a process whose uids differ.
    [ -z "${ASAN_OPTIONS:-}" ] ||
        skip "under AddressSanitizer: LeakSanitizer cannot ptrace a non-dumpable process"
    # The lesson prints its own fdinfo; older kernels (5.10) give a
    # non-dumpable process's /proc files to root, and it cannot read them.
    setpriv --ruid=65533 --euid=65534 --regid=65534 --clear-groups \
        cat /proc/self/fdinfo/0 >/dev/null 2>&1 ||
        skip "a non-dumpable process cannot read its own /proc/self/fdinfo on $(uname -r), and the lesson prints it"
    run_lesson /usr/bin/setpriv --ruid=65533 --euid=65534 --regid=65534 --clear-groups \
        "$BUILD/17-unrelated-processes" 5
    assert_success
    assert_line --regexp '^parent [0-9]+: received child [0-9]+.s fd [0-9]+ as my fd [0-9]+$'
    assert_line --regexp '^parent [0-9]+: pidfd_getfd\(\) refused \(Operation not permitted\): it needs ptrace-attach rights over the child'
    refute_line --regexp 'took child [0-9]+.s fd'
    assert_equal "$(grep -c 'exited with status 0$' <<<"$output")" 2
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 17-unrelated-processes --bogus abc -1 0 18446744073709551615 "1 2"
}
