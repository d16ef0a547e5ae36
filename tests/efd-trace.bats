#!/usr/bin/env bats
# scripts/efd-trace: the timeline of a program's eventfds, from strace. Every lesson and
# wrong program is traced once, in setup_file; the tests read the results.
# shellcheck disable=SC2154  # status, output, lines are set by bats and helper.bash
# Heavy: run-tests starts it among the first.
# bats file_tags=slow
load helper

EFD_TRACE=$TOP/scripts/efd-trace
LESSONS_TRACED="01-first-eventfd 02-fork-notify 03-counter-adds 04-semaphore-mode
    05-blocking-read 06-nonblocking 07-eight-bytes 08-overflow 09-poll-epoll 10-exec-cloexec
    11-no-eof 12-vs-pipe 13-anon-inode-ids 14-shared-description 15-signals-eintr
    16-glibc-wrappers 17-unrelated-processes"

# Traces NAME's PROGRAM ARGS into $BATS_FILE_TMPDIR/NAME.{out,err,tl,ev,status}.
trace_into() {
    local name=$1 dir=$BATS_FILE_TMPDIR status=0
    shift
    "$EFD_TRACE" --events "$dir/$name.ev" -o "$dir/$name.tl" "$@" \
        >"$dir/$name.out" 2>"$dir/$name.err" </dev/null 3>&- 4>&- || status=$?
    echo "$status" >"$dir/$name.status"
}

setup_file() {
    command -v strace >/dev/null || skip "strace is not installed"
    local lesson w
    for lesson in $LESSONS_TRACED; do
        trace_into "$lesson" -- "$BUILD/$lesson"
    done
    for lesson in 02-fork-notify 03-counter-adds 04-semaphore-mode 05-blocking-read; do
        trace_into "$lesson.mermaid" --mermaid -- "$BUILD/$lesson"
    done
    for w in int-read unreaped exec-leak; do
        trace_into "$w" -- "$BUILD/tests/wrong/$w"
    done
    # The reader must reach its read before the limit: 0.3 s here, more where
    # the helper's DEADLINE says the machine is slow (an emulated kernel).
    ORPHAN_LIMIT=0.3
    [ "${DEADLINE:-10}" -le 10 ] || ORPHAN_LIMIT=10
    export ORPHAN_LIMIT
    trace_into orphan-reader --timeout "$ORPHAN_LIMIT" -- "$BUILD/tests/wrong/orphan-reader"
    # --deadlock: the orphan reader ends long before 60 s; lesson 05's child
    # sleeps in read while its parent looks at /proc, which is no deadlock.
    trace_into orphan-reader.deadlock --timeout 60 --deadlock -- "$BUILD/tests/wrong/orphan-reader"
    trace_into 05-blocking-read.deadlock --timeout 60 --deadlock -- "$BUILD/05-blocking-read"
    # Lessons 18-21 with their smallest useful arguments (19 where AIO exists).
    trace_into 18-wakeup-cost -- "$BUILD/18-wakeup-cost" --round-trips 20 --posts 50
    trace_into 20-many-readers -- "$BUILD/20-many-readers" --readers 2 --writers 1 --posts 1
    trace_into 21-event-loop-doorbell -- "$BUILD/21-event-loop-doorbell" --items 1 --burst 1
    if [ -e /proc/sys/fs/aio-max-nr ]; then
        trace_into 19-kernel-posts -- "$BUILD/19-kernel-posts" 3
    fi
}

# Loads NAME's results: status, output (the timeline), lines, EVENTS (the stream without
# times and pids: "event key=value...").
traced() {
    local dir=$BATS_FILE_TMPDIR
    [ -f "$dir/$1.status" ] || fail "no trace of $1"
    status=$(<"$dir/$1.status")
    output=$(<"$dir/$1.tl")
    mapfile -t lines <"$dir/$1.tl"
    EVENTS=$(cut -d' ' -f3- "$dir/$1.ev")
}

