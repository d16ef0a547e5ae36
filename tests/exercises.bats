#!/usr/bin/env bats
# The homework (issue 16): every reference solution passes scripts/check-exercise,
# every starter fails with its message, a file that does not compile and bad use
# are told so. The typical wrong solutions kept in tests/exercise-wrong/ are
# rejected in exercises-wrong-01-04.bats and exercises-wrong-05-08.bats.
# Heavy: run-tests starts it among the first. Kernel-independent: what it proves
# is the checker's judgement of a program's events; that efd-trace records
# them right on every kernel is efd-trace.bats's work (test-kernel runs that).
# bats file_tags=slow,kernel-independent
load helper
load exercises

setup_file() {
    exercises_setup_file
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
