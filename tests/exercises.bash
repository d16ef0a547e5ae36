# exercises.bash — what the exercise tests share (tests/exercises*.bats).
# A wrong solution's header says what the checker must print:
#   * check-exercise says: TEXT              (with or without efd-trace)
#   * with efd-trace it also says: TEXT      (only where scripts/efd-trace is)
# Wrong solutions run once (--runs 1) with check-exercise's own limit (5 s):
# those whose processes all wait for each other end at once (efd-trace
# --deadlock), the others end by themselves. One that would wait longer
# (a time-out of its own in epoll_wait) names a shorter limit, the time it
# costs the suite:
#   * time limit: N s
# shellcheck shell=bash
# shellcheck disable=SC2154  # status and output are set by bats' run

CHECK=$TOP/scripts/check-exercise

exercises_setup_file() {
    TRACED=0
    [ -x "${EFD_TRACE:-$TOP/scripts/efd-trace}" ] && TRACED=1
    export TRACED
}

# Checks every wrong solution of exercise NN against its header.
reject_wrong_solutions() {
    local nn=$1 file says traced limit checked=0
    for file in "$TOP"/tests/exercise-wrong/"$nn"-*.c; do
        says=$(sed -n 's/^ \* check-exercise says: //p' "$file")
        traced=$(sed -n 's/^ \* with efd-trace it also says: //p' "$file")
        [ -n "$says" ] || [ "$TRACED" = 1 ] || continue
        limit=$(sed -n 's/^ \* time limit: \([0-9]*\) s$/\1/p' "$file")
        run "$CHECK" --runs 1 --timeout "${limit:-5}" "$nn" "$file"
        [ "$status" -eq 1 ] || fail "${file##*/}: status $status, not 1; output:"$'\n'"$output"
        [ -z "$says" ] || [[ $output == *"$says"* ]] ||
            fail "${file##*/}: no \"$says\" in:"$'\n'"$output"
        [ -z "$traced" ] || [ "$TRACED" = 0 ] || [[ $output == *"$traced"* ]] ||
            fail "${file##*/}: no \"$traced\" in:"$'\n'"$output"
        checked=$((checked + 1))
    done
    [ "$checked" -ge 1 ] || skip "every wrong solution of $nn needs efd-trace (scripts/efd-trace)"
}
