# helper.bash — what every lesson's tests share.
#
# A lesson runs in its own session (setsid), with its stdin and stdout on FIFOs
# that this helper holds, and its stderr in a file:
#
#   start_paused LESSON [ARGS...]   start build/LESSON --pause ARGS
#   next_checkpoint NAME            read stdout until the next checkpoint line;
#                                   it must be NAME; sets CP_PID and CP_FD
#   resume                          send the line that lets it go on
#   pass_checkpoints NAME...        next_checkpoint and resume, for each NAME
#   finish_lesson                   close stdin (every later checkpoint goes
#                                   straight on), read stdout to its end, reap
#                                   the lesson; sets status, output, lines and
#                                   stderr like bats' `run --separate-stderr`
#   run_lesson LESSON [ARGS...]     start without --pause and finish
#   wait_for_state PID STATE        wait until /proc shows PID in STATE
#
# Every read and wait has a deadline (DEADLINE seconds), every test a timeout
# (BATS_TEST_TIMEOUT), and teardown kills the lesson's whole process group, so a
# failing test can never hang the suite. Nothing here waits on time alone.
#
# The helpers run once or more in every test, so they use bash builtins
# (read, [[ =~ ]], printf -v) rather than starting awk, sed, cat or mktemp: a
# process started costs milliseconds, a builtin microseconds.

bats_require_minimum_version 1.7.0
# bash 5: EPOCHREALTIME.
if ((BASH_VERSINFO[0] < 5)); then
    echo "helper.bash: bash 5 or later is needed; this is bash $BASH_VERSION" >&2
    exit 1
fi

