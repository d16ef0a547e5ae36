# 3-valgrind.sh — check step 3: every lesson under memcheck, children
# followed: 0 errors, no descriptor left open beyond 0, 1 and 2, no bytes
# lost. Sourced by scripts/prove/check.
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # names[], tools[] and VERDICT are read, and
# run_status, tap_* and the settings are set, by check and common.sh

names[3]="valgrind"
tools[3]="gcc:gcc valgrind:valgrind"

# The ways lesson $1 is run, one command line a line: by default, with
# --pause (stdin at its end, so every checkpoint goes on at once: the
# harness's pause code runs too), and with each of its own options that takes
# no value (from --list-options), e.g. --children.
run_variants() {
    local kind name has_arg
    printf '%s\n' "" "--pause"
    program_options "$1" | while read -r kind name has_arg; do
        if [ "$kind" = option ] && [ "$has_arg" = none ]; then
            case $name in pause | help) ;; *) printf '%s\n' "--$name" ;; esac
        fi
    done
}

step_3() {
    local dir=$W/valgrind ok=1 runs=0 procs=0 errors=0 leaked=0 lost=0 bin name args vg
    local problems pid e fds bytes
    # valgrind 3.19 cannot read the DWARF 5 that clang writes: DWARF 4.
    if ! build "$dir" gcc "$DEFAULT_CFLAGS -gdwarf-4"; then
        echo "  build failed:"; excerpt "$dir.log" 20
        VERDICT="build failed"; return 1
    fi
    while read -r bin; do
        name=$(basename "$bin")
        while IFS= read -r args; do
            runs=$((runs + 1))
            vg=$LOGS/valgrind/$name.$runs
            mkdir -p "$vg"
            # One log for all the processes of the run, on descriptor 99: a
            # --log-file would take the lowest free descriptor in each process,
            # and an exec'd program would find valgrind's log where the lesson
            # expects its closed-on-exec eventfd.
            # shellcheck disable=SC2086,SC2016  # args: zero or one word; $1 is the inner bash's
            run_session 300 "$vg/stdout" "$vg/stderr" /dev/null \
                bash -c 'exec 99>"$1"; shift; exec "$@"' log "$vg/valgrind.log" \
                valgrind --track-fds=yes --leak-check=full --trace-children=yes \
                --error-exitcode=99 --log-fd=99 "$bin" $args
            problems=()
            [ "$run_status" -eq 0 ] || problems+=("exit status $run_status")
            [ -z "$run_left" ] || problems+=("processes left: $run_left")
            while read -r pid e fds bytes; do
                procs=$((procs + 1))
                if [ "$e" -ne 0 ]; then
                    problems+=("process $pid: $([ "$e" -lt 0 ] && echo "no ERROR SUMMARY" || echo "$e errors")")
                    [ "$e" -gt 0 ] && errors=$((errors + e))
                fi
                [ "$fds" -eq 0 ] || { problems+=("process $pid: $fds descriptors left open"); leaked=$((leaked + fds)); }
                [ "$bytes" -eq 0 ] || { problems+=("process $pid: $bytes bytes definitely lost"); lost=$((lost + bytes)); }
            done < <(awk -f "$CHECK_D/valgrind-log.awk" "$vg/valgrind.log")
            if [ ${#problems[@]} -ne 0 ]; then
                ok=0
                echo "  $name $args: $(IFS=';'; echo "${problems[*]}") (logs: $vg)"
            fi
        done < <(run_variants "$bin")
    done < <(lessons_in "$dir")
    VERDICT="$runs runs ($procs processes): $errors errors, $leaked descriptors left open, $lost bytes lost"
    [ $ok = 1 ]
}
