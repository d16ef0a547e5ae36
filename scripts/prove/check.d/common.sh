# common.sh — the helpers that check's steps share; sourced by scripts/prove/check.
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # tools[] is set by the steps' files, and
# run_status is read by them

# The packages that steps $@ need and this machine lacks, one per line.
missing_packages() {
    local step pair packages=()
    for step in "$@"; do
        for pair in ${tools[step]}; do
            command -v "${pair%%:*}" >/dev/null 2>&1 || packages+=("${pair#*:}")
        done
        if [[ " ${tools[step]} " == *" bats:bats "* ]]; then
            [ -f "$BATS_LIB_DIR/bats-support/load.bash" ] || packages+=(bats-support)
            [ -f "$BATS_LIB_DIR/bats-assert/load.bash" ] || packages+=(bats-assert)
        fi
        # Step 4 links statically (see step_4): libc.a is in libc6-dev.
        if [ "$step" = 4 ] && ! echo 'int main(void){return 0;}' |
                gcc -x c -static -o "$W/static-probe" - 2>/dev/null; then
            packages+=(libc6-dev)
        fi
    done
    [ ${#packages[@]} -eq 0 ] || printf '%s\n' "${packages[@]}" | sort -u
}

# The lessons (build/NN-name) in build directory $1, in order.
lessons_in() {
    local f
    for f in "$1"/[0-9][0-9]-*; do
        if [ ! -x "$f" ] || [ ! -f "$f" ]; then continue; fi
        # shellcheck disable=SC2053  # CHECK_LESSONS is a pattern
        [ -n "${CHECK_LESSONS:-}" ] && [[ ${f##*/} != $CHECK_LESSONS ]] && continue
        printf '%s\n' "$f"
    done
}

# The options and operands of program $1, from its hidden --list-options (the
# harness, common/course.c, prints the table getopt_long parses; each script
# of scripts/ prints its own list next to its parser): lines
#   option NAME none|required|optional
#   operands MIN MAX|many
# False, with nothing printed, for a program that cannot say.
program_options() {
    local list
    list=$("$1" --list-options 2>/dev/null </dev/null) || return 1
    grep -qE '^operands [0-9]+ ([0-9]+|many)$' <<<"$list" || return 1
    printf '%s\n' "$list"
}

# Exceptions: "STEP PROGRAM CASE reason" lines in check.d/exceptions.
is_exception() {
    [ -f "$CHECK_D/exceptions" ] &&
        awk -v s="$1" -v l="$2" -v c="$3" \
            '$1 == s && $2 == l && $3 == c { found = 1 } END { exit !found }' \
            "$CHECK_D/exceptions"
}

# The pids of the processes of session $1 (zombies included), space separated.
session_members() {
    cat /proc/[0-9]*/stat 2>/dev/null |
        awk -v sid="$1" '{ pid = $1; sub(/.*\) /, "") } $4 == sid { printf "%s ", pid }'
}

# run_session SECONDS OUT ERR IN CMD...: runs CMD in a session of its own with
# fds 3 and up closed, stdin from IN, and a time limit. Sets run_status (124:
# timed out) and run_left (pids of the session still there afterwards; they
# are killed).
run_session() {
    local limit=$1 out=$2 err=$3 in=$4 sid pid
    shift 4
    # The shell is not a process group leader, so setsid execs in place: its
    # pid is the session id.
    (
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
        done
        exec setsid timeout -k 2 "$limit" "$@"
    ) <"$in" >"$out" 2>"$err" &
    sid=$!
    wait "$sid"
    run_status=$?
    run_left=$(session_members "$sid")
    if [ -n "$run_left" ]; then
        for pid in $run_left; do kill -KILL "$pid" 2>/dev/null; done
    fi
    return 0
}

# Prints the first lines of file $1, indented, for a failure report.
excerpt() { sed -n "1,${2:-6}p" "$1" 2>/dev/null | sed 's/^/      | /'; }

# The tree as git sees it, ignored files included (step 7 compares).
tree_state() { git status --porcelain --ignored --untracked-files=all 2>/dev/null | sort; }

# --- builds into the work directory ------------------------------------------------

# build DIR CC CFLAGS [LDFLAGS]: the lessons and helpers into DIR; log DIR.log.
build() {
    make -s -j"$JOBS" BUILD="$1" CC="$2" CFLAGS="$3" LDFLAGS="${4:-}" all >"$1.log" 2>&1
}

SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
SAN_TREE=$W/san-tree
SAN_BUILT=
# A copy of the tree whose build/ holds the sanitized binaries (steps 2 and 6):
# the tests find their lessons at $TOP/build, and the real build/ is left alone.
build_sanitized() {
    [ -n "$SAN_BUILT" ] && return "$SAN_BUILT"
    mkdir -p "$SAN_TREE"
    tar -C "$TOP" --exclude=./.git --exclude=./build -cf - . | tar -C "$SAN_TREE" -xf -
    (cd "$SAN_TREE" && build "$SAN_TREE/build" gcc "${DEFAULT_CFLAGS/-Og/-O1} $SAN_FLAGS")
    SAN_BUILT=$?
    return "$SAN_BUILT"
}
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$W/sanitizer/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$W/sanitizer/ubsan"
mkdir -p "$W/sanitizer"
