# exercises.bash — what the exercise tests share (tests/exercises*.bats).
# A wrong solution's header says what the checker must print:
#   * check-exercise says: TEXT              (with or without efd-trace)
#   * with efd-trace it also says: TEXT      (only where scripts/efd-trace is;
#                                             one line per sentence, each checked)
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

# Sets SAYS, ALSO_SAYS (an array: one sentence per header line) and LIMIT
# from the header lines of wrong solution FILE.
read_header() {
    local line
    SAYS='' ALSO_SAYS=() LIMIT=''
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
            ' * check-exercise says: '*) SAYS+=${SAYS:+$'\n'}${line#' * check-exercise says: '} ;;
            ' * with efd-trace it also says: '*) ALSO_SAYS+=("${line#' * with efd-trace it also says: '}") ;;
            ' * time limit: '*' s')
                line=${line#' * time limit: '}
                line=${line% s}
                if [[ $line =~ ^[0-9]+$ ]]; then LIMIT=$line; fi ;;
        esac
    done <"$1"
}

# Checks every wrong solution of exercise NN against its header.
reject_wrong_solutions() {
    local nn=$1 file sentence checked=0
    for file in "$TOP"/tests/exercise-wrong/"$nn"-*.c; do
        read_header "$file"
        [ -n "$SAYS" ] || [ "$TRACED" = 1 ] || continue
        run "$CHECK" --runs 1 --timeout "${LIMIT:-5}" "$nn" "$file"
        [ "$status" -eq 1 ] || fail "${file##*/}: status $status, not 1; output:"$'\n'"$output"
        [ -z "$SAYS" ] || [[ $output == *"$SAYS"* ]] ||
            fail "${file##*/}: no \"$SAYS\" in:"$'\n'"$output"
        if [ "$TRACED" = 1 ]; then
            for sentence in "${ALSO_SAYS[@]}"; do
                [[ $output == *"$sentence"* ]] ||
                    fail "${file##*/}: no \"$sentence\" in:"$'\n'"$output"
            done
        fi
        checked=$((checked + 1))
    done
    [ "$checked" -ge 1 ] || skip "every wrong solution of $nn needs efd-trace (scripts/efd-trace)"
}
