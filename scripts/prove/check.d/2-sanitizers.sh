# 2-sanitizers.sh — check step 2: the whole Bats suite against an ASan+UBSan
# build, all passing, no sanitizer report. Sourced by scripts/prove/check.
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # names[], tools[] and VERDICT are read, and
# run_status, tap_* and the settings are set, by check and common.sh

names[2]="sanitizers"
tools[2]="gcc:gcc bats:bats"

# run_bats DIR LOG [FILE...]: the Bats files (default: all of DIR/tests) in
# two or more shards side by side (one per CPU), TAP into LOG.N; sets
# bats_passed, bats_failed, bats_skipped, bats_total and bats_failures (one
# "FILE<TAB>TEST NAME" line per failed test).
run_bats() {
    local dir=$1 log=$2 shards=$JOBS i f size best status=0 pids=() files=() list=()
    shift 2
    if [ $# -gt 0 ]; then files=("$@"); else
        files=("$dir"/tests/*.bats)
        files=("${files[@]#"$dir"/}")
    fi
    [ "$shards" -gt ${#files[@]} ] && shards=${#files[@]}
    [ "$shards" -ge 1 ] || shards=1
    # Biggest files first, each to the shard with the least so far.
    local -a load shard_files
    for ((i = 0; i < shards; i++)); do load[i]=0; shard_files[i]=; done
    while read -r size f; do
        best=0
        for ((i = 1; i < shards; i++)); do [ "${load[i]}" -lt "${load[best]}" ] && best=$i; done
        load[best]=$((load[best] + size))
        shard_files[best]+="$f"$'\n'
    done < <(cd "$dir" && for f in "${files[@]}"; do printf '%s %s\n' "$(wc -c <"$f")" "$f"; done | sort -rn)
    for ((i = 0; i < shards; i++)); do
        mapfile -t list <<<"${shard_files[i]%$'\n'}"
        (cd "$dir" && BATS_LIB_PATH=$BATS_LIB_DIR BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120} \
            exec bats --tap "${list[@]}") >"$log.$i" 2>&1 </dev/null &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || status=1; done
    tap_count "$log".*
    [ "$tap_plans" -eq "$shards" ] || status=1       # a shard that never started
    bats_total=$tap_planned bats_passed=$tap_passed bats_failed=$tap_failed bats_skipped=$tap_skipped
    bats_failures=$(awk -f "$CHECK_D/tap-failures.awk" "$log".*)
    [ "$status" -eq 0 ] && [ "$bats_failed" -eq 0 ] && [ "$bats_total" -gt 0 ] &&
        [ $((bats_passed + bats_skipped)) -eq "$bats_total" ]
}

# run_bats_one DIR LOG FILE FILTER: one test again; true when it passed.
run_bats_one() {
    (cd "$1" && BATS_LIB_PATH=$BATS_LIB_DIR BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120} \
        exec bats --tap --filter "$4" "$3") >"$2" 2>&1 </dev/null &&
        grep -q '^ok ' "$2" && ! grep -q '^not ok ' "$2"
}

# Sanitizer reports that only say LeakSanitizer cannot run under ptrace (a
# test that runs a lesson under strace): not a finding about the lesson.
ptrace_only_reports() {
    local f
    for f in "$W/sanitizer"/*; do
        [ -f "$f" ] || continue
        grep -q 'LeakSanitizer does not work under ptrace' "$f" &&
            ! grep -qE 'ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error' "$f" &&
            printf '%s\n' "$f"
    done
}

step_2() {
    if ! build_sanitized; then
        echo "  the sanitized build failed:"; excerpt "$SAN_TREE/build.log" 30
        VERDICT="the ASan+UBSan build failed"
        return 1
    fi
    local ok=1 reports rerun=0 f name ptrace_reports=()
    run_bats "$SAN_TREE" "$LOGS/sanitizers.tap" || ok=0
    # A test that runs its lesson under strace fails only because LeakSanitizer
    # refuses to run under ptrace: run those tests again without leak
    # detection (valgrind, step 3, covers leaks), and count what they say.
    mapfile -t ptrace_reports < <(ptrace_only_reports)
    if [ $ok = 0 ] && [ ${#ptrace_reports[@]} -ne 0 ] && [ -n "$bats_failures" ]; then
        mkdir -p "$LOGS/lsan-ptrace"
        mv "${ptrace_reports[@]}" "$LOGS/lsan-ptrace/"
        local failures=$bats_failures passed=$bats_passed still=0 pattern
        while IFS=$'\t' read -r f name; do
            # Only a test file that runs strace can meet this.
            grep -q strace "$SAN_TREE/$f" || { still=$((still + 1)); continue; }
            # shellcheck disable=SC2016  # the $ is the regex's
            pattern=$(printf '%s' "$name" | sed 's/[][\.*^$(){}?+|/]/\\&/g')
            rerun=$((rerun + 1))
            if ASAN_OPTIONS="${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0}" \
                    run_bats_one "$SAN_TREE" "$LOGS/lsan-ptrace/rerun.$rerun.tap" "$f" "^$pattern\$"; then
                passed=$((passed + 1))
            else
                still=$((still + 1))
            fi
        done <<<"$failures"
        bats_passed=$passed bats_failed=$still
        [ "$still" -eq 0 ] && ok=1
    fi
    reports=$(find "$W/sanitizer" -type f | wc -l)
    if [ "${bats_failed:-0}" -ne 0 ]; then
        ok=0
        echo "  failed tests:"; cat "$LOGS"/sanitizers.tap.* | grep -E '^not ok ' | sed 's/^/    /'
    fi
    if [ "$reports" -ne 0 ]; then
        ok=0
        for f in "$W/sanitizer"/*; do
            echo "  sanitizer report $f:"; grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$f" | sed 's/^/    /'
        done
        cp -r "$W/sanitizer" "$LOGS/"
    fi
    VERDICT="$bats_passed/$bats_total tests passed under ASan+UBSan ($bats_skipped skipped"
    [ "$rerun" -eq 0 ] || VERDICT+=", $rerun run again without leak detection: they use strace, and LeakSanitizer cannot run under ptrace"
    VERDICT+="), $reports sanitizer reports"
    [ $ok = 1 ]
}
