# 7-leftovers.sh — check step 7: no process of this run left, no file left in
# the tree. Sourced by scripts/prove/check.
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # names[], tools[] and VERDICT are read, and
# run_status, tap_* and the settings are set, by check and common.sh

names[7]="leftovers"
tools[7]="git:git"

# Paths in the tree that are sources or what make builds: another person may
# be editing sources meanwhile, and make check itself runs `make all`.
expected_path() {
    case $1 in
        build/course.o) return 0 ;;
        build/helpers/*) [ -f "demos/helpers/${1#build/helpers/}.c" ] ;;
        build/[0-9][0-9]-*) [ -f "demos/${1#build/}.c" ] ;;
        build/bench/*) [ -f "bench/${1#build/bench/}.c" ] ;;
        build/book-blocks/*) return 0 ;;     # book.bats' cache of compiled blocks
        build/exercise-cache/*) return 0 ;;  # check-exercise's programs of files that compiled
        demos/*.c | common/*.[ch] | tests/*.bats | tests/*.bash | scripts/* | \
            *.md | Makefile | .ci/* | .gitignore | .shellcheckrc | bench/* | \
            compile_commands.json) return 0 ;;
        *) return 1 ;;
    esac
}

step_7() {
    local ok=1 procs=() pid e files=() path
    # Processes that carry this run's mark in their environment.
    for e in /proc/[0-9]*/environ; do
        pid=${e#/proc/}; pid=${pid%/environ}
        [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
        { tr '\0' '\n' <"$e" | grep -qx "CHECK_RUN_ID=$CHECK_RUN_ID"; } 2>/dev/null || continue
        # Not this script's own pipeline (tr, grep, a command substitution).
        [ -d "/proc/$pid" ] || continue
        case $(cat "/proc/$pid/comm" 2>/dev/null) in tr | grep | check) continue ;; esac
        procs+=("$pid ($(cat "/proc/$pid/comm" 2>/dev/null))")
    done
    # Programs from build/ or this run's builds that are still running.
    local others=0
    for e in /proc/[0-9]*/exe; do
        path=$(readlink "$e" 2>/dev/null) || continue
        case $path in
            "$W"/*) pid=${e#/proc/}; procs+=("${pid%/exe} ($path)") ;;
            "$TOP"/build/*) others=$((others + 1)) ;;
        esac
    done
    if [ ${#procs[@]} -ne 0 ]; then
        ok=0; echo "  processes left (now killed): ${procs[*]}"
        for e in "${procs[@]}"; do kill -KILL "${e%% *}" 2>/dev/null; done
    fi
    while IFS= read -r line; do
        path=${line:3}
        expected_path "$path" && continue
        files+=("$path")
    done < <(comm -13 "$W/tree-before" <(tree_state))
    if [ ${#files[@]} -ne 0 ]; then
        ok=0; echo "  files left in the tree: ${files[*]}"
    fi
    VERDICT="${#procs[@]} processes of this run left, ${#files[@]} files left in the tree"
    [ "$others" -eq 0 ] || VERDICT+=" ($others course programs of someone else running)"
    [ $ok = 1 ]
}
