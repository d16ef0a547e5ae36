# lib.sh — what the proving scripts share; sourced by run-tests, test-all,
# test-kernel and check (and by efd-trace, check-exercise and bench/suite-time
# for a piece each), never run. Installing packages, counting what Bats
# reports, and measuring children's CPU time.
# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables set here are for the scripts that source it

# --- packages --------------------------------------------------------------------

# apt_install WHO PACKAGE...: installs the packages with apt-get when run as
# root (apt-get update first, once per script); otherwise prints the one
# command to run. Messages go to stderr, prefixed "WHO: ". True when installed.
apt_install() {
    local who=$1 log
    shift
    [ $# -gt 0 ] || return 0
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "$who: needs $*. Run:" >&2
        echo "    sudo apt-get install --no-install-recommends $*" >&2
        return 1
    fi
    echo "$who: installing $* with apt-get" >&2
    log=$(mktemp) || return 1
    if [ -z "${APT_UPDATED:-}" ]; then
        apt-get update -qq >"$log" 2>&1 || echo "$who: apt-get update failed; going on with the lists there are" >&2
        APT_UPDATED=1
    fi
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1; then
        rm -f "$log"
        return 0
    fi
    echo "$who: apt-get install $* failed:" >&2
    tail -n 5 "$log" | sed 's/^/    /' >&2
    rm -f "$log"
    return 1
}

# The Bats the tests need: bats >= 1.8 (1.7 brought BATS_TEST_TIMEOUT and
# bats_load_library, 1.8 test tags and --filter-tags) with bats-support and
# bats-assert in BATS_LIB_DIR.
BATS_PACKAGES="bats bats-support bats-assert"
BATS_LIB_DIR=/usr/lib/bats
bats_ok() {
    command -v bats >/dev/null 2>&1 || return 1
    local version
    version=$(bats --version 2>/dev/null | awk '{ print $2 }')
    printf '%s\n1.8.0\n' "$version" | sort -V -C -r 2>/dev/null || return 1
    [ -f "$BATS_LIB_DIR/bats-support/load.bash" ] && [ -f "$BATS_LIB_DIR/bats-assert/load.bash" ]
}

# --- counting ----------------------------------------------------------------------

# tap_count FILE...: counts the TAP that `bats --tap` wrote into the files.
# Sets tap_passed, tap_failed, tap_skipped (a skipped test is not counted as
# passed), tap_planned (the plans "1..N" added up) and tap_plans (how many
# plans there were: one per run of bats). With bats --jobs the results come in
# whatever order the files finished, so each test number of one run of bats
# counts once; a file may hold several runs (test-kernel's guest consoles),
# each starting with its plan, and their numbers start again at 1.
tap_count() {
    read -r tap_passed tap_failed tap_skipped tap_planned tap_plans < <(awk '
        /^1\.\.[0-9]+$/ { planned += substr($0, 4); plans++; run[FILENAME]++ }
        /^not ok [0-9]+/ { result[FILENAME, run[FILENAME], $3] = "failed"; next }
        /^ok [0-9]+ .* # skip/ { result[FILENAME, run[FILENAME], $2] = "skipped"; next }
        /^ok [0-9]+/ { result[FILENAME, run[FILENAME], $2] = "passed" }
        END {
            for (k in result) count[result[k]]++
            printf "%d %d %d %d %d\n", count["passed"], count["failed"], count["skipped"], planned, plans
        }' "$@" /dev/null)
}

# summary P F S: the line that ends run-tests, test-kernel and test-all.
summary() { echo "$1 passed, $2 failed, $3 skipped"; }
SUMMARY_RE='^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'

# summary_of FILE: the last summary line in FILE as "P F S"; nothing (and
# false) when there is none.
summary_of() {
    local line p f s
    line=$(grep -E "$SUMMARY_RE" "$1" | tail -n 1)
    [ -n "$line" ] || return 1
    read -r p _ f _ s _ <<<"${line//,/}"
    echo "$p $f $s"
}

# --- CPU time ---------------------------------------------------------------------

# children_cpu_ms SCRATCH-FILE: sets CPU_MS to the CPU time (user+sys, in ms)
# of this shell's finished and reaped children, as `times` prints it on its
# second line ("0m1.234s 0m0.567s"). Not printed: a $(...) subshell has no
# children of its own yet. Take it before and after, and subtract.
children_cpu_ms() {
    local user sys t ms=0
    times >"$1"
    { read -r _; read -r user sys; } <"$1"
    for t in "$user" "$sys"; do
        t=${t%s}                                  # 1m2.345s -> 1m2.345
        ms=$((ms + ${t%%m*} * 60000))
        t=${t#*m}                                 # 2.345 (or 2,345)
        ms=$((ms + 10#${t%%[.,]*} * 1000 + 10#${t#*[.,]}))
    done
    CPU_MS=$ms
}

# Prints FILE... one a line, those tagged slow (`# bats file_tags=slow`,
# seconds each) first, each group in the order given: the order in which
# run-tests hands them to bats, and so the order of bats' test numbers.
slow_first() {
    local file slow=() rest=()
    for file in "$@"; do
        if grep -qE '^# bats file_tags=(.*,)?slow(,|$)' "$file" 2>/dev/null; then
            slow+=("$file")
        else
            rest+=("$file")
        fi
    done
    printf '%s\n' "${slow[@]}" "${rest[@]}" | grep -v '^$'
}
