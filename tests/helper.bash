# helper.bash — what every lesson's tests share.
#
# A lesson runs in its own session (setsid), with its stdin and stdout on FIFOs
# that this helper holds, and its stderr in a file:
#
#   start_paused LESSON [ARGS...]   start build/LESSON --pause ARGS
#   next_checkpoint NAME            read stdout until the next checkpoint line;
#                                   it must be NAME; sets CP_PID and CP_FD
#   resume                          send the line that lets it go on
#   finish_lesson                   close stdin (every later checkpoint goes
#                                   straight on), read stdout to its end, reap
#                                   the lesson; sets status, output, lines and
#                                   stderr like bats' `run --separate-stderr`
#   run_lesson LESSON [ARGS...]     start without --pause and finish
#
# Every read has a deadline (DEADLINE seconds), every test a timeout
# (BATS_TEST_TIMEOUT), and teardown kills the lesson's whole session, so a
# failing test can never hang the suite. Nothing here waits on time alone.

bats_require_minimum_version 1.7.0
bats_load_library bats-support
bats_load_library bats-assert

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BUILD=$TOP/build
DEADLINE=${DEADLINE:-10}

setup() {
    LESSON_PID=
    CHECKPOINTS=()
}

teardown() {
    stop_lesson
}

# --- starting and driving a lesson ---------------------------------------

start_lesson() {
    local name=$1
    shift
    [ -x "$BUILD/$name" ] || fail "no $BUILD/$name: did the build fail?"
    LESSON_NAME=$name
    LESSON_DIR=$(mktemp -d "$BATS_TEST_TMPDIR/lesson.XXXXXX")
    mkfifo "$LESSON_DIR/in" "$LESSON_DIR/out"
    # fd 3 is bats' own output: a process that keeps it open hangs bats.
    setsid "$BUILD/$name" "$@" <"$LESSON_DIR/in" >"$LESSON_DIR/out" \
        2>"$LESSON_DIR/err" 3>&- &
    LESSON_PID=$!
    # Opening a FIFO read-write never blocks; the lesson's open of "in" then
    # finds a writer. Opening "out" read-only waits for the lesson's open.
    exec {LESSON_IN}<>"$LESSON_DIR/in"
    exec {LESSON_OUT}<"$LESSON_DIR/out"
    OUT_LINES=()
}

start_paused() {
    local name=$1
    shift
    start_lesson "$name" --pause "$@"
}

# Reads one line of the lesson's stdout into LINE, within the deadline.
# Returns 1 at end of output; fails the test on time-out.
read_line() {
    local deadline=${1:-$DEADLINE}
    if IFS= read -r -t "$deadline" -u "$LESSON_OUT" LINE; then
        return 0
    fi
    if [ $? -gt 128 ]; then
        fail "$(printf 'no output from %s within %ss\noutput so far:\n%s\nstderr:\n%s' \
            "$LESSON_NAME" "$deadline" "$(printf '%s\n' "${OUT_LINES[@]}")" \
            "$(cat "$LESSON_DIR/err")")"
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
    fail "$(printf '%s ended before checkpoint %s\noutput:\n%s\nstderr:\n%s' "$LESSON_NAME" \
        "$expected" "$(printf '%s\n' "${OUT_LINES[@]}")" "$(cat "$LESSON_DIR/err")")"
}

resume() {
    printf '\n' >&"$LESSON_IN"
}

finish_lesson() {
    exec {LESSON_IN}>&-
    while read_line; do
        [[ $LINE == checkpoint\ * ]] || OUT_LINES+=("$LINE")
    done
    exec {LESSON_OUT}<&-
    # stdout has reached its end: every process of the lesson has closed it,
    # so the lesson has exited or is about to; wait reaps it.
    status=0
    wait "$LESSON_PID" || status=$?
    lines=("${OUT_LINES[@]}")
    output=$(printf '%s\n' "${OUT_LINES[@]}")
    output=${output%$'\n'}
    stderr=$(cat "$LESSON_DIR/err")
    assert_no_process_left
    LESSON_PID=
}

run_lesson() {
    start_lesson "$@"
    finish_lesson
}

# Kills whatever is left of the lesson's session: after a failure, or when a
# test has seen what it needed before the lesson's end.
stop_lesson() {
    [ -n "${LESSON_PID:-}" ] || return 0
    kill -KILL -- "-$LESSON_PID" 2>/dev/null || true
    wait "$LESSON_PID" 2>/dev/null || true
    LESSON_PID=
}

# --- what the kernel says --------------------------------------------------

# Prints the value of fdinfo FIELD of descriptor FD of process PID;
# fails (status 1) when the kernel does not print that field.
fdinfo() {
    local pid=$1 fd=$2 field=$3
    awk -v key="$field:" '$1 == key { print $2; found = 1 } END { exit !found }' \
        "/proc/$pid/fdinfo/$fd"
}

# The eventfd count of PID/FD (default: the current checkpoint's process) as
# lowercase hex without leading zeros, as the kernel prints it.
count_hex() {
    fdinfo "${1:-$CP_PID}" "${2:-$CP_FD}" eventfd-count
}

# Asserts the count at the current checkpoint, given in hex ("1c").
assert_count() {
    local expected=$1 actual
    actual=$(count_hex) || fail "no eventfd-count in /proc/$CP_PID/fdinfo/$CP_FD"
    [ "$actual" = "$expected" ] ||
        fail "at checkpoint '$CP_NAME' eventfd-count is '$actual', expected '$expected'"
}

# Field 3 of /proc/PID/stat (the state letter), read after the last ')'.
process_state() {
    local stat
    IFS= read -r stat <"/proc/$1/stat" || return 1
    stat=${stat##*) }
    printf '%s\n' "${stat%% *}"
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

# No process of the lesson's session may outlive it: no orphan, no zombie.
# Every /proc/PID/stat is read in one pass (cat goes on past a process that
# vanishes); the session is field 6, counted after the last ')' since the
# command name may hold spaces.
assert_no_process_left() {
    local left
    left=$(cat /proc/[0-9]*/stat 2>/dev/null | awk -v sid="$LESSON_PID" '{
            pid = $1; rest = $0; sub(/^.*\) /, "", rest); split(rest, f, " ")
            if (f[4] == sid) print pid
        }')
    [ -z "$left" ] || fail "processes of $LESSON_NAME left behind: $left"
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
    release=$(uname -r)
    major=${release%%.*}
    minor=${release#*.}
    minor=${minor%%[!0-9]*}
    [ "$major" -gt "$1" ] || { [ "$major" -eq "$1" ] && [ "$minor" -ge "$2" ]; }
}

# Runs LESSON once for each ARGS string (split at spaces: "1 2" is two
# arguments; "" is one empty argument) and asserts that each is refused as
# bad input.
assert_bad_input_refused() {
    local lesson=$1 args
    shift
    for args in "$@"; do
        if [ -z "$args" ]; then
            run_lesson "$lesson" ""
        else
            # shellcheck disable=SC2086  # the splitting is the point
            run_lesson "$lesson" $args
        fi
        assert_usage_error
    done
}

# Bad input: exit status 2, a reason and the usage on stderr, nothing forked.
assert_usage_error() {
    assert_equal "$status" 2
    assert_stderr_contains "usage: $LESSON_NAME"
    assert_equal "$output" ""
}
