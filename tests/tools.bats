#!/usr/bin/env bats
# The inspection tools: scripts/efd-ls lists eventfd descriptors, grouped by
# kernel object; scripts/efd-watch prints each change of one eventfd's count.
load helper

EFD_LS=$TOP/scripts/efd-ls
EFD_WATCH=$TOP/scripts/efd-watch

teardown() {
    stop_watch
    stop_lesson
}

# --- reading efd-ls's table ----------------------------------------------------
# (awk rather than bash loops: bats traces every bash command, which makes a
# loop over many lines slow.)

# The row of PID's descriptor FD in efd-ls's $output, as one line:
#   "object N: id ID, count 0xHEX (DEC), semaphore S, nonblock N, cloexec C, COMMAND"
# where N counts the objects (blank-line separated groups) from 1.
# Fails when there is no such row.
efd_ls_row() {
    awk -v pid="$1" -v fd="$2" '
        NR == 1 { next }                           # the header
        $0 == "" { object++; next }
        $2 == pid && $3 == fd {
            printf "object %d: id %s, count %s %s, semaphore %s, nonblock %s, cloexec %s, %s\n",
                object + 1, $1, $4, $5, $6, $7, $8, $9
            found = 1
            exit
        }
        END { exit !found }' <<<"$output"
}

# "PID FD ID" for every row of efd-ls's $output, sorted.
efd_ls_triples() {
    awk 'NR > 1 && NF { print $2, $3, $1 }' <<<"$output" | sort
}

# Starts 02-fork-notify and stops it at 'received', where the parent (PARENT,
# waiting in waitpid) and the child (CHILD) both hold the eventfd (FD).
paused_parent_and_child() {
    start_paused 02-fork-notify 5
    next_checkpoint created
    PARENT=$CP_PID
    resume
    next_checkpoint received
    CHILD=$CP_PID
    FD=$CP_FD
}

# A made-up /proc tree for efd-ls (EFD_PROC), in the format the kernel uses.
# fake_fdinfo PID FD COMM LINE...   writes PID's comm and fdinfo/FD
fake_fdinfo() {
    local pid=$1 fd=$2 comm=$3
    shift 3
    mkdir -p "$FAKE_PROC/$pid/fdinfo"
    printf '%s\n' "$comm" >"$FAKE_PROC/$pid/comm"
    printf '%s\n' "$@" >"$FAKE_PROC/$pid/fdinfo/$fd"
}

# --- driving efd-watch -----------------------------------------------------------

# Starts efd-watch ARGS in the background, its stdout on a FIFO read line by
# line with a deadline (fd 3 closed: bats waits for whoever holds it).
start_watch() {
    local fifo=$BATS_TEST_TMPDIR/watch
    WATCH_ERR=$fifo.err
    mkfifo "$fifo.out"
    "$EFD_WATCH" "$@" >"$fifo.out" 2>"$WATCH_ERR" 3>&- &
    WATCH_PID=$!
    exec {WATCH_OUT}<"$fifo.out"
    WATCH_LINES=()
}

# Reads the watcher's next line into WLINE; returns 1 at its end.
next_watch_line() {
    if IFS= read -r -t "$DEADLINE" -u "$WATCH_OUT" WLINE; then
        WATCH_LINES+=("$WLINE")
        return 0
    else
        local read_status=$?            # above 128: a time-out
    fi
    [ "$read_status" -le 128 ] ||
        fail "$(printf 'efd-watch printed nothing within %ss; so far:\n%s\nstderr:\n%s' \
            "$DEADLINE" "$(printf '%s\n' "${WATCH_LINES[@]}")" "$(cat "$WATCH_ERR")")"
    return 1
}

# Waits for the watcher's next line and asserts it reports count HEX (DEC);
# its elapsed milliseconds must not go backwards.
expect_watch_count() {
    local hex=$1 dec=$2
    next_watch_line || fail "efd-watch ended before reporting 0x$hex; it printed: ${WATCH_LINES[*]}"
    [[ $WLINE =~ ^\ *([0-9]+)\ ms\ \ 0x([0-9a-f]+)\ \(([0-9]+)\)$ ]] ||
        fail "not a count line from efd-watch: '$WLINE'"
    assert_equal "${BASH_REMATCH[2]} ${BASH_REMATCH[3]}" "$hex $dec"
    [ "${BASH_REMATCH[1]}" -ge "${LAST_MS:-0}" ] || fail "elapsed time went backwards: $WLINE"
    LAST_MS=${BASH_REMATCH[1]}
}