@test "03 traced: counts 1, 3, 7, 14, 28, then one read takes 28 and leaves 0; a clean summary" {
    traced 03-counter-adds
    assert_equal "$status" 0
    local counts
    counts=$(grep -oE 'write [0-9]+: count [0-9]+ → [0-9]+' <<<"$output" | awk '{ print $NF }' | paste -sd' ')
    assert_equal "$counts" "1 3 7 14 28"
    assert_line --regexp '^ *[0-9.]+  parent [0-9]+  E1 fd 3: read 28: count 28 → 0$'
    assert_line --regexp '^ *[0-9.]+  parent [0-9]+  fork -> child [0-9]+ \(inherits E1 fd 3\)$'
    assert_line --regexp 'E1 fd 3: closed; last descriptor closed: E1 is gone$'
    assert_line '  clean: every descriptor closed, every child reaped, nobody left blocked'
}

@test "03's event stream, pids and times aside, is exactly the lesson's story" {
    traced 03-counter-adds
    local expected
    expected=$(cat <<'EOF'
start ppid=0 via=first
exec path=BUILD/03-counter-adds result=ok
create obj=E1 fd=3 initval=0 flags=0 id=ID
start ppid=PID via=fork
inherit obj=E1 fd=3
write obj=E1 fd=3 value=1 before=0 after=1
write obj=E1 fd=3 value=2 before=1 after=3
write obj=E1 fd=3 value=4 before=3 after=7
write obj=E1 fd=3 value=7 before=7 after=14
write obj=E1 fd=3 value=14 before=14 after=28
close obj=E1 fd=3 last=no
exit status=exit:0
reap child=PID status=exit:0
read obj=E1 fd=3 value=28 before=28 after=0
close obj=E1 fd=3 last=yes
exit status=exit:0
end
EOF
)
    assert_equal "$(grep -v '^fdinfo ' <<<"$EVENTS" | sed -E "s|$BUILD|BUILD|; s/ id=[0-9]+/ id=ID/; s/(ppid|child)=[1-9][0-9]*/\1=PID/")" "$expected"
}

@test "01's event stream: create, write and read 0x1020304050607080, then 0xdeadbeef, exactly" {
    traced 01-first-eventfd
    assert_equal "$status" 0
    local expected
    expected=$(cat <<'EOF'
create obj=E1 fd=3 initval=0 flags=0
write obj=E1 fd=3 value=1161981756646125696 before=0 after=1161981756646125696
read obj=E1 fd=3 value=1161981756646125696 before=1161981756646125696 after=0
write obj=E1 fd=3 value=3735928559 before=0 after=3735928559
read obj=E1 fd=3 value=3735928559 before=3735928559 after=0
close obj=E1 fd=3 last=yes
exit status=exit:0
end
EOF
)
    assert_equal "$(grep -vE '^(start|exec|fdinfo) ' <<<"$EVENTS" | sed -E 's/ id=[0-9]+//')" "$expected"
}

@test "04 traced: every read of the semaphore eventfd takes 1, and the tokens add up to N" {
    traced 04-semaphore-mode
    local values
    values=$(awk '$1 == "read" && $2 == "obj=E1" { sub(/value=/, "", $4); print $4 }' <<<"$EVENTS" | sort | uniq -c | awk '{ print $1 "x" $2 }')
    assert_equal "$values" "3x1"
    assert_line --regexp 'E1 \(eventfd-id [0-9]+\) created as fd 3: eventfd\(3, EFD_SEMAPHORE\), count 3$'
}

@test "05 traced: the child's read sleeps at count 0 and the parent's write wakes it" {
    traced 05-blocking-read
    local parent
    parent=$(awk '$3 == "start" && $5 == "via=first" { print $2 }' "$BATS_FILE_TMPDIR/05-blocking-read.ev")
    assert_line --regexp '^ *[0-9.]+  child [0-9]+  E1 fd 3: read sleeps \(count 0\)$'
    assert_line --regexp "^ *[0-9.]+  child [0-9]+  E1 fd 3: read 7: count 7 → 0, after sleeping [0-9.]+ ms, woken by parent $parent\$"
    grep -qE "^read obj=E1 fd=3 value=7 before=7 after=0 slept_us=[0-9]+ woken_by=$parent\$" <<<"$EVENTS" ||
        fail "no read woken by $parent in: $EVENTS"
}

@test "10 traced: exec keeps the plain eventfd, and EFD_CLOEXEC closes the other" {
    traced 10-exec-cloexec
    grep -qx 'exec-keep obj=E1 fd=3' <<<"$EVENTS" || fail "E1 not kept: $EVENTS"
    grep -qx 'exec-close obj=E2 fd=3' <<<"$EVENTS" || fail "E2 not closed: $EVENTS"
    assert_line --regexp 'child [0-9]+  exec .*/helpers/efd-notify; closed by close-on-exec: E2 fd 3$'
}

