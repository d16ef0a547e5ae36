# 08-pass-over-socket: the receiver, forked before the eventfd exists, gets
# it over a UNIX socket (SCM_RIGHTS) and prints "child PID: received V".
BEGIN { hang_lesson = "17-unrelated-processes" }
function check_exercise(    pid, i, c, o) {
    pid = check_line("^child [0-9]+: received [0-9]+$", 4, args, "child PID: received " args, "17-unrelated-processes")
    check_printed_by_child(pid, "child PID: received " args)
    if (!traced) return
    for (i = 1; i <= nchild; i++) {
        c = child[i]
        if (inherits[c] > 0) { fail("inherited", who(c)); return }
        if (recvs[c] == 0) { fail("not-passed", who(c)); return }
        for (o in create_pid) if (create_pid[o] == first && received[c, o] != "") { ok("passed", o, received[c, o]); return }
        fail("not-passed", who(c)); return
    }
}