# Reads the watcher's output to its end and reaps it: sets watch_status.
finish_watch() {
    while next_watch_line; do :; done
    exec {WATCH_OUT}<&-
    watch_status=0
    wait "$WATCH_PID" || watch_status=$?
    WATCH_PID=
}

stop_watch() {
    [ -n "${WATCH_PID:-}" ] || return 0
    kill "$WATCH_PID" 2>/dev/null
    wait "$WATCH_PID" 2>/dev/null
    WATCH_PID=
}

# A process id that no process has: pids stay below pid_max.
absent_pid() {
    cat /proc/sys/kernel/pid_max
}

# --- efd-ls ----------------------------------------------------------------------

@test "efd-ls shows a parent's and its child's eventfd as one object: one group, one id, one count" {
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    paused_parent_and_child
    id=$(fdinfo "$CHILD" "$FD" eventfd-id)
    run --separate-stderr "$EFD_LS" "$PARENT" "$CHILD"
    assert_success
    assert_line --index 0 --regexp '^ID +PID +FD +COUNT +SEMAPHORE +NONBLOCK +CLOEXEC +COMMAND$'
    assert_equal "${#lines[@]}" 3          # the header and two rows, no other group
    # the child has read the 5: both views show the one count, 0
    assert_equal "$(efd_ls_row "$PARENT" "$FD")" \
        "object 1: id $id, count 0x0 (0), semaphore $(kernel_at_least 6 5 && echo no || echo -), nonblock no, cloexec no, 02-fork-notify"
    assert_equal "$(efd_ls_row "$CHILD" "$FD")" "$(efd_ls_row "$PARENT" "$FD")"
    resume
    finish_lesson
    assert_success
}

@test "efd-ls shows a write made through the child's descriptor in the parent's row too" {
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    start_paused 03-counter-adds
    next_checkpoint created
    parent=$CP_PID
    resume
    next_checkpoint wrote                  # the writer child has written 1
    writer=$CP_PID
    run --separate-stderr "$EFD_LS" "$writer" "$parent"
    assert_success
    [[ $(efd_ls_row "$parent" "$CP_FD") == "object 1: id "*", count 0x1 (1), "* ]] ||
        fail "parent's row: $(efd_ls_row "$parent" "$CP_FD")"
    assert_equal "$(efd_ls_row "$writer" "$CP_FD")" "$(efd_ls_row "$parent" "$CP_FD")"
    finish_lesson
    assert_success
}

@test "efd-ls without a PID lists every process's eventfds, the lesson's among them in one group" {
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    paused_parent_and_child
    run --separate-stderr "$EFD_LS"
    assert_success
    parent_row=$(efd_ls_row "$PARENT" "$FD") || fail "no row for the parent in: $output"
    assert_equal "$(efd_ls_row "$CHILD" "$FD")" "$parent_row"
    resume
    finish_lesson
}

@test "efd-ls shows semaphore mode (Linux 6.5+) and two eventfds of one process as two objects" {
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    semaphore=- plain=-
    kernel_at_least 6 5 && semaphore=yes plain=no
    start_paused 04-semaphore-mode --tokens 2 --children 2
    next_checkpoint created
    sem_fd=$CP_FD
    # on to 'plain-created': the tokens are taken, and a plain eventfd with
    # count 2 is open next to the semaphore one
    resume
    next_checkpoint_any
    while [ "$CP_NAME" != plain-created ]; do
        resume
        next_checkpoint_any
    done
    run --separate-stderr "$EFD_LS" "$CP_PID"
    assert_success
    sem_row=$(efd_ls_row "$CP_PID" "$sem_fd")
    plain_row=$(efd_ls_row "$CP_PID" "$CP_FD")
    # efd-ls lists objects by eventfd-id, and ids are system-wide: the plain
    # eventfd, made second, has the lower id if another process freed one
    # in between.
    sem_object=1 plain_object=2
    if [ "$(fdinfo "$CP_PID" "$sem_fd" eventfd-id)" -gt "$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)" ]; then
        sem_object=2 plain_object=1
    fi
    [[ $sem_row == "object $sem_object: id "*", count 0x0 (0), semaphore $semaphore, nonblock no, cloexec no, 04-semaphore-mo" ]] ||
        fail "semaphore eventfd's row: $sem_row"
    [[ $plain_row == "object $plain_object: id "*", count 0x2 (2), semaphore $plain, nonblock no, cloexec no, 04-semaphore-mo" ]] ||
        fail "plain eventfd's row: $plain_row"
    finish_lesson
    assert_success
}

