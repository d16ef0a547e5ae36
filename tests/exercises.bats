#!/usr/bin/env bats
# The homework (issue 16): every reference solution passes scripts/check-exercise,
# every starter fails with its message, every typical wrong solution kept in
# tests/exercise-wrong/ is rejected with the sentence its header names, and bad
# use gets the usage and status 2.
#
# A wrong solution's header says what the checker must print:
#   * check-exercise says: TEXT              (with or without efd-trace)
#   * with efd-trace it also says: TEXT      (only where scripts/efd-trace is)
# Wrong solutions run once (--runs 1) with a 1 s limit: the hanging ones cost
# that second, and nothing else waits on time.
load helper

CHECK=$TOP/scripts/check-exercise

setup_file() {
    TRACED=0
    [ -x "${EFD_TRACE:-$TOP/scripts/efd-trace}" ] && TRACED=1
    export TRACED
}

# Checks every wrong solution of exercise NN against its header.
reject_wrong_solutions() {
    local nn=$1 file says traced checked=0
    for file in "$TOP"/tests/exercise-wrong/"$nn"-*.c; do
        says=$(sed -n 's/^ \* check-exercise says: //p' "$file")
        traced=$(sed -n 's/^ \* with efd-trace it also says: //p' "$file")
        [ -n "$says" ] || [ "$TRACED" = 1 ] || continue
        run "$CHECK" --runs 1 --timeout 1 "$nn" "$file"
        [ "$status" -eq 1 ] || fail "${file##*/}: status $status, not 1; output:"$'\n'"$output"
        [ -z "$says" ] || [[ $output == *"$says"* ]] ||
            fail "${file##*/}: no \"$says\" in:"$'\n'"$output"
        [ -z "$traced" ] || [ "$TRACED" = 0 ] || [[ $output == *"$traced"* ]] ||
            fail "${file##*/}: no \"$traced\" in:"$'\n'"$output"
        checked=$((checked + 1))
    done
    [ "$checked" -ge 1 ] || skip "every wrong solution of $nn needs efd-trace (scripts/efd-trace)"
}

@test "every reference solution passes, three runs in a row" {
    local file nn
    for file in "$TOP"/exercises/solutions/[0-9][0-9]-*.c; do
        nn=${file##*/}
        nn=${nn%%-*}
        run "$CHECK" "$nn" "$file"
        [ "$status" -eq 0 ] || fail "${file##*/} failed:"$'\n'"$output"
        [[ $output == *"verified in 3 runs"* ]] || fail "${file##*/}: not 3 runs:"$'\n'"$output"
    done
}

@test "every exercise has both task texts, a starter and a reference solution" {
    local dir name count=0
    for dir in "$TOP"/exercises/[0-9][0-9]-*/; do
        dir=${dir%/}
        name=${dir##*/}
        for f in TASK.md TASK.ru.md starter.c; do
            [ -s "$dir/$f" ] || fail "$name has no $f"
        done
        [ -s "$TOP/exercises/solutions/$name.c" ] || fail "no exercises/solutions/$name.c"
        count=$((count + 1))
    done
    [ "$count" -ge 8 ] || fail "only $count exercises"
}

@test "every starter compiles, runs and fails its check with its message" {
    local expect=(
        '01 the program printed "child'
        '02 expected the line "parent PID: sum 6"'
        '03 expected the workers'"'"' counts to add up to 10 tokens; they add up to 1'
        '04 expected a line "parent PID: child CPID is asleep in read"'
        '05 expected 3 lines "parent PID: heard CPID", one per child; there were 0'
        '06 expected the line "reader PID: 6 notifications"'
        '07 expected a line "parent PID: the helper wrote 42"'
        '08 the program printed "child'
    ) line
    for line in "${expect[@]}"; do
        run "$CHECK" --runs 1 "${line%% *}"
        [ "$status" -eq 1 ] || fail "starter ${line%% *}: status $status:"$'\n'"$output"
        [[ $output == *"${line#* }"* ]] || fail "starter ${line%% *}: no \"${line#* }\" in:"$'\n'"$output"
    done
}

@test "exercise 01: an eventfd made after fork, a read into an int, %llu and an unreaped child are rejected" {
    reject_wrong_solutions 01
}

@test "exercise 02: a read per writer, a read before the writers are reaped and a sleep are rejected" {
    reject_wrong_solutions 02
}

@test "exercise 03: a pool without EFD_SEMAPHORE, a pool per worker and a read into an int are rejected" {
    reject_wrong_solutions 03
}

@test "exercise 04: a sleep, a write before fork and %llu are rejected" {
    reject_wrong_solutions 04
}

@test "exercise 05: eventfds made after fork, a drain into an int and unreaped children are rejected" {
    reject_wrong_solutions 05
}

@test "exercise 06: a reader waiting for end-of-file, a read into an int and unreaped children are rejected" {
    reject_wrong_solutions 06
}

@test "exercise 07: a leaked private eventfd, a doorbell closed on exec and %llu are rejected" {
    reject_wrong_solutions 07
}

@test "exercise 08: an inherited eventfd, a number sent as data and a child's own eventfd are rejected" {
    reject_wrong_solutions 08
}

@test "a file that does not compile fails with the compiler's own message, status 1" {
    run "$CHECK" --runs 1 1 "$TOP/tests/exercise-wrong/01-llu.c"
    assert_failure 1
    assert_output --regexp "format .%llu. expects argument of type"
    assert_line --partial "FAIL: expected $TOP/tests/exercise-wrong/01-llu.c to compile with the course's flags"
}

@test "the verdict is in Russian when LANG is ru*" {
    LANG=ru_RU.UTF-8 LC_ALL='' LC_MESSAGES='' run "$CHECK" --runs 1 1
    assert_failure 1
    assert_line --partial 'ПРОВАЛ: ожидалась строка «child PID: received 42»'
    assert_line '01-notify-child: НЕ ПРОЙДЕНО'
}

@test "bad use gets the usage and status 2: an unknown exercise, a missing file, an unknown option" {
    run "$CHECK" 99
    assert_failure 2
    assert_line 'check-exercise: no exercise 99 in exercises/'
    assert_line --partial 'usage: scripts/check-exercise'
    run "$CHECK" 1 /nonexistent/mine.c
    assert_failure 2
    assert_line "check-exercise: no file '/nonexistent/mine.c'"
    run "$CHECK" --bogus 1
    assert_failure 2
    assert_line "check-exercise: unknown option '--bogus'"
    run "$CHECK"
    assert_failure 2
    assert_line 'check-exercise: which exercise? give its number'
    run make -s -C "$TOP" exercise 99
    assert_failure
    assert_output --partial 'check-exercise: no exercise 99 in exercises/'
}