# Loads library NAME (bats-support, bats-assert) from BATS_LIB_PATH as
# bats_load_library does, for less: their load.bash runs `dirname` for each
# file it sources, 15 processes started in every test, most of the time an
# empty test takes. This sources the files that load.bash names, in its order,
# with none; a load.bash of another shape is left to bats_load_library.
load_library() {
    local name=$1 dir load='' line files=() file
    local IFS=:
    for dir in $BATS_LIB_PATH; do
        if [ -f "$dir/$name/load.bash" ]; then
            load=$dir/$name/load.bash
            break
        fi
    done
    IFS=$' \t\n'
    [ -n "$load" ] || { bats_load_library "$name"; return; }
    while IFS= read -r line; do
        if [[ $line =~ ^source\ \"\$\(dirname\ \"\$\{BASH_SOURCE\[0\]\}\"\)/([A-Za-z0-9_/.-]+)\"$ ]]; then
            files+=("${load%/*}/${BASH_REMATCH[1]}")
        elif [[ -n $line && $line != \#* ]]; then
            bats_load_library "$name"
            return
        fi
    done <"$load"
    for file in "${files[@]}"; do
        # shellcheck disable=SC1090  # the library's own files
        source "$file"
    done
}
# Where the file is sourced for its setup_file, bats traces every command of
# a function too (set -T, with a DEBUG trap of some 0.3 ms a command): the
# loops above then cost some 70 ms a file, most of what loading the helper
# cost. They run untraced; whatever was set is set again.
if [[ $- == *T* ]]; then
    set +T
    load_library bats-support
    load_library bats-assert
    set -T
else
    load_library bats-support
    load_library bats-assert
fi

# bats gives the test file's directory as an absolute path: TOP is its parent.
TOP=${BATS_TEST_DIRNAME%/*}
BUILD=$TOP/build
DEADLINE=${DEADLINE:-10}

# The tests check English sentences; check-exercise answers in Russian where
# the locale says ru* (a learner's own LANG=ru_RU.UTF-8), and other programs
# may translate their error messages. So every test runs in the C locale: in
# it bash, grep and sed also take a character for a byte, and the suite costs
# some 12% less CPU than in C.UTF-8 (six alternating runs each on 2 CPUs).
# A test that needs more sets its own locale: the Russian verdict's, and the
# book's headings (Cyrillic letters are letters, and have a lowercase).
export LC_ALL=C LANG=C
unset LANGUAGE LC_MESSAGES

setup() {
    # Bats traces every command of a test for its error reports: a DEBUG trap
    # that costs some 0.3 ms a command, inherited by every function while bash
    # has -T (functrace) set. Without it the helpers' loops over a lesson's
    # output, fdinfo lines or a book run untraced, some 100 times faster, and a
    # failure is reported at the test's line that called the helper, as for
    # bats-assert's. The test's own lines stay traced.
    set +T
    LESSON_PID=
    LESSON_RUNS=0
    CHECKPOINTS=()
}

teardown() {
    stop_lesson
}

# --- starting and driving a lesson ---------------------------------------

# Starts PROGRAM ARGS: a lesson or helpers/NAME in build/, or a script's path.
start_lesson() {
    local program=$1
    shift
    [[ $program == /* ]] || program=$BUILD/$program
    [ -x "$program" ] || fail "no $program: did the build fail?"
    LESSON_NAME=${program##*/}
    LESSON_RUNS=$((LESSON_RUNS + 1))
    local fifo=$BATS_TEST_TMPDIR/lesson.$LESSON_RUNS
    LESSON_ERR=$fifo.err
    OUT_LINES=()
    mkfifo "$fifo.in" "$fifo.out"
    # A background job, so that `wait` reaps it with its status; setsid execs
    # in place (a background job of a shell without job control leads no
    # process group), so LESSON_PID is the lesson's pid and its session's and
    # process group's id. fd 3 is bats' own output: a process that keeps it
    # open hangs bats.
    setsid "$program" "$@" <"$fifo.in" >"$fifo.out" 2>"$LESSON_ERR" 3>&- &
    LESSON_PID=$!
    # Opening a FIFO read-write never blocks; the lesson's open of "in" then
    # finds a writer, and a resume sent after the lesson has gone waits in the
    # FIFO instead of killing this shell with SIGPIPE. Opening "out" read-only
    # waits for the lesson's open.
    exec {LESSON_IN}<>"$fifo.in"
    exec {LESSON_OUT}<"$fifo.out"
}

start_paused() {
    local name=$1
    shift
    start_lesson "$name" --pause "$@"
}

# Sets LESSON_STDERR to what the lesson has written to stderr so far.
read_stderr() {
    LESSON_STDERR=
    IFS= read -r -d '' LESSON_STDERR <"$LESSON_ERR" || true
    while [[ $LESSON_STDERR == *$'\n' ]]; do LESSON_STDERR=${LESSON_STDERR%$'\n'}; done
}

# Reads one line of the lesson's stdout into LINE, within the deadline.
# Returns 1 at end of output; fails the test on time-out.
# shellcheck disable=SC2120  # the deadline is optional: most callers take the default
read_line() {
    local deadline=${1:-$DEADLINE}
    IFS= read -r -t "$deadline" -u "$LESSON_OUT" LINE && return 0
    if [ $? -gt 128 ]; then             # read's status: above 128 is a time-out
        read_stderr
        fail "$(printf 'no output from %s within %ss\noutput so far:\n%s\nstderr:\n%s' \
            "$LESSON_NAME" "$deadline" "$(printf '%s\n' "${OUT_LINES[@]}")" "$LESSON_STDERR")"
    fi
    return 1
}

next_checkpoint() {
    local expected=$1
    while read_line; do
        if [[ $LINE =~ ^checkpoint\ ([^ ]+)\ pid=([0-9]+)\ fd=([0-9]+)$ ]]; then
            CP_NAME=${BASH_REMATCH[1]}
            CP_PID=${BASH_REMATCH[2]}
            CP_FD=${BASH_REMATCH[3]}
            CHECKPOINTS+=("$CP_NAME")
            [ "$CP_NAME" = "$expected" ] ||
                fail "expected checkpoint '$expected', got '$CP_NAME' (after: ${CHECKPOINTS[*]})"
            return 0
        fi
        OUT_LINES+=("$LINE")
    done
    read_stderr
    fail "$(printf '%s ended before checkpoint %s\noutput:\n%s\nstderr:\n%s' "$LESSON_NAME" \
        "$expected" "$(printf '%s\n' "${OUT_LINES[@]}")" "$LESSON_STDERR")"
}

resume() {
    printf '\n' >&"$LESSON_IN"
}

# Goes through checkpoints NAME... in order, letting each one go on: where a
# test has nothing to look at.
pass_checkpoints() {
    local name
    for name in "$@"; do
        next_checkpoint "$name"
        resume
    done
}

# Closes this shell's ends of the lesson's pipes.
close_pipes() {
    [ -z "${LESSON_IN:-}" ] || exec {LESSON_IN}>&-
    [ -z "${LESSON_OUT:-}" ] || exec {LESSON_OUT}<&-
    LESSON_IN='' LESSON_OUT=''
}

finish_lesson() {
    exec {LESSON_IN}>&-
    LESSON_IN=
    while read_line; do
        [[ $LINE == checkpoint\ * ]] || OUT_LINES+=("$LINE")
    done
    close_pipes
    # stdout has reached its end: every process of the lesson has closed it,
    # so the lesson has exited or is about to; wait reaps it.
    status=0
    wait "$LESSON_PID" || status=$?
    # shellcheck disable=SC2034  # lines is for the tests, as bats' run sets it
    lines=("${OUT_LINES[@]}")
    printf -v output '%s\n' "${OUT_LINES[@]}"
    while [[ $output == *$'\n' ]]; do output=${output%$'\n'}; done
    read_stderr
    stderr=$LESSON_STDERR
    assert_no_process_left
    LESSON_PID=
}

run_lesson() {
    start_lesson "$@"
    finish_lesson
}

# Kills whatever is left of the lesson's process group: after a failure, or
# when a test has seen what it needed before the lesson's end.
stop_lesson() {
    [ -n "${LESSON_PID:-}" ] || return 0
    kill -KILL -- "-$LESSON_PID" 2>/dev/null || true
    wait "$LESSON_PID" 2>/dev/null || true
    close_pipes
    LESSON_PID=
}

# --- what the kernel says --------------------------------------------------

# Sets FDINFO to the value of fdinfo FIELD of descriptor FD of process PID
# (the first word after "FIELD:"); fails (status 1) when the kernel does not
# print that field.
read_fdinfo() {
    local key value
    FDINFO=
    while read -r key value _; do
        if [ "$key" = "$3:" ]; then
            FDINFO=$value
            return 0
        fi
    done <"/proc/$1/fdinfo/$2"
    return 1
}

# Prints the value of fdinfo FIELD of descriptor FD of process PID;
# fails (status 1) when the kernel does not print that field.
fdinfo() {
    read_fdinfo "$@" || return 1
    printf '%s\n' "$FDINFO"
}

# The eventfd count of PID/FD (default: the current checkpoint's process) as
# lowercase hex without leading zeros, as the kernel prints it.
count_hex() {
    fdinfo "${1:-$CP_PID}" "${2:-$CP_FD}" eventfd-count
}

# Asserts the count at the current checkpoint, given in hex ("1c").
assert_count() {
    read_fdinfo "$CP_PID" "$CP_FD" eventfd-count ||
        fail "no eventfd-count in /proc/$CP_PID/fdinfo/$CP_FD"
    [ "$FDINFO" = "$1" ] ||
        fail "at checkpoint '$CP_NAME' eventfd-count is '$FDINFO', expected '$1'"
}

# Sets STATE to field 3 of /proc/PID/stat (the state letter), read after the
# last ')' since the command name may hold spaces; fails when PID is gone.
read_state() {
    local stat
    STATE=
    IFS= read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
    stat=${stat##*) }
    STATE=${stat%% *}
}

# Prints the state letter of PID (R running, S sleeping, Z zombie...).
process_state() {
    read_state "$1" || return 1
    printf '%s\n' "$STATE"
}

# Waits until process PID is in state STATE (S: asleep, as in waitpid() or a
# blocking read()): a process that has just printed a line may still be on
# its way to the call it sleeps in. Polls /proc every millisecond or so, and
# fails the test if PID is not in STATE within DEADLINE seconds.
wait_for_state() {
    local pid=$1 want=$2 start now
    start=${EPOCHREALTIME//[!0-9]/}
    while read_state "$pid" && [ "$STATE" != "$want" ]; do
        now=${EPOCHREALTIME//[!0-9]/}
        ((now - start < DEADLINE * 1000000)) || break
        sleep 0.001
    done
    [ "$STATE" = "$want" ] ||
        fail "process $pid is in state '${STATE:-gone}', not '$want', after ${DEADLINE}s"
}

# The pids of PID's children, separated by single spaces.
children_of() {
    local pids
    read -r -a pids <"/proc/$1/task/$1/children" || true
    printf '%s\n' "${pids[*]}"
}

# The child's pid that the lesson printed as "child PID: ..." first.
first_child_pid() {
    local line
    for line in "${OUT_LINES[@]}"; do
        if [[ $line =~ ^child\ ([0-9]+): ]]; then
            printf '%s\n' "${BASH_REMATCH[1]}"
            return 0
        fi
    done
    return 1
}

# No process of the lesson may outlive it: no orphan, no zombie. The lesson
# leads its own process group, and every process it forks stays in it (no
# lesson calls setpgid or setsid), so signal 0 sent to the group finds any
# that is left, a zombie too, without reading all of /proc.
assert_no_process_left() {
    if kill -0 -- "-$LESSON_PID" 2>/dev/null; then
        local left
        left=$(pgrep -g "$LESSON_PID" | tr '\n' ' ')
        fail "processes of $LESSON_NAME left behind: ${left% }"
    fi
}

assert_stderr_contains() {
    [[ $stderr == *"$1"* ]] || fail "stderr does not contain '$1': $stderr"
}

# The number of system call NAME (read or write) on this machine's
# architecture, as /proc/PID/syscall prints it; fails on an unknown one.
syscall_nr() {
    case $1:$(uname -m) in
        read:x86_64) echo 0 ;;
        write:x86_64) echo 1 ;;
        read:aarch64 | read:riscv64) echo 63 ;;
        write:aarch64 | write:riscv64) echo 64 ;;
        read:i?86) echo 3 ;;
        write:i?86) echo 4 ;;
        *) return 1 ;;
    esac
}