# Like next_checkpoint, for whichever checkpoint comes next (sets CP_NAME).
next_checkpoint_any() {
    while read_line; do
        if [[ $LINE =~ ^checkpoint\ ([^ ]+)\ pid=([0-9]+)\ fd=([0-9]+)$ ]]; then
            CP_NAME=${BASH_REMATCH[1]} CP_PID=${BASH_REMATCH[2]} CP_FD=${BASH_REMATCH[3]}
            return 0
        fi
    done
    fail "$LESSON_NAME ended before the next checkpoint"
}

@test "efd-ls reads O_NONBLOCK (04000) and O_CLOEXEC (02000000) from fdinfo's octal flags" {
    FAKE_PROC=$BATS_TEST_TMPDIR/proc
    fake_fdinfo 300 3 demo 'pos:	0' 'flags:	02' 'mnt_id:	15' 'ino:	1030' \
        'eventfd-count:                2a' 'eventfd-id: 7' 'eventfd-semaphore: 0'
    fake_fdinfo 300 4 demo 'pos:	0' 'flags:	04002' 'mnt_id:	15' 'ino:	1030' \
        'eventfd-count:                2a' 'eventfd-id: 7' 'eventfd-semaphore: 0'
    fake_fdinfo 300 5 demo 'pos:	0' 'flags:	02000002' 'mnt_id:	15' 'ino:	1030' \
        'eventfd-count:                2a' 'eventfd-id: 7' 'eventfd-semaphore: 0'
    fake_fdinfo 300 6 demo 'pos:	0' 'flags:	02004002' 'mnt_id:	15' 'ino:	1030' \
        'eventfd-count: fffffffffffffffe' 'eventfd-id: 8' 'eventfd-semaphore: 1'
    fake_fdinfo 300 7 demo 'pos:	0' 'flags:	02' 'mnt_id:	15' 'ino:	77' 'size:	0'
    EFD_PROC=$FAKE_PROC run --separate-stderr "$EFD_LS" 300
    assert_success
    assert_equal "$(efd_ls_row 300 3)" "object 1: id 7, count 0x2a (42), semaphore no, nonblock no, cloexec no, demo"
    assert_equal "$(efd_ls_row 300 4)" "object 1: id 7, count 0x2a (42), semaphore no, nonblock yes, cloexec no, demo"
    assert_equal "$(efd_ls_row 300 5)" "object 1: id 7, count 0x2a (42), semaphore no, nonblock no, cloexec yes, demo"
    assert_equal "$(efd_ls_row 300 6)" \
        "object 2: id 8, count 0xfffffffffffffffe (18446744073709551614), semaphore yes, nonblock yes, cloexec yes, demo"
    run efd_ls_row 300 7                   # not an eventfd: no row
    assert_failure
}

@test "on a kernel without eventfd-id and eventfd-semaphore efd-ls prints - and says it cannot group" {
    FAKE_PROC=$BATS_TEST_TMPDIR/proc
    mkdir -p "$FAKE_PROC/sys/kernel"
    echo 4.19.0-old >"$FAKE_PROC/sys/kernel/osrelease"
    # what Linux 3.8 .. 5.1 prints
    fake_fdinfo 400 3 old 'pos:	0' 'flags:	02' 'mnt_id:	11' 'eventfd-count:                1'
    fake_fdinfo 401 3 old 'pos:	0' 'flags:	02' 'mnt_id:	11' 'eventfd-count:                1'
    EFD_PROC=$FAKE_PROC run --separate-stderr "$EFD_LS"
    assert_success
    assert_equal "$(efd_ls_row 400 3)" "object 1: id -, count 0x1 (1), semaphore -, nonblock no, cloexec no, old"
    assert_equal "$(efd_ls_row 401 3)" "object 2: id -, count 0x1 (1), semaphore -, nonblock no, cloexec no, old"
    [[ $stderr == *"(4.19.0-old) shows no eventfd-id"*"cannot be grouped"* ]] || fail "stderr: $stderr"
}

