#!/usr/bin/env bats
# The inspection tools: scripts/efd-ls lists eventfd descriptors, grouped by
# kernel object; scripts/efd-watch samples one eventfd's count and prints it
# whenever it differs.
# shellcheck disable=SC2153  # LINE is set by helper.bash's read_line
# Heavy: run-tests starts it among the first.
# bats file_tags=slow
load helper

EFD_LS=$TOP/scripts/efd-ls
EFD_WATCH=$TOP/scripts/efd-watch

teardown() {
    stop_watch
    stop_holder
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
    # Nor may it hold the lesson's stdin, whose end lets the lesson go on.
    (
        [ -z "${LESSON_IN:-}" ] || exec {LESSON_IN}>&-
        exec "$EFD_WATCH" "$@" >"$fifo.out" 2>"$WATCH_ERR" 3>&-
    ) &
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
    kill "$WATCH_PID" 2>/dev/null || true
    wait "$WATCH_PID" 2>/dev/null || true
    WATCH_PID=
}

# Starts a second process that holds an eventfd (02-fork-notify, paused at
# 'created'), and waits until it has it: sets HOLDER_PID.
start_holder() {
    exec {HOLDER_IN}<> <(:)
    exec {HOLDER_OUT}< <(exec "$BUILD/02-fork-notify" --pause <"/proc/self/fd/$HOLDER_IN" \
        2>/dev/null 3>&- {HOLDER_IN}>&-)
    HOLDER_PID=$!
    local line
    while IFS= read -r -t "$DEADLINE" -u "$HOLDER_OUT" line; do
        [[ $line != checkpoint\ created\ * ]] || break
    done
    [[ $line == checkpoint\ created\ * ]] || fail "the holder (02-fork-notify) did not reach 'created'"
    fdinfo "$HOLDER_PID" 3 eventfd-count >/dev/null || fail "the holder has no eventfd at fd 3"
}