# True when the running kernel is at least MAJOR.MINOR.
kernel_at_least() {
    local release major minor
    read -r release </proc/sys/kernel/osrelease
    major=${release%%.*}
    minor=${release#*.}
    minor=${minor%%[!0-9]*}
    [ "$major" -gt "$1" ] || { [ "$major" -eq "$1" ] && [ "$minor" -ge "$2" ]; }
}

# The one way bad input is tested, for lessons and scripts alike: runs
# PROGRAM (a lesson or helpers/NAME in build/, or a script's path) once for
# each ARGS string (split at spaces: "1 2" is two arguments; "" is one empty
# argument) and asserts that each is refused as bad input.
assert_bad_input_refused() {
    local program=$1 args
    shift
    for args in "$@"; do
        if [ -z "$args" ]; then
            run_lesson "$program" ""
        else
            # shellcheck disable=SC2086  # the splitting is the point
            run_lesson "$program" $args
        fi
        assert_usage_error
    done
}

# Bad input: exit status 2, a reason and the usage on stderr ("usage: NAME",
# NAME as the program calls itself, perhaps with its directory), nothing on
# stdout, nothing forked.
assert_usage_error() {
    assert_equal "$status" 2
    [[ $stderr =~ usage:\ ([^[:space:]]*/)?"$LESSON_NAME"([[:space:]]|$) ]] ||
        fail "stderr does not contain 'usage: $LESSON_NAME': $stderr"
    assert_equal "$output" ""
}
