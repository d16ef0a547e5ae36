# 4-faults.sh — check step 4: strace makes each system call a lesson makes
# fail, once, and injects EINTR into the first read of an eventfd. The lesson
# names the call and the error and exits non-zero, or ends as a normal run
# does; never a hang, an orphan or a zombie. Sourced by scripts/prove/check.
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # names[], tools[] and VERDICT are read, and
# run_status, tap_* and the settings are set, by check and common.sh

names[4]="fault injection"
tools[4]="gcc:gcc strace:strace setarch:util-linux"

# The errno each call is made to fail with: one its manual lists, and one that
# the lesson cannot mistake for the result it demonstrates (EAGAIN on a read
# would look like lesson 06's subject).
errno_for() {
    case $1 in
        eventfd | eventfd2 | epoll_create | epoll_create1 | signalfd | signalfd4 | timerfd_create | \
            pipe | pipe2 | dup | dup2 | dup3 | open | openat | socket | socketpair | memfd_create | \
            pidfd_open | inotify_init1) echo EMFILE ;;
        clone | clone3 | fork | vfork) echo EAGAIN ;;
        wait4 | waitid) echo ECHILD ;;
        poll | ppoll | select | pselect6 | epoll_ctl | mmap | mprotect | newfstatat | fstat | statx) echo ENOMEM ;;
        epoll_wait | epoll_pwait | epoll_pwait2 | fcntl | munmap | rt_sigaction | rt_sigprocmask | prctl) echo EINVAL ;;
        execve | execveat | readlink | readlinkat) echo EACCES ;;
        kill | tgkill | kcmp | setpgid | setsid) echo EPERM ;;
        ioctl) echo ENOTTY ;;
        nanosleep | clock_nanosleep | futex) echo EINTR ;;
        *) echo EIO ;;
    esac
}

# The names a lesson may give the call in its message: its own, or the
# library function's ("fork" for clone, "waitpid" for wait4).
aliases_for() {
    printf '%s|' "$1"
    case $1 in
        eventfd2) echo eventfd ;;
        clone | clone3 | vfork) echo "fork|clone|pthread_create|posix_spawn" ;;
        wait4 | waitid) echo "wait|waitpid|waitid" ;;
        open | openat) echo "open|fopen|opendir" ;;
        newfstatat | fstat | statx) echo "stat|fstat" ;;
        read | readv | pread64) echo "read|fgets|fread|getline|pread" ;;
        write | writev | pwrite64) echo "write|printf|fflush|pwrite" ;;
        close) echo "close|fclose" ;;
        execve | execveat) echo "exec[a-z]*" ;;
        epoll_pwait | epoll_pwait2) echo "epoll_wait|epoll_pwait" ;;
        ppoll) echo "poll|ppoll" ;;
        pselect6) echo "select|pselect" ;;
        rt_sigaction) echo "sigaction|signal" ;;
        rt_sigprocmask) echo "sigprocmask|pthread_sigmask" ;;
        tgkill) echo "raise|pthread_kill" ;;
        nanosleep | clock_nanosleep) echo "nanosleep|clock_nanosleep|sleep" ;;
        *) local base=${1%%[0-9]}; echo "${base%%[0-9]}" ;;
    esac
}

# Calls not tried: those that cannot fail or never return, and futex, which
# the C library's locks and semaphores make: they abort ("The futex facility
# returned an unexpected error code") on an error the kernel cannot give them.
NO_FAIL='^(exit|exit_group|getpid|getppid|gettid|getuid|geteuid|getgid|getegid|rt_sigreturn|restart_syscall|sched_yield|futex)$'

# The targets of one lesson from the records of its normal run $1 (see
# fault-targets.awk); $2 is the length of the C library's start-up.
targets_of() { awk -v L="$2" -v nofail="$NO_FAIL" -f "$CHECK_D/fault-targets.awk" "$1"; }

# OUT RECORDS: the run's output made comparable with another run's (pids and
# eventfd-ids masked, see normalise.awk), lines sorted (processes interleave).
normalise() { awk -f "$CHECK_D/normalise.awk" "$2" "$1" | sort; }

# The shape of a run's output: normalised, every number masked. Used for the
# lessons whose normal runs differ from each other (timings, racy order).
shape() { normalise "$1" "$2" | sed -E 's/0x[0-9a-f]+/0xN/g; s/[0-9]+/N/g; s/PID|ID/N/g; s/ +/ /g' | sort; }