# Ends the holder; its eventfd (and eventfd-id) is freed when it exits.
stop_holder() {
    [ -n "${HOLDER_PID:-}" ] || return 0
    kill -KILL "$HOLDER_PID" 2>/dev/null || true
    wait "$HOLDER_PID" 2>/dev/null || true
    exec {HOLDER_IN}>&- {HOLDER_OUT}<&-
    HOLDER_PID=
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
    # shellcheck disable=SC2154  # run --separate-stderr sets stderr
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

# bats test_tags=kernel-independent
@test "efd-ls refuses bad arguments with its usage and exit status 2" {
    assert_bad_input_refused "$EFD_LS" --bogus -x abc 0 -1 1x 007 2147483648 "1 --bogus"
    run --separate-stderr "$EFD_LS" --help
    assert_success
    assert_line --index 0 'usage: efd-ls [PID...]'
}

@test "efd-ls run by another user lists what it may read and says how many processes it could not read" {
    [ "$(id -u)" -eq 0 ] || skip "needs root, to run efd-ls as nobody (uid 65534) with setpriv"
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
    paused_parent_and_child                # root's processes: nobody may not read them
    as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
    # A copy nobody can run, wherever the tree is (make check's copies are 0700).
    local dir efd_ls
    dir=$(mktemp -d /tmp/efd-ls.XXXXXX)
    chmod 755 "$dir"
    efd_ls=$dir/efd-ls
    cp "$EFD_LS" "$efd_ls"
    run --separate-stderr "${as_nobody[@]}" "$efd_ls"
    assert_success
    run efd_ls_row "$PARENT" "$FD"
    assert_failure                         # not listed ...
    [[ $stderr =~ efd-ls:\ could\ not\ read\ ([0-9]+)\ processes\ \(permission\ denied:\ only\ root\ or\ the\ owner\ may\ read\ /proc/PID/fdinfo\)\;\ their\ eventfds\ are\ not\ listed ]] ||
        fail "stderr: $stderr"
    denied=${BASH_REMATCH[1]}
    # ... but counted: the lesson's two processes and pid 1 at least
    [ "$denied" -ge 3 ] || fail "only $denied processes counted as unreadable"
    # a named process that may not be read is named
    run --separate-stderr "${as_nobody[@]}" "$efd_ls" "$PARENT"
    assert_failure 1
    assert_equal "$stderr" "efd-ls: process $PARENT: permission denied"
    rm -r "$dir"
    resume
    finish_lesson
    assert_success
}

@test "lsof lists the same eventfd descriptors as efd-ls, with its id in [eventfd:ID]" {
    command -v lsof >/dev/null || skip "lsof is not installed (apt-get install lsof)"
    paused_parent_and_child
    run --separate-stderr "$EFD_LS" "$PARENT" "$CHILD"
    assert_success
    ours=$(efd_ls_triples)
    # -F: one field a line; p = pid, f = fd, n = name ("[eventfd:ID]" since lsof 4.94).
    run lsof -w -n -P -a -p "$PARENT,$CHILD" -F pfn
    assert_success
    theirs=$(awk '/^p/ { pid = substr($0, 2) }
                  /^f/ { fd = substr($0, 2) }
                  /^n\[eventfd:[0-9]+\]$/ { id = $0; gsub(/[^0-9]/, "", id); print pid, fd, id }
                  /^n\[eventfd\]$/ { print pid, fd, "-" }' <<<"$output" | sort)
    if [[ $theirs == *" -"* ]]; then     # an lsof older than 4.94: compare pid and fd only
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
    theirs=$(awk 'NF == 4 && $2 ~ /^[0-9]+$/ && ($3 == "eventfd" || index($4, "anon_inode:[eventfd]") == 1) {
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

# The version of lsof as "MAJOR MINOR" (4 95 for "revision: 4.95.0").
lsof_version() {
    lsof -v 2>&1 | sed -n 's/^ *revision: *\([0-9]*\)\.\([0-9]*\).*/\1 \2/p' | head -n 1
}

@test "lsof +E shows, next to each eventfd descriptor, the other processes holding the same eventfd" {
    command -v lsof >/dev/null || skip "lsof is not installed (apt-get install lsof)"
    read -r major minor <<<"$(lsof_version)"
    (( major > 4 || (major == 4 && minor >= 94) )) ||
        skip "lsof ${major:-?}.${minor:-?} has no eventfd end points (lsof 4.94+)"
    kernel_at_least 5 2 || skip "lsof matches end points by eventfd-id (Linux 5.2+); this is $(uname -r)"
    paused_parent_and_child
    id=$(fdinfo "$PARENT" "$FD" eventfd-id)
    # Only the parent is selected; +E adds the child's descriptor to the list,
    # and each NAME ends with the other holder as "PID,COMMAND,FDMODE".
    run --separate-stderr lsof -w -n -P +E -p "$PARENT" -a -d "$FD" -F pfn
    assert_success
    names=$(awk '/^p/ { pid = substr($0, 2) } /^f/ { fd = substr($0, 2) }
                 /^n/ { print pid, fd, substr($0, 2) }' <<<"$output" | sort)
    [[ $names =~ ^$PARENT\ $FD\ \[eventfd:$id\]\ $CHILD,[^,]+,${FD}u$'\n'$CHILD\ $FD\ \[eventfd:$id\]\ $PARENT,[^,]+,${FD}u$ ]] ||
        [[ $names =~ ^$CHILD\ $FD\ \[eventfd:$id\]\ $PARENT,[^,]+,${FD}u$'\n'$PARENT\ $FD\ \[eventfd:$id\]\ $CHILD,[^,]+,${FD}u$ ]] ||
        fail "lsof +E printed (pid fd name): $names"
    resume
    finish_lesson
}

# The version of lsfd as "MAJOR MINOR" (2 38 for "lsfd from util-linux 2.38.1").
lsfd_version() {
    lsfd --version | sed -n 's/.*util-linux \([0-9]*\)\.\([0-9]*\).*/\1 \2/p'
}

@test "lsfd before util-linux 2.40 shows an eventfd as TYPE UNKN without its id, so a query for TYPE eventfd prints nothing" {
    command -v lsfd >/dev/null || skip "lsfd is not installed (it is in util-linux 2.38+)"
    read -r major minor <<<"$(lsfd_version)"
    paused_parent_and_child
    id=$(fdinfo "$PARENT" "$FD" eventfd-id) || id=
    run --separate-stderr lsfd -n -r -o PID,FD,TYPE,NAME -p "$PARENT $CHILD"
    assert_success
    ours=$(awk 'NF == 4 && $2 ~ /^[0-9]+$/ && index($4, "anon_inode:[eventfd]") == 1 { print $1, $2, $3, $4 }' <<<"$output" | sort)
    if (( major == 2 && minor < 40 )); then
        assert_equal "$ours" "$(printf '%s\n' "$PARENT $FD UNKN anon_inode:[eventfd]" \
            "$CHILD $FD UNKN anon_inode:[eventfd]" | sort)"
        run --separate-stderr lsfd -Q 'TYPE == "eventfd"'
        assert_success
        assert_equal "$output" ""
        # what finds them there: a filter on the name
        run --separate-stderr lsfd -n -r -o PID,FD -Q 'NAME == "anon_inode:[eventfd]"' -p "$PARENT $CHILD"
        assert_success
        assert_equal "$(sort <<<"$output")" "$(printf '%s\n' "$PARENT $FD" "$CHILD $FD" | sort)"
    else
        # util-linux 2.40 added the EVENTFD.ID column (and ENDPOINTS for eventfd)
        [ -n "$id" ] || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
        run --separate-stderr lsfd -n -r -o PID,FD,EVENTFD.ID -p "$PARENT $CHILD"
        assert_success
        assert_equal "$(awk '$2 == '"$FD"' { print $1, $3 }' <<<"$output" | sort)" \
            "$(printf '%s\n' "$PARENT $id" "$CHILD $id" | sort)"
    fi
    resume
    finish_lesson
}

@test "lsfd's FLAGS column names O_NONBLOCK and O_CLOEXEC as efd-ls does: rdwr,nonblock and rdwr,nonblock,cloexec" {
    command -v lsfd >/dev/null || skip "lsfd is not installed (it is in util-linux 2.38+)"
    # 14-shared-description: fd 3, and its dup fd 4 with FD_CLOEXEC; at
    # 'child-nonblock' the child has set O_NONBLOCK on the shared description.
    start_paused 14-shared-description
    next_checkpoint duplicated
    parent=$CP_PID copy=$CP_FD
    resume
    next_checkpoint child-nonblock
    original=$CP_FD
    run --separate-stderr lsfd -n -r -o FD,FLAGS,MODE -p "$parent"
    assert_success
    assert_line "$original rdwr,nonblock rw-"
    assert_line "$copy rdwr,nonblock,cloexec rw-"
    run --separate-stderr "$EFD_LS" "$parent"
    assert_success
    [[ $(efd_ls_row "$parent" "$original") == *", nonblock yes, cloexec no, "* ]] ||
        fail "fd $original: $(efd_ls_row "$parent" "$original")"
    [[ $(efd_ls_row "$parent" "$copy") == *", nonblock yes, cloexec yes, "* ]] ||
        fail "fd $copy: $(efd_ls_row "$parent" "$copy")"
    finish_lesson
    assert_success
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

# bats test_tags=kernel-independent
@test "bench/suite-time refuses bad arguments with its usage and exit status 2" {
    assert_bad_input_refused "$TOP/bench/suite-time" --bogus "--runs 0" "--runs x" "--runs 100" --runs "--clean --bogus"
}

# bats test_tags=kernel-independent
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

@test "efd-watch samples: two writes inside one interval show as one change, 0x0 straight to 0x3" {
    start_paused 03-counter-adds
    next_checkpoint created
    parent=$CP_PID
    t0=${EPOCHREALTIME//[!0-9]/}
    start_watch --interval 1000 "$parent" "$CP_FD"
    expect_watch_count 0 0                     # the first sample; the next is 1 s after the start
    resume
    next_checkpoint wrote                      # 1
    resume
    next_checkpoint wrote                      # 1 + 2 = 3
    t1=${EPOCHREALTIME//[!0-9]/}
    # the watch started after t0, so its second sample comes after t0 + 1 s
    ((t1 - t0 < 1000000)) || skip "starting the watch and two writes took $(((t1 - t0) / 1000)) ms, more than one interval"
    expect_watch_count 3 3
    stop_watch
    finish_lesson
    assert_success
}

@test "efd-watch prints a change of the flags made with fcntl on the same object, and goes on watching" {
    start_paused 14-shared-description
    next_checkpoint duplicated                 # CP_FD: the dup, with FD_CLOEXEC
    parent=$CP_PID copy=$CP_FD
    before=$(fdinfo "$parent" "$copy" flags)
    start_watch --interval 1 "$parent" "$copy"
    expect_watch_count 0 0
    resume
    next_checkpoint child-nonblock             # the child wrote 3, then set O_NONBLOCK
    after=$(fdinfo "$parent" "$copy" flags)
    assert_equal "$before $after" "02000002 02004002"
    expect_watch_count 3 3
    next_watch_line
    [[ $WLINE =~ ^\ *[0-9]+\ ms\ \ (.*)$ ]] || fail "not a line of efd-watch: $WLINE"
    assert_equal "${BASH_REMATCH[1]}" \
        "fd $copy flags 02000002 -> 02004002 (nonblock yes, cloexec yes): fcntl changed them, or fd $copy names another eventfd object"
    resume
    finish_lesson
    assert_success
    finish_watch
    assert_equal "$watch_status" 0
    # it went on: the parent's read (count 0) came after, and no other object
    [[ ${WATCH_LINES[*]} != *"another eventfd object ("* ]] || fail "lines: ${WATCH_LINES[*]}"
    [[ ${WATCH_LINES[-1]} =~ ^\ *[0-9]+\ ms\ \ (process\ [0-9]+\ exited|fd\ $copy\ was\ closed)$ ]] ||
        fail "last line: ${WATCH_LINES[-1]}"
}

@test "efd-watch says when the descriptor number now names another eventfd object" {
    kernel_at_least 5 2 || skip "eventfd-id appears in fdinfo since Linux 5.2; this is $(uname -r)"
    # The holder takes an id below the lesson's; freed before the lesson
    # closes its eventfd and makes another at the same fd number, it makes
    # the lowest free id one the new object can take instead of the old one.
    start_holder
    start_paused 10-exec-cloexec
    next_checkpoint created
    resume
    while next_checkpoint_any && [ "$CP_NAME" != notified ]; do resume; done
    old_id=$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)
    old_fd=$CP_FD
    start_watch --interval 1 "$CP_PID" "$CP_FD"
    expect_watch_count 0 0
    stop_holder
    resume                                     # close, then eventfd(0, EFD_CLOEXEC)
    while next_checkpoint_any && [ "$CP_NAME" != created-cloexec ]; do resume; done
    assert_equal "$CP_FD" "$old_fd"            # the lowest free descriptor: the same number
    new_id=$(fdinfo "$CP_PID" "$CP_FD" eventfd-id)
    next_watch_line
    verdict=$WLINE
    if [[ $WLINE == *"was closed" ]]; then
        # sampled between close() and eventfd(): true, and the end of the watch
        assert_equal "${WLINE##* ms  }" "fd $old_fd was closed"
    elif [ "$new_id" != "$old_id" ]; then
        assert_equal "${WLINE##* ms  }" \
            "fd $old_fd now names another eventfd object (eventfd-id $old_id -> $new_id)"
    else        # another process took the freed lower id: only the flags differ
        assert_equal "${WLINE##* ms  }" \
            "fd $old_fd flags 02 -> 02000002 (nonblock no, cloexec yes): fcntl changed them, or fd $old_fd names another eventfd object"
    fi
    resume
    finish_lesson
    assert_success
    finish_watch
    assert_equal "$watch_status" 0
    # a closed fd or another object ends the watch; a flags change does not
    [[ $verdict == *flags* ]] || assert_equal "${#WATCH_LINES[@]}" 2
}

@test "efd-watch says a process that became a zombie exited, and refuses to start on one" {
    # Lesson 05's child sleeps in read() while its parent is paused at a
    # checkpoint, not in waitpid(). Killed there, the child never runs its own
    # close(efd): the descriptor closes as it exits, and it stays a zombie until
    # the parent goes on. (A child let go closes the fd and then calls _exit, and
    # a sample in between rightly says "fd 3 was closed": a sanitizer build's
    # leak check in _exit holds that moment open for milliseconds.)
    start_paused 05-blocking-read
    pass_checkpoints created
    next_checkpoint child-blocked
    local line child=''
    for line in "${OUT_LINES[@]}"; do
        if [[ $line =~ child\ ([0-9]+)\ is\ asleep ]]; then child=${BASH_REMATCH[1]}; fi
    done
    [ -n "$child" ] || fail "no 'child N is asleep' line in: $(printf '%s\n' "${OUT_LINES[@]}")"
    start_watch --interval 1 "$child" "$CP_FD"
    expect_watch_count 0 0
    kill -KILL "$child"
    wait_for_state "$child" Z
    finish_watch
    assert_equal "$watch_status" 0
    [[ ${WATCH_LINES[-1]} =~ ^\ *[0-9]+\ ms\ \ process\ $child\ exited$ ]] ||
        fail "last line: ${WATCH_LINES[-1]}"
    run --separate-stderr "$EFD_WATCH" "$child" "$CP_FD"
    assert_failure 1
    assert_equal "$stderr" "efd-watch: process $child has exited (a zombie: it has no descriptors left)"
    resume                                     # the parent writes, then reaps the killed child
    finish_lesson
    assert_failure 1                           # its child did not exit with 0
    assert_output --partial "child $child was killed by signal 9 (Killed)"
}