@test "17 traced: a descriptor received by SCM_RIGHTS or pidfd_getfd keeps its object's name and id" {
    traced 17-unrelated-processes
    local id1 id2
    id1=$(grep -oE '^create obj=E1 fd=3 initval=0 flags=0 id=[0-9]+' <<<"$EVENTS" | sed 's/.*id=//')
    id2=$(grep -oE '^create obj=E2 fd=3 initval=0 flags=0 id=[0-9]+' <<<"$EVENTS" | sed 's/.*id=//')
    [ -n "$id1" ] && [ -n "$id2" ] || fail "no ids: $EVENTS"
    grep -qE "^recv obj=E1 fd=4 via=SCM_RIGHTS( from=[0-9]+)? id=$id1\$" <<<"$EVENTS" || fail "$EVENTS"
    grep -qE "^recv obj=E2 fd=[0-9]+ via=pidfd_getfd from=[0-9]+ id=$id2\$" <<<"$EVENTS" || fail "$EVENTS"
    assert_line --regexp 'parent [0-9]+  E1 fd 4: read 42: count 42 → 0$'
}

@test "06 and 15 traced: EAGAIN refusals, and EINTR followed by the retried read" {
    traced 06-nonblocking
    grep -qx 'refused obj=E1 fd=3 call=read errno=EAGAIN size=8' <<<"$EVENTS" || fail "$EVENTS"
    grep -qx 'refused obj=E1 fd=3 call=write errno=EAGAIN size=8' <<<"$EVENTS" || fail "$EVENTS"
    traced 15-signals-eintr
    grep -qx 'refused obj=E1 fd=3 call=read errno=EINTR size=8' <<<"$EVENTS" || fail "$EVENTS"
    assert_line --regexp 'read 7: count 7 → 0, after sleeping [0-9.]+ ms, woken by parent [0-9]+ \(retry after EINTR\)$'
}

