#!/usr/bin/env bats
# The homework: the typical wrong solutions of exercises 01-04, kept in
# tests/exercise-wrong/, are each rejected with the sentence their header names.
# Heavy: run-tests starts it among the first. Kernel-independent: what it proves
# is the checker's judgement of a program's events; that efd-trace records
# them right on every kernel is efd-trace.bats's work (test-kernel runs that).
# bats file_tags=slow,kernel-independent
load helper
load exercises

setup_file() {
    exercises_setup_file
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

@test "exercise 04: a sleep, a delay loop, a write before fork and %llu are rejected" {
    reject_wrong_solutions 04
}
