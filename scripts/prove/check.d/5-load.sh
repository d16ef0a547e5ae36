# 5-load.sh — check step 5: the Bats suite again and again while every CPU is
# kept busy; a test that fails in some runs only depends on timing. Sourced by
# scripts/prove/check.
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # names[], tools[] and VERDICT are read, and
# run_status, tap_* and the settings are set, by check and common.sh

names[5]="load"
tools[5]="bats:bats"

step_5() {
    local runs=$LOAD_RUNS passed=0 i n cpus=$JOBS keep=$LOGS/load
    if ! make -s -j"$JOBS" all >"$LOGS/load-build.log" 2>&1; then
        echo "  make all failed:"; excerpt "$LOGS/load-build.log" 20
        VERDICT="make all failed"; return 1
    fi
    mkdir -p "$keep"
    # One busy loop per CPU, for the whole step.
    for ((n = 0; n < cpus; n++)); do
        (trap - EXIT INT TERM; while :; do :; done) &
        hog_pids+=($!)
    done
    for ((i = 1; i <= runs; i++)); do
        if scripts/prove/run-tests >"$keep/run-$i.log" 2>&1 </dev/null; then
            passed=$((passed + 1))
            rm -f "$keep/run-$i.log"
        else
            echo "  run $i failed: $(grep -E '^not ok ' "$keep/run-$i.log" | head -n 3 | tr '\n' ';') (log: $keep/run-$i.log)"
        fi
    done
    cleanup
    # Which tests failed, in how many runs: in every run is a broken test (step
    # 2 says so too), in some runs only is a test that depends on timing.
    local flaky=0 broken=0 count test
    if [ "$passed" -ne "$runs" ]; then
        echo "  failed tests (runs failed / runs):"
        while read -r count test; do
            echo "    $count/$runs $test"
            if [ "$count" -eq "$runs" ]; then broken=$((broken + 1)); else flaky=$((flaky + 1)); fi
        done < <(cat "$keep"/run-*.log 2>/dev/null | sed -n 's/^not ok [0-9]* //p' | sort | uniq -c | sort -rn)
    fi
    VERDICT="$passed/$runs suite runs passed with $cpus CPUs kept busy"
    [ "$passed" -eq "$runs" ] || VERDICT+=" ($flaky tests failed in some runs only, $broken in every run; logs: $keep)"
    [ "$passed" -eq "$runs" ]
}