# strace_run DIR TAG BIN OPTS...: one run under strace into DIR/TAG.*, with
# address space randomisation off (outputs that show addresses compare).
# The limit only catches a hang: every system call stops in strace, so a run
# that takes 3 s alone (lesson 18's tens of thousands of posts) can take ten
# times that on a loaded machine, and a slow run is not a failure.
FAULT_TIMEOUT=45
strace_run() {
    local dir=$1 tag=$2 bin=$3
    shift 3
    run_session "$FAULT_TIMEOUT" "$dir/$tag.out" "$dir/$tag.err" /dev/null \
        setarch "$(uname -m)" -R strace -f -qq -y -o "$dir/$tag.trace" "$@" -- "$bin"
    awk -f "$CHECK_D/trace.awk" "$dir/$tag.trace" >"$dir/$tag.records" 2>/dev/null
}

# Children that were created but never reaped by a wait (an orphan or a zombie).
unreaped() { awk -f "$CHECK_D/unreaped.awk" "$1"; }

# same_as_normal TAG [HOW]: true when run TAG printed what the normal run
# (base) printed, compared by HOW (normalise or shape; default: $compare, the
# lesson's). A lesson is compared normalised while its normal runs print the
# same, by shape once two of them differ (a racy order, a timing). Two normal
# runs can agree by chance, so the first time a run differs, up to three more
# normal runs look for a difference before the run counts as different.
same_as_normal() {
    local tag=$1 how=${2:-$compare} i
    cmp -s <($how "$d/base.out" "$d/base.records") <($how "$d/$tag.out" "$d/$tag.records") &&
        return 0
    [ "$how" = normalise ] || return 1
    if [ "$compare" = normalise ] && [ "$probed" = 0 ]; then
        probed=1
        local run_status run_left      # the caller's run's, not the probes'
        for i in 3 4 5; do
            strace_run "$d" "base$i" "$bin"
            cmp -s <(normalise "$d/base.out" "$d/base.records") \
                   <(normalise "$d/base$i.out" "$d/base$i.records") && continue
            compare=shape
            echo "normal runs differ (base, base$i): compared by shape" >"$d/notes"
            break
        done
    fi
    [ "$compare" = shape ] && same_as_normal "$tag" shape
}

# same_on_rerun TAG HOW OPTS...: true when one of three more runs with the
# same injection (OPTS) ends as the normal run did, compared by HOW. Where
# processes race (lesson 04's two children each print the count they saw),
# the timing of an injection can bring up an order that the normal runs
# happened not to show; a failure that went unnoticed changes the output on
# every run (check.d/fake-unnoticed.c proves that this step still sees one).
same_on_rerun() {
    local tag=$1 how=$2 i run_status run_left    # the caller's run's stay
    shift 2
    for i in 1 2 3; do
        strace_run "$d" "$tag.rerun$i" "$bin" "$@"
        if [ "$run_status" -eq 0 ] && [ ! -s "$d/$tag.rerun$i.err" ] &&
                same_as_normal "$tag.rerun$i" ${how:+"$how"}; then
            echo "ended as a normal run on rerun $i of $tag" >>"$d/notes"
            return 0
        fi
    done
    return 1
}

