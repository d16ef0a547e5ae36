#!/usr/bin/env bats
# The homework: the typical wrong solutions of exercises 05-08, kept in
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