@test "efd-ls skips, without an error, a descriptor that is gone by the time it reads it" {
    FAKE_PROC=$BATS_TEST_TMPDIR/proc
    fake_fdinfo 500 3 demo 'pos:	0' 'flags:	02' 'eventfd-count:                3' 'eventfd-id: 9'
    mkdir -p "$FAKE_PROC/501/fdinfo"
    ln -s "$FAKE_PROC/501/gone" "$FAKE_PROC/501/fdinfo/3"  # listed, but cannot be opened
    EFD_PROC=$FAKE_PROC run --separate-stderr "$EFD_LS"
    assert_success
    assert_equal "$stderr" ""
    assert_equal "$(efd_ls_triples)" "500 3 9"
}

@test "efd-ls names a PID that does not exist, and exits 1 when none of the given PIDs exists" {
    start_paused 02-fork-notify
    next_checkpoint created
    absent=$(absent_pid)
    run --separate-stderr "$EFD_LS" "$absent"
    assert_failure 1
    assert_equal "$stderr" "efd-ls: no process $absent"
    assert_equal "$output" ""
    run --separate-stderr "$EFD_LS" "$absent" "$CP_PID"
    assert_success
    assert_equal "$stderr" "efd-ls: no process $absent"
    efd_ls_row "$CP_PID" "$CP_FD" >/dev/null || fail "no row for the lesson: $output"
    finish_lesson
    assert_success
}

@test "efd-ls refuses bad arguments with its usage and exit status 2" {
    assert_bad_input_refused "$EFD_LS" --bogus -x abc 0 -1 1x 007 2147483648 "1 --bogus"
    run --separate-stderr "$EFD_LS" --help
    assert_success
    assert_line --index 0 'usage: efd-ls [PID...]'
}

