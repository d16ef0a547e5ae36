#!/usr/bin/env bats
# Lesson 13: one shared anonymous inode for all; eventfd-id tells eventfds apart.
# A second or more: run-tests starts it among the first.
# bats file_tags=slow
load helper

# The inode number of descriptor FD of process PID, as stat(2) sees it.
inode_of() {
    stat -L -c %i "/proc/$1/fd/$2"
}

# The descriptor of process PID whose link is anon_inode:[KIND].
anon_fd() {
    local link
    for link in /proc/"$1"/fd/*; do
        if [ "$(readlink "$link")" = "anon_inode:[$2]" ]; then
            printf '%s\n' "${link##*/}"
            return 0
        fi
    done
    return 1
}

# A device number as stat(1) prints it (%d) in MAJOR:MINOR, as the lesson and
# lsof's DEVICE column print it (glibc's makedev encoding).
major_minor() {
    local dev=$1
    printf '%d:%d\n' $(( ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfff) )) \
        $(( (dev & 0xff) | ((dev >> 12) & ~0xff) ))
}

@test "readlink says anon_inode:[eventfd] and F_GETFL says O_RDWR" {
    start_paused 13-anon-inode-ids
    next_checkpoint created
    assert_equal "$(readlink "/proc/$CP_PID/fd/$CP_FD")" "anon_inode:[eventfd]"
    flags=$(fdinfo "$CP_PID" "$CP_FD" flags)
    assert_equal $(( 8#$flags & 3 )) 2          # O_ACCMODE is O_RDWR
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: fcntl\(F_GETFL\) = 02: access mode O_RDWR$'
}

@test "opening /proc/PID/fd/N of an eventfd fails with ENXIO: no new descriptor that way" {
    start_paused 13-anon-inode-ids
    next_checkpoint created
    run cat "/proc/$CP_PID/fd/$CP_FD"
    assert_failure
    assert_output --partial "No such device or address"
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: open\("/proc/self/fd/[0-9]+"\) failed with ENXIO \(No such device or address\): no new descriptor this way$'
}

@test "eventfd, epoll, signalfd and timerfd descriptors all have one inode number" {
    start_paused 13-anon-inode-ids
    pass_checkpoints created
    next_checkpoint siblings
    ino=$(inode_of "$CP_PID" "$CP_FD")
    kinds=()
    for link in /proc/"$CP_PID"/fd/*; do
        target=$(readlink "$link") || continue
        [[ $target == anon_inode:* ]] || continue
        kinds+=("$target")
        assert_equal "$(stat -L -c %i "$link")" "$ino"
        # fdinfo has an ino: line since Linux 5.14 (commit 3845f256a8b5).
        if kernel_at_least 5 14; then
            assert_equal "$(fdinfo "$CP_PID" "${link##*/}" ino)" "$ino"
        fi
    done
    assert_equal "$(printf '%s\n' "${kinds[@]}" | sort | tr '\n' ' ')" \
        "anon_inode:[eventfd] anon_inode:[eventpoll] anon_inode:[signalfd] anon_inode:[timerfd] "
    resume
    finish_lesson
    assert_success
    assert_line --regexp "^parent [0-9]+: one inode number, $ino, for all four: the kernel's single anonymous inode$"
}

@test "lsof's NODE is the shared inode and its name is [eventfd:ID] with fdinfo's eventfd-id" {
    command -v lsof >/dev/null || skip "lsof is not installed (apt-get install lsof)"
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    start_paused 13-anon-inode-ids
    pass_checkpoints created
    next_checkpoint siblings
    id=$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)
    ino=$(inode_of "$CP_PID" "$CP_FD")
    fds=$CP_FD
    for kind in eventpoll signalfd timerfd; do
        fds+=,$(anon_fd "$CP_PID" "$kind") || fail "no [$kind] descriptor at 'siblings'"
    done
    # -F: one field a line; n = name, i = inode (NODE column).
    run lsof -w -a -p "$CP_PID" -d "$fds" -F ni
    assert_success
    # lsof before 4.94 prints plain [eventfd]; 4.94 and newer add fdinfo's id.
    if [[ $output == *"n[eventfd:"* ]]; then
        assert_line "n[eventfd:$id]"
    else
        assert_line "n[eventfd]"
    fi
    assert_line "n[eventpoll]"
    assert_line "n[signalfd]"
    assert_line "n[timerfd]"
    assert_equal "$(grep -c "^i$ino\$" <<<"$output")" 4
    resume
    finish_lesson
    assert_success
}

@test "lsfd (util-linux) shows the same INODE and names the eventfd" {
    command -v lsfd >/dev/null || skip "lsfd is not installed (util-linux 2.38 or later)"
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    start_paused 13-anon-inode-ids
    pass_checkpoints created
    next_checkpoint siblings
    id=$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)
    ino=$(inode_of "$CP_PID" "$CP_FD")
    run lsfd -p "$CP_PID" -n -r -o FD,INODE,NAME
    assert_success
    # util-linux 2.38 names it anon_inode:[eventfd]; later ones print id=ID.
    if [[ $output == *"$CP_FD $ino id="* ]]; then
        assert_line "$CP_FD $ino id=$id"
    else
        assert_line "$CP_FD $ino anon_inode:[eventfd]"
    fi
    for kind in eventpoll signalfd timerfd; do
        fd=$(anon_fd "$CP_PID" "$kind") || fail "no [$kind] descriptor at 'siblings'"
        assert_line --regexp "^$fd $ino "
    done
    resume
    finish_lesson
    assert_success
}