# fault_lesson BIN STARTUP_LEN: every target of one lesson; its report lines
# go to LOGS/faults/NAME/report, one row per target to .../results.tsv:
#   KIND LABEL ERRNO RESULT WHY   (RESULT: loud, same, exception or FAILED)
fault_lesson() {
    local bin=$1 startup_len=$2 name d compare=normalise probed=0
    name=$(basename "$bin")
    d=$LOGS/faults/$name
    mkdir -p "$d"
    : >"$d/results.tsv"
    exec >"$d/report"
    # Two normal runs: the reference, and whether its output is stable.
    strace_run "$d" base "$bin"
    local base_status=$run_status base_left=$run_left base_unreaped
    base_unreaped=$(unreaped "$d/base.records")
    strace_run "$d" base2 "$bin"
    if ! cmp -s <(normalise "$d/base.out" "$d/base.records") \
                <(normalise "$d/base2.out" "$d/base2.records"); then
        compare=shape probed=1
    fi
    if [ "$base_status" -ne 0 ] || [ -n "$base_left" ] || [ -n "$base_unreaped" ]; then
        echo "  $name: its normal run under strace fails: exit $base_status," \
            "left: ${base_left:-none}, never reaped: ${base_unreaped:-none}"
        excerpt "$d/base.err"
        printf 'call\tnormal run\t-\tFAILED\tthe normal run fails\n' >>"$d/results.tsv"
        return
    fi

    local kind call when err tag label opts why result errtext how
    while IFS=$'\t' read -r kind call when; do
        # The fast sample: the eventfd code itself (create, fork, and the
        # calls on the eventfd).
        [ "$fast" = 1 ] && [ "$kind" = call ] &&
            [[ ! $call =~ ^(eventfd2?|clone3?|fork|vfork)$ ]] && continue
        err=EINTR label=$call opts=()
        [ "$kind" = eintr ] || err=$(errno_for "$call")
        case $kind in
            call) tag=$call ;;
            efd) tag=$call-eventfd; label="$call(eventfd)"; opts=(-P 'anon_inode:[eventfd]') ;;
            eintr) tag=$call-eintr; label="$call(eventfd)"; opts=(-P 'anon_inode:[eventfd]') ;;
        esac
        opts+=(-e "inject=$call:error=$err:when=$when")
        strace_run "$d" "$tag" "$bin" "${opts[@]}"

        # result: loud (named the call and the error, exit non-zero), same
        # (ended as the normal run did: the failure was absorbed or, for
        # EINTR, retried), or none, with the reason in why.
        why='' result='' how=''
        # A close that strace made fail did not close (the kernel never saw
        # it), so later descriptors get other numbers; a real close frees the
        # number even when it fails.
        [ "$tag" = close ] && how=shape
        errtext=$(awk -F'\t' '$5 == 1 { print $6; exit }' "$d/$tag.records")
        if [ -z "$errtext" ]; then
            # A call made only sometimes (a poll loop's nanosleep, when the
            # child was quick): not made this time, and nothing else changed.
            if [ "$run_status" -eq 0 ] && [ ! -s "$d/$tag.err" ] && same_as_normal "$tag" ${how:+"$how"}; then
                result=unreached
            else
                why="the injection was never reached"
            fi
        elif [ "$run_status" -eq 124 ] || [ "$run_status" -eq 137 ]; then
            why="hung (killed after $FAULT_TIMEOUT s)"
        elif [ -n "$run_left" ]; then
            why="left processes behind: $run_left"
        elif [ "$kind" = call ] && [ -n "$(unreaped "$d/$tag.records")" ]; then
            why="never reaped child $(unreaped "$d/$tag.records")"
        elif [ "$run_status" -gt 128 ]; then
            why="killed by signal $((run_status - 128))"
        elif [ "$run_status" -eq 0 ]; then
            if [ -s "$d/$tag.err" ]; then
                why="exit 0, but stderr says: $(head -n 1 "$d/$tag.err")"
            elif same_as_normal "$tag" ${how:+"$how"}; then
                result=same
            elif [ "$kind" = eintr ] && same_as_normal "$tag" shape; then
                # A retried read changes when things happen, and so what a
                # concurrent process sees (a count, a pid outside the trace):
                # the same lines with other numbers are the same run.
                result=same
            elif same_on_rerun "$tag" "$how" "${opts[@]}"; then
                result=same
            else
                why="exit 0 with other output than a normal run: the failure went unnoticed"
            fi
        elif grep -qE "^[^ :]+: (.*[^a-z_])?($(aliases_for "$call"))([^a-z_].*)?: $errtext\$" \
                "$d/$tag.err"; then
            result=loud
        else
            why="exit $run_status, but no line 'PROGRAM: ...$call...: $errtext' on stderr"
        fi
        if [ -n "$why" ] && is_exception 4 "$name" "$tag"; then
            result=exception
            echo "  $name: $label ($err): $why — accepted, see check.d/exceptions"
        elif [ -z "$result" ]; then
            echo "  $name: $label ($err): $why (trace: $d/$tag.trace)"
            excerpt "$d/$tag.err" 3
        elif [ "$kind" = eintr ] && [ "$result" = loud ]; then
            echo "  $name: $label ($err): not retried, but reported:" \
                "$(grep -m 1 -E ": $errtext\$" "$d/$tag.err")"
        fi
        printf '%s\t%s\t%s\t%s\t%s\n' "$kind" "$label" "$err" "${result:-FAILED}" "$why" \
            >>"$d/results.tsv"
    done < <(targets_of "$d/base.records" "$startup_len")
}

