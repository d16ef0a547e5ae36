#!/usr/bin/env bats
# Lesson 12: the same notifications through a pipe and through an eventfd.
load helper

# Sets READ_END and WRITE_END from the lesson's first line.
pipe_fds_from_output() {
    [[ ${OUT_LINES[0]} =~ read\ end\ fd\ ([0-9]+)\ and\ write\ end\ fd\ ([0-9]+)$ ]] ||
        fail "the lesson did not name its pipe's descriptors"
    READ_END=${BASH_REMATCH[1]} WRITE_END=${BASH_REMATCH[2]}
}

@test "a pipe takes two descriptors with one inode, an eventfd one descriptor" {
    start_paused 12-vs-pipe
    next_checkpoint created
    pipe_fds_from_output
    pipe=$(readlink "/proc/$CP_PID/fd/$READ_END")
    [[ $pipe == pipe:\[*\] ]] || fail "fd $READ_END is $pipe, not a pipe"
    assert_equal "$(readlink "/proc/$CP_PID/fd/$WRITE_END")" "$pipe"
    assert_equal "$(readlink "/proc/$CP_PID/fd/$CP_FD")" "anon_inode:[eventfd]"
    resume
    finish_lesson
    assert_success
    assert_line --regexp "^parent [0-9]+: eventfd: one descriptor, fd [0-9]+, for reading and writing\$"
}

@test "ten notifications are ten bytes through the pipe but one read of 10 from the eventfd" {
    start_paused 12-vs-pipe
    next_checkpoint created
    assert_count 0
    resume
    next_checkpoint all-sent
    assert_count a
    assert_equal "$(children_of "$CP_PID")" ""
    resume
    next_checkpoint read
    assert_count 0
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: pipe: 10 bytes wait to be read \(FIONREAD\)$'
    assert_line --regexp '^parent [0-9]+: pipe: read\(\) returned 10 bytes: 10 notifications, one byte each$'
    assert_line --regexp '^parent [0-9]+: pipe: read\(\) returned 0: end of file$'
    assert_line --regexp '^parent [0-9]+: eventfd: one read\(\) of 8 bytes returned 0xa \(10\): 10 notifications in one count$'
}

@test "4096 notifications coalesce into one eventfd count of 0x1000" {
    run_lesson 12-vs-pipe 4096
    assert_success
    assert_line --regexp '^parent [0-9]+: pipe: read\(\) returned 4096 bytes: 4096 notifications, one byte each$'
    assert_line --regexp '^parent [0-9]+: eventfd: one read\(\) of 8 bytes returned 0x1000 \(4096\): 4096 notifications in one count$'
}

@test "a pipe holds 16 pages by default (F_GETPIPE_SZ); write() fills an eventfd's count up to 0xfffffffffffffffe" {
    run_lesson 12-vs-pipe 1
    assert_success
    # 16 buffers of one page: the kernel's PIPE_DEF_BUFFERS, unless the user
    # is over fs.pipe-user-pages-soft.
    bytes=$(( 16 * $(getconf PAGESIZE) ))
    assert_line --regexp "^parent [0-9]+: pipe capacity \\(F_GETPIPE_SZ\\): $bytes bytes, so at most $bytes one-byte notifications wait before write\\(\\) blocks\$"
    assert_line --regexp '^parent [0-9]+: eventfd capacity: one 64-bit counter, up to 0xfffffffffffffffe \(18446744073709551614\)$'
    assert_line --regexp "^parent [0-9]+: eventfd: that is as far as write\\(\\) goes before it blocks; only the kernel's own posts take the count one higher \\(lesson 19\\)\$"
}

@test "the pipe's fdinfo has no eventfd-count; the eventfd's has one" {
    start_paused 12-vs-pipe
    next_checkpoint created
    pipe_fds_from_output
    run fdinfo "$CP_PID" "$READ_END" eventfd-count
    assert_failure
    run fdinfo "$CP_PID" "$WRITE_END" eventfd-count
    assert_failure
    if kernel_at_least 5 14; then       # fdinfo's "ino:" line: commit 3845f256a8b5
        assert_equal "$(fdinfo "$CP_PID" "$READ_END" ino)" "$(stat -L -c %i "/proc/$CP_PID/fd/$READ_END")"
    else
        run fdinfo "$CP_PID" "$READ_END" ino
        assert_failure                  # before Linux 5.14 fdinfo has no "ino:" line
    fi
    assert_count 0
    resume
    next_checkpoint all-sent
    [ ! -e "/proc/$CP_PID/fd/$WRITE_END" ] || fail "the reader still holds the pipe's write end"
    run fdinfo "$CP_PID" "$READ_END" eventfd-count
    assert_failure
    assert_count a
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: pipe fd [0-9]+ fdinfo: no eventfd-count$'
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 12-vs-pipe --bogus 0 4097 abc -1 "1 2"
}