@test "the eventfd-id stays the same after dup and after fork (Linux 5.2+)" {
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    start_paused 13-anon-inode-ids
    next_checkpoint created
    parent=$CP_PID
    original_fd=$CP_FD
    id=$(fdinfo "$parent" "$original_fd" eventfd-id)
    resume
    pass_checkpoints siblings own-inodes
    next_checkpoint duplicated
    [ "$CP_FD" != "$original_fd" ] || fail "the dup should be another descriptor"
    assert_equal "$(fdinfo "$parent" "$CP_FD" eventfd-id)" "$id"
    resume
    next_checkpoint inherited
    [ "$CP_PID" != "$parent" ] || fail "'inherited' should be reached in the child"
    assert_equal "$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)" "$id"
    resume
    finish_lesson
    assert_success
    assert_line --regexp "^child [0-9]+: inherited fd $original_fd: my eventfd-id is $id, my parent's is $id\$"
}

@test "eventfds open side by side have different eventfd-ids and one inode number (Linux 5.2+)" {
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    start_paused 13-anon-inode-ids 5
    pass_checkpoints created siblings own-inodes duplicated inherited
    next_checkpoint all-open
    ids=() inodes=()
    for link in /proc/"$CP_PID"/fd/*; do
        [ "$(readlink "$link")" = "anon_inode:[eventfd]" ] || continue
        ids+=("$(fdinfo "$CP_PID" "${link##*/}" eventfd-id)")
        inodes+=("$(stat -L -c %i "$link")")
    done
    assert_equal "${#ids[@]}" 5
    assert_equal "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" 5
    assert_equal "$(printf '%s\n' "${inodes[@]}" | sort -u | wc -l)" 1
    resume
    finish_lesson
    assert_success
}

@test "an eventfd created right after one was closed gets the freed eventfd-id (Linux 5.2+)" {
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    # eventfd-ids are system-wide: a process beside this one (another test,
    # or any program on a desktop) may take the freed id, or free a lower one,
    # between the lesson's close and its eventfd. The lesson then says so and
    # tries again (tests/busy-machine.bats checks what it says); whole runs
    # are repeated here only if all its attempts were overtaken.
    for _ in 1 2 3 4 5; do
        start_paused 13-anon-inode-ids
        pass_checkpoints created siblings own-inodes duplicated inherited all-open
        next_checkpoint recreated
        id=$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)
        resume
        finish_lesson
        [[ $output == *"gave up after"* ]] || break
    done
    assert_success
    assert_line --regexp "^parent [0-9]+: closed an eventfd with eventfd-id $id; the next eventfd got eventfd-id $id: the freed id was reused\$"
}

@test "a pidfd (pidfs, Linux 6.9+) and an io_uring: fstat measures whether they share the eventfd's inode" {
    start_paused 13-anon-inode-ids
    pass_checkpoints created siblings
    next_checkpoint own-inodes
    efd=$CP_FD
    read -r ino dev < <(stat -L -c '%i %d' "/proc/$CP_PID/fd/$efd")
    pidfd=$(anon_fd "$CP_PID" pidfd) || pidfd=
    ring=$(anon_fd "$CP_PID" io_uring) || ring=
    if [ -n "$pidfd" ]; then
        read -r pid_ino pid_dev < <(stat -L -c '%i %d' "/proc/$CP_PID/fd/$pidfd")
        if kernel_at_least 6 9; then
            # pidfs: another filesystem, so another device, one inode per process.
            [ "$pid_dev" != "$dev" ] || fail "a pidfd should live on pidfs since Linux 6.9"
        else
            assert_equal "$pid_ino $pid_dev" "$ino $dev"   # the shared anonymous inode
        fi
    fi
    if [ -n "$ring" ]; then
        read -r ring_ino ring_dev < <(stat -L -c '%i %d' "/proc/$CP_PID/fd/$ring")
        assert_equal "$ring_dev" "$dev"                    # anon_inodefs, like the eventfd
    fi
    resume
    finish_lesson
    assert_success
    dev_text=$(major_minor "$dev")
    assert_line --regexp "^parent [0-9]+: eventfd  fd $efd: inode $ino on device $dev_text\$"
    if [ -n "$pidfd" ]; then
        pid_text=$(major_minor "$pid_dev")
        verdict="the eventfd's inode"
        [ "$pid_ino $pid_dev" = "$ino $dev" ] || verdict="an inode of its own, on another filesystem"
        assert_line --regexp "^parent [0-9]+: pidfd    fd $pidfd -> anon_inode:\[pidfd\], inode $pid_ino on device $pid_text: $verdict\$"
    else
        assert_line --regexp '^parent [0-9]+: pidfd: pidfd_open\(\) is not available here'
    fi
    if [ -n "$ring" ]; then
        verdict="the eventfd's inode"
        [ "$ring_ino" = "$ino" ] || verdict="an inode of its own"
        assert_line --regexp "^parent [0-9]+: io_uring fd $ring -> anon_inode:\[io_uring\], inode $ring_ino on device $dev_text: $verdict\$"
    else
        assert_line --regexp '^parent [0-9]+: io_uring: io_uring_setup\(\) is not available here'
    fi
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 13-anon-inode-ids --bogus abc -1 17 "2 3"
}