# Appends to $bad what is wrong with LESSON's trace: a failure, a PROBLEM, an fdinfo event
# whose count differs from the computed one, or an fdinfo line the lesson printed that is not
# one of the tool's checked events.
check_traced_clean() {
    local lesson=$1 dir=$BATS_FILE_TMPDIR st
    [ -f "$dir/$lesson.status" ] || { bad+="$lesson: not traced; "; return; }
    st=$(<"$dir/$lesson.status")
    [ "$st" = 0 ] || bad+="$lesson: exit status $st; "
    grep -qx '  clean: every descriptor closed, every child reaped, nobody left blocked' "$dir/$lesson.tl" ||
        bad+="$lesson: not clean: $(grep PROBLEM "$dir/$lesson.tl"); "
    # The tool checks each read of /proc/PID/fdinfo/FD of an eventfd it follows: an
    # "fdinfo" event with the count the kernel showed and the one the calls add up to,
    # which must be equal in every one. Where another process's call on the object races
    # with the read (04's readers), the tool compares with every count the object had
    # while the read could have taken place (from the read's start to the reader's next
    # call) and marks it racing=yes: exact, not "close enough", but not always the count
    # at the line. And each "  /proc/PID/fdinfo/FD: eventfd-count 0xN (N)" line the
    # lesson prints (show_fdinfo: PID is the printer itself) must be one of those
    # events: the next of PID's fdinfo events on FD with count N, in the lesson's order.
    bad+=$(awk '
        FNR == NR {
            if ($3 != "fdinfo") next
            c = d = f = ""
            for (i = 4; i <= NF; i++) {
                if ($i ~ /^count=/) c = substr($i, 7)
                if ($i ~ /^computed=/) d = substr($i, 10)
                if ($i ~ /^fd=/) f = substr($i, 4)
            }
            if (c != d) printf "%s: fdinfo count %s but computed %s (%s); ", name, c, d, $0
            n[$2]++; EF[$2, n[$2]] = f; EC[$2, n[$2]] = c
            next
        }
        match($0, /\/proc\/[0-9]+\/fdinfo\/[0-9]+: eventfd-count 0x[0-9a-f]+ \([0-9]+\)/) {
            s = substr($0, RSTART, RLENGTH); gsub(/[\/():]/, " ", s); split(s, w, " ")
            p = w[2]; f = w[4]; c = w[7]
            while (++at[p] <= n[p] && !(EF[p, at[p]] == f && EC[p, at[p]] == c)) ;
            if (at[p] > n[p]) printf "%s: printed fdinfo %s of pid %s fd %s has no fdinfo event; ", name, c, p, f
        }' name="$lesson" "$dir/$lesson.ev" "$dir/$lesson.out")
}

@test "every lesson 01-17 traces clean, and each fdinfo line the lesson prints is a checked fdinfo event with count == computed" {
    local lesson bad=''
    for lesson in $LESSONS_TRACED; do
        check_traced_clean "$lesson"
    done
    [ -z "$bad" ] || fail "$bad"
}

@test "lessons 18, 20 and 21, with small arguments, trace clean with every fdinfo read checked" {
    local lesson bad=''
    for lesson in 18-wakeup-cost 20-many-readers 21-event-loop-doorbell; do
        check_traced_clean "$lesson"
    done
    [ -z "$bad" ] || fail "$bad"
}

@test "19 traced: the kernel's AIO posts show as fdinfo differences, said plainly, and the counts follow the kernel" {
    [ -e /proc/sys/fs/aio-max-nr ] || skip "no AIO here (no /proc/sys/fs/aio-max-nr)"
    traced 19-kernel-posts
    assert_equal "$status" 0
    # After io_submit of 3 reads the kernel has posted 3; no traced call wrote anything.
    grep -qx 'fdinfo obj=E1 fd=3 count=3 computed=0' <<<"$EVENTS" || fail "no AIO difference: $EVENTS"
    assert_line --regexp '^ *[0-9.]+  process [0-9]+  E1 fd 3: fdinfo shows count 3, the calls add up to 0: something that is not a traced write posted \(the kernel, as AIO does, or a process not traced\); the counts from here on start from the kernel.s$'
    # the overflow: one more AIO completion past 0xfffffffffffffffe
    assert_line --regexp 'E1 fd 3: fdinfo shows count 0xffffffffffffffff \(18446744073709551615\), the calls add up to 0xfffffffffffffffe \(18446744073709551614\)'
    assert_line --regexp '^    [0-9]+ times? the kernel.s count differed from the calls'
    # Counting on from the kernel's count, the lesson's own reads agree with it afterwards.
    grep -q '^read obj=E1 fd=3 value=18446744073709551615 before=18446744073709551615 after=0' <<<"$EVENTS" ||
        fail "the read of the overflowed count is not 0xffffffffffffffff: $EVENTS"
    assert_line '  clean: every descriptor closed, every child reaped, nobody left blocked'
}

@test "an eventfd read into an int: EINVAL, reported with the size 4" {
    traced int-read
    grep -qx 'refused obj=E1 fd=3 call=read errno=EINVAL size=4' <<<"$EVENTS" || fail "$EVENTS"
    assert_line --regexp 'E1 fd 3: read of 4 bytes refused: EINVAL \(an eventfd reads and writes 8 bytes; this buffer holds 4\)$'
}

@test "a child never reaped is reported, with its parent" {
    traced unreaped
    grep -qE '^unreaped child=[0-9]+$' <<<"$EVENTS" || fail "$EVENTS"
    assert_line --regexp '^  PROBLEM: parent [0-9]+ never reaped child [0-9]+ \(no waitpid for it'
}

@test "an eventfd leaked into an exec'd program is reported as kept by exec and left open" {
    traced exec-leak
    grep -qx 'exec-keep obj=E1 fd=3' <<<"$EVENTS" || fail "$EVENTS"
    grep -qx 'left-open obj=E1 fd=3' <<<"$EVENTS" || fail "$EVENTS"
    assert_line --regexp 'child [0-9]+  exec /bin/true; keeps E1 fd 3$'
    assert_line --regexp '^  PROBLEM: child [0-9]+ exited with E1 fd 3 still open'
}

@test "--timeout ends a reader every writer has left, and says who was blocked where (exit 124)" {
    traced orphan-reader
    assert_equal "$status" 124
    grep -qx "timeout seconds=$ORPHAN_LIMIT" <<<"$EVENTS" || fail "$EVENTS"
    grep -qx 'blocked obj=E1 fd=3 call=read' <<<"$EVENTS" || fail "$EVENTS"
    assert_equal "$(tail -n 1 <<<"$EVENTS")" end
    assert_line --regexp '^  PROBLEM: parent [0-9]+ was still blocked in read on E1 fd 3 \(count 0\) when the run ended, asleep for [0-9.]+ s; no other process held it any more: nobody could write, so it would have slept forever$'
}

@test "--deadlock ends a run at once when every process waits for another, and no run where one still works" {
    traced orphan-reader.deadlock
    assert_equal "$status" 124
    grep -qx "timeout seconds=60 deadlock=yes" <<<"$EVENTS" || fail "$EVENTS"
    grep -qx 'blocked obj=E1 fd=3 call=read' <<<"$EVENTS" || fail "$EVENTS"
    assert_line '  the run was ended by --deadlock: every process was asleep where only another could wake it'
    traced 05-blocking-read.deadlock
    assert_equal "$status" 0
    ! grep -q '^timeout' <<<"$EVENTS" || fail "$EVENTS"
    assert_line '  clean: every descriptor closed, every child reaped, nobody left blocked'
}

@test "every event line has the contract's shape: time, pid, event, key=value fields; 'end' last" {
    local f bad
    for f in "$BATS_FILE_TMPDIR"/*.ev; do
        [ -s "$f" ] || fail "${f##*/} is empty"
    done
    # One awk for every stream: a line of another shape, and a stream whose last event is not 'end'.
    bad=$(awk '
        function base(f) { sub(/.*\//, "", f); return f }
        !/^[0-9]+ [0-9]+ (start|inherit|exec|exec-keep|exec-close|reap|exit|sleep|create|write|read|refused|block|ready|dup|recv|close|count-check|fdinfo|timeout|blocked|left-open|unreaped|end)( [a-z_]+=[^ ]+)*$/ {
            print base(FILENAME) ":" FNR ": " $0
        }
        { last[FILENAME] = $3 }
        END { for (f in last) if (last[f] != "end") print base(f) " does not end with '"'"'end'"'"'" }' \
        "$BATS_FILE_TMPDIR"/*.ev)
    [ -z "$bad" ] || fail "$bad"
}

# bats test_tags=kernel-independent
@test "bad use: exit status 2 with the usage; a program not found: 127, as the shell says" {
    local args
    for args in "" "--bogus -- true" "--timeout abc -- true" "--timeout 0 -- true" "-p x" "--events" \
        "--deadlock -- true" "--deadlock --timeout 1 -p 1"; do
        # shellcheck disable=SC2086  # the splitting is the point
        run --separate-stderr "$EFD_TRACE" $args
        assert_equal "$status" 2
        [[ $stderr == *"usage: efd-trace"* ]] || fail "no usage for '$args': $stderr"
        assert_equal "$output" ""
    done
    run -127 --separate-stderr "$EFD_TRACE" -- no-such-program-efd
    assert_equal "$status" 127
    assert_equal "$stderr" "efd-trace: no-such-program-efd: command not found"
    run -127 --separate-stderr "$EFD_TRACE" -- ./no/such/file
    assert_equal "$status" 127
}

# The diagram of lesson LL in a book: the ```mermaid block of its section.
book_diagram() {
    awk -v sect="## $2" '
        index($0, "## ") == 1 { in_sect = index($0, sect) == 1 }
        in_sect && /^```mermaid$/ { on = 1; next }
        on && /^```$/ { exit }
        on { print }' "$1"
}
# Scheduler-dependent details out: whether 02's child read before the parent wrote (and
# so slept, to be "woken by parent"), and
# which of 04's children took which token (they are one "child" here), whether the
# second fork came before the first child's read (the forks are compared apart), and
# whether one child ended before the other's last read (a child's end is put after the
# run of reads it stands in).
normalise_diagram() {
    sed -E '/Note over .*: read sleeps/d; s/, woken by [^(]+ \(/ (/; /->>[A-Z]: fork/d; s/^    participant [A-Z] as child [A-Z]$/    participant C as child/;
        s/^    ([A-Z])(->>|-->>)/    \1\2/; s/(^    |>>)[AB](:|-)/\1C\2/g' |
        awk '/participant C as child/ && seen++ { next }
             /^    C-->>P: exit/ { ends = ends $0 "\n"; next }
             /^    K[0-9]*-->>C: read/ { print; next }
             { printf "%s", ends; ends = ""; print }
             END { printf "%s", ends }'
}

@test "the book's diagrams for lessons 02-05 are those of a fresh --mermaid trace, pids aside" {
    local lesson fresh book
    for lesson in 02-fork-notify 03-counter-adds 04-semaphore-mode 05-blocking-read; do
        fresh=$(normalise_diagram <"$BATS_FILE_TMPDIR/$lesson.mermaid.tl")
        book=$(book_diagram "$TOP/NOTES.md" "$lesson" | normalise_diagram)
        assert_equal "$(grep -c -- '->>.*: fork' "$BATS_FILE_TMPDIR/$lesson.mermaid.tl")" \
            "$(book_diagram "$TOP/NOTES.md" "$lesson" | grep -c -- '->>.*: fork')"
        [ "$fresh" = "$book" ] || fail "$(printf '%s: the book says\n%s\nbut a fresh trace gives\n%s' "$lesson" "$book" "$fresh")"
    done
}

# Waits, within DEADLINE, until PID is traced (its TracerPid in /proc/PID/status is not 0).
wait_traced() {
    local pid=$1 start now key value
    start=${EPOCHREALTIME//[!0-9]/}
    while :; do
        while read -r key value; do
            [ "$key" = TracerPid: ] || continue
            [ "$value" = 0 ] || return 0
            break
        done <"/proc/$pid/status"
        now=${EPOCHREALTIME//[!0-9]/}
        ((now - start < DEADLINE * 1000000)) || fail "efd-trace -p did not attach to $pid within ${DEADLINE}s"
        sleep 0.001
    done
}

@test "-p PID: attached to a lesson paused at a checkpoint, it names the eventfd it holds, then follows its calls" {
    command -v strace >/dev/null || skip "strace is not installed"
    local ev=$BATS_TEST_TMPDIR/attach.ev tracer id expected
    start_paused 01-first-eventfd
    next_checkpoint created
    "$EFD_TRACE" --quiet --events "$ev" -p "$CP_PID" </dev/null >"$BATS_TEST_TMPDIR/attach.out" 2>&1 3>&- &
    tracer=$!
    wait_traced "$CP_PID"
    resume
    pass_checkpoints written read hex-written
    finish_lesson
    assert_success
    # strace ends when the process it attached to does; efd-trace then writes 'end'.
    wait "$tracer" || fail "efd-trace -p: status $?: $(<"$BATS_TEST_TMPDIR/attach.out")"
    id=$(grep -oE "^[0-9]+ $CP_PID recv obj=E1 fd=$CP_FD via=attach id=[0-9]+\$" "$ev" | sed 's/.*id=//')
    [ -n "$id" ] || fail "no via=attach line for fd $CP_FD: $(<"$ev")"
    expected=$(cat <<EOF2
start ppid=0 via=first
recv obj=E1 fd=$CP_FD via=attach id=$id
write obj=E1 fd=$CP_FD value=1161981756646125696 before=0 after=1161981756646125696
read obj=E1 fd=$CP_FD value=1161981756646125696 before=1161981756646125696 after=0
write obj=E1 fd=$CP_FD value=3735928559 before=0 after=3735928559
read obj=E1 fd=$CP_FD value=3735928559 before=3735928559 after=0
close obj=E1 fd=$CP_FD last=yes
exit status=exit:0
end
EOF2
)
    assert_equal "$(grep -v ' fdinfo ' "$ev" | cut -d' ' -f3-)" "$expected"
    # every fdinfo read the lesson made after the attach was checked, and agreed
    grep -q " fdinfo obj=E1 fd=$CP_FD count=1161981756646125696 computed=1161981756646125696\$" "$ev" || fail "$(<"$ev")"
    local differ
    differ=$(awk '$3 == "fdinfo" { c = d = ""; for (i = 4; i <= NF; i++) { if ($i ~ /^count=/) c = substr($i, 7); if ($i ~ /^computed=/) d = substr($i, 10) }; if (c != d) print }' "$ev")
    assert_equal "$differ" ""
}