# The step's own proof that its comparison still sees a failure that went
# unnoticed: check.d/fake-unnoticed.c ignores a failed write and only prints
# another number. True when step 4 reports its write as unnoticed.
catches_unnoticed() {
    local dir=$1 startup_len=$2 fake=$1/fake-unnoticed
    # shellcheck disable=SC2086  # DEFAULT_CFLAGS: one word per flag
    gcc $DEFAULT_CFLAGS -D_GNU_SOURCE -static -o "$fake" "$CHECK_D/fake-unnoticed.c" || return 1
    (fast=0 LOGS=$dir/self-test fault_lesson "$fake" "$startup_len")
    grep -qE $'^(call\twrite|efd\twrite\\(eventfd\\))\t[A-Z]+\tFAILED\t.*went unnoticed$' \
        "$dir/self-test/faults/fake-unnoticed/results.tsv"
}

step_4() {
    local dir=$W/static startup_len bin running=0 lessons=()
    # A static build: then the first read, openat or close of every process is
    # the lesson's own, not the dynamic loader's (it reads libc.so at start),
    # and "the first call fails" means the same in a parent and its children.
    if ! build "$dir" gcc "$DEFAULT_CFLAGS" -static; then
        echo "  static build failed:"; excerpt "$dir.log" 20
        VERDICT="static build failed"; return 1
    fi
    # How many calls the C library makes before main: a program that does nothing.
    printf 'int main(void) { return 0; }\n' >"$dir/startup.c"
    # shellcheck disable=SC2086  # DEFAULT_CFLAGS: one word per flag
    gcc $DEFAULT_CFLAGS -static -pthread -o "$dir/startup" "$dir/startup.c"
    strace -f -qq -o "$dir/startup.trace" "$dir/startup"
    startup_len=$(awk -f "$CHECK_D/trace.awk" "$dir/startup.trace" | grep -vc $'\texit_group\t')

    if ! catches_unnoticed "$dir" "$startup_len"; then
        echo "  check.d/fake-unnoticed.c ignores a failed write, and this step did not see it:"
        excerpt "$dir/self-test/faults/fake-unnoticed/results.tsv" 20
        VERDICT="the comparison of outputs is blind: a write failure that went unnoticed was not seen"
        return 1
    fi

    # The lessons side by side, one per CPU; each reports into its own files.
    while read -r bin; do
        lessons+=("$(basename "$bin")")
        if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
        fault_lesson "$bin" "$startup_len" &
        running=$((running + 1))
    done < <(lessons_in "$dir")
    wait

    local name all=$LOGS/faults/results.tsv
    : >"$all"
    for name in "${lessons[@]}"; do
        cat "$LOGS/faults/$name/report" 2>/dev/null
        sed "s/^/$name\t/" "$LOGS/faults/$name/results.tsv" >>"$all" 2>/dev/null
    done
    local tried passed reported absorbed excepted eintr_tried eintr_retried eintr_loud failed unreached
    read -r tried passed reported absorbed excepted eintr_tried eintr_retried eintr_loud failed \
        unreached < <(awk -f "$CHECK_D/fault-tally.awk" "$all")
    VERDICT="$passed/$tried (lesson, call) pairs passed in ${#lessons[@]} lessons"
    [ "$fast" = 1 ] && VERDICT+=" (the sample: eventfd, fork and the calls on eventfds)"
    VERDICT+=" ($reported named the call and the error and exited non-zero, $absorbed ended as a normal run)"
    [ "$unreached" -eq 0 ] || VERDICT+=" (+$unreached not made on that run: timing-dependent)"
    VERDICT+="; EINTR in eventfd reads: $eintr_retried/$eintr_tried lessons retried and finished"
    [ "$eintr_loud" -eq 0 ] || VERDICT+=", $eintr_loud reported it and exited 1"
    [ "$excepted" -eq 0 ] || VERDICT+="; $excepted listed exceptions"
    [ "$failed" -eq 0 ] && [ "$tried" -gt 0 ]
}
