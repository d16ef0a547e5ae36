# 05-epoll-children: K children each write their pid to an eventfd of their
# own; the parent prints "parent PID: heard CPID" exactly once per child.
BEGIN { hang_lesson = "09-poll-epoll"; eagain_limit = 2 * args + 2 }
function check_exercise(    k, m, n, i, v, heard, c) {
    k = args + 0
    # The root cause first: eventfds made after fork also leave "heard" lines missing.
    if (traced && !check_created_before_fork("09-poll-epoll")) return
    n = lines_matching("^parent [0-9]+: heard [0-9]+$", m)
    for (i = 1; i <= n; i++) {
        v = m[i, 4]
        if (heard[v]++) { fail("heard-twice", v); return }
        if (traced && !is_child[v]) { fail("heard-unknown", v); return }
    }
    if (n != k) { fail("heard-count", k, n); return }
    ok("heard", k)
    if (!traced) return
    if (ready[first, "epoll_wait"] + ready[first, "epoll_pwait"] == 0) { fail("no-epoll"); return }
    ok("epoll")
}
