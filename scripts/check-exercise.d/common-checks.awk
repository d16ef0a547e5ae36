# common-checks.awk — checks that several exercises share (scripts/check-exercise).

# The eventfd created before fork is the one the children use: a child that
# creates its own has nobody to talk to.
function check_created_before_fork(lesson,    i, c) {
    for (i = 1; i <= nchild; i++) {
        c = child[i]
        if (creates[c] > 0 && !exec_ok[c]) {
            fail("after-fork", who(c), created_by[c, 1], lesson)
            return 0
        }
    }
    ok("before-fork")
    return 1
}

# The line 'regex' must appear exactly once, its field 'field' (split at
# spaces and colons) equal to 'want'; 'form' is the line as the task writes it.
function check_line(regex, field, want, form, lesson,    m, n) {
    n = lines_matching(regex, m)
    if (n == 0) { fail("line-missing", form, lesson); return "" }
    if (m[1, field] != want) { fail("line-value", form, m[1, 0], lesson); return "" }
    ok("line", m[1, 0])
    return m[1, 2]
}

# The process that printed a line is a child of the program (the pid in it).
function check_printed_by_child(pid, form) {
    if (traced && pid != "" && !is_child[pid]) fail("line-pid", form, pid)
}