@test "lsof lists the same eventfd descriptors as efd-ls, with its id in [eventfd:ID]" {
    command -v lsof >/dev/null || skip "lsof is not installed (apt-get install lsof)"
    paused_parent_and_child
    run --separate-stderr "$EFD_LS" "$PARENT" "$CHILD"
    assert_success
    ours=$(efd_ls_triples)
    # -F: one field a line; p = pid, f = fd, n = name ("[eventfd:ID]" since lsof 4.95).
    run lsof -w -n -P -a -p "$PARENT,$CHILD" -F pfn
    assert_success
    theirs=$(awk '/^p/ { pid = substr($0, 2) }
                  /^f/ { fd = substr($0, 2) }
                  /^n\[eventfd:[0-9]+\]$/ { id = $0; gsub(/[^0-9]/, "", id); print pid, fd, id }
                  /^n\[eventfd\]$/ { print pid, fd, "-" }' <<<"$output" | sort)
    if [[ $theirs == *" -"* ]]; then     # an lsof older than 4.95: compare pid and fd only
        assert_equal "$(cut -d' ' -f1,2 <<<"$theirs")" "$(cut -d' ' -f1,2 <<<"$ours")"
    else
        assert_equal "$theirs" "$ours"
    fi
    assert_equal "$(wc -l <<<"$ours")" 2
    resume
    finish_lesson
}

@test "lsfd lists the same eventfd descriptors as efd-ls" {
    command -v lsfd >/dev/null || skip "lsfd is not installed (it is in util-linux 2.38+)"
    paused_parent_and_child
    run --separate-stderr "$EFD_LS" "$PARENT" "$CHILD"
    assert_success
    ours=$(efd_ls_triples)
    # -r: raw, space-separated; rows that are not descriptors (exe, cwd, mem...)
    # have an empty FD column and so one field less.
    run --separate-stderr lsfd -n -r -o PID,FD,TYPE,NAME -p "$PARENT $CHILD"
    assert_success
    theirs=$(awk 'NF == 4 && $2 ~ /^[0-9]+$/ && ($3 == "eventfd" || $4 ~ /eventfd/) {
                  id = "-"
                  if (match($4, /id=[0-9]+/)) id = substr($4, RSTART + 3, RLENGTH - 3)
                  print $1, $2, id }' <<<"$output" | sort)
    if [[ $theirs == *" -"* ]]; then     # lsfd 2.38 names it anon_inode:[eventfd], no id
        assert_equal "$(cut -d' ' -f1,2 <<<"$theirs")" "$(cut -d' ' -f1,2 <<<"$ours")"
    else
        assert_equal "$theirs" "$ours"
    fi
    assert_equal "$(wc -l <<<"$ours")" 2
    resume
    finish_lesson
}

# --- efd-watch ------------------------------------------------------------------

@test "efd-watch on the parent's descriptor sees each write of the child: 0, 1, 3, 7, e, 1c, then 0 after the read" {
    start_paused 03-counter-adds
    next_checkpoint created
    parent=$CP_PID
    start_watch "$parent" "$CP_FD"
    expect_watch_count 0 0
    resume
    for value in 1:1 3:3 7:7 e:14 1c:28; do
        next_checkpoint wrote                  # the child wrote; it waits
        expect_watch_count "${value%:*}" "${value#*:}"
        resume
    done
    next_checkpoint all-written                # the writer is reaped; no change
    resume
    next_checkpoint read
    expect_watch_count 0 0
    resume
    finish_lesson
    assert_success
    finish_watch
    assert_equal "$watch_status" 0
    # the last line says why it ended: the lesson closed its fd, then exited
    [[ ${WATCH_LINES[-1]} =~ ^\ *[0-9]+\ ms\ \ (process\ $parent\ exited|fd\ $CP_FD\ was\ closed)$ ]] ||
        fail "last line: ${WATCH_LINES[-1]}"
    assert_equal "${#WATCH_LINES[@]}" 8
}

@test "efd-watch --count N stops by itself after N changes" {
    start_paused 03-counter-adds
    next_checkpoint created
    start_watch --count 2 --interval 1 "$CP_PID" "$CP_FD"
    expect_watch_count 0 0
    resume
    next_checkpoint wrote
    expect_watch_count 1 1
    resume
    next_checkpoint wrote
    expect_watch_count 3 3
    finish_watch                               # while the lesson is still paused
    assert_equal "$watch_status" 0
    [[ ${WATCH_LINES[-1]} =~ ^\ *[0-9]+\ ms\ \ stopped\ after\ 2\ changes$ ]] ||
        fail "last line: ${WATCH_LINES[-1]}"
    wait_for_state "$CP_PID" S           # still paused at its checkpoint
    finish_lesson
    assert_success
}

@test "efd-watch refuses a descriptor that is not an eventfd, a missing fd and a missing process with exit status 1" {
    start_paused 02-fork-notify
    next_checkpoint created
    run --separate-stderr "$EFD_WATCH" "$CP_PID" 1
    assert_failure 1
    assert_equal "$stderr" "efd-watch: fd 1 of process $CP_PID is not an eventfd (its fdinfo has no eventfd-count)"
    run --separate-stderr "$EFD_WATCH" "$CP_PID" 99
    assert_failure 1
    assert_equal "$stderr" "efd-watch: process $CP_PID has no fd 99"
    absent=$(absent_pid)
    run --separate-stderr "$EFD_WATCH" "$absent" 3
    assert_failure 1
    assert_equal "$stderr" "efd-watch: no process $absent"
    finish_lesson
    assert_success
}

@test "efd-watch refuses bad arguments with its usage and exit status 2" {
    run_lesson "$EFD_WATCH"                    # no arguments at all
    assert_usage_error
    assert_bad_input_refused "$EFD_WATCH" 1 "1 3 5" --bogus "--interval 0 1 3" "--interval 10001 1 3" \
        "--interval x 1 3" "1 3 --interval" "--count 0 1 3" "--count -1 1 3" \
        "-1 3" "1 -3" "0 3" "abc 3" "1 3x"
    run --separate-stderr "$EFD_WATCH" --help
    assert_success
    assert_line --index 0 'usage: efd-watch [--interval MS] [--count N] PID FD'
}
