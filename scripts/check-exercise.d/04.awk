# 04-asleep-in-read: the parent writes only once /proc shows its child asleep
# in read(); "parent PID: child CPID is asleep in read", "child CPID: received V".
BEGIN { hang_lesson = "05-blocking-read"; nap_limit = 0.01 }
function check_exercise(    pid, m, n, o, c, w) {
    n = lines_matching("^parent [0-9]+: child [0-9]+ is asleep in read$", m)
    if (n == 0) fail("line-missing", "parent PID: child CPID is asleep in read", "05-blocking-read")
    pid = check_line("^child [0-9]+: received [0-9]+$", 4, args, "child PID: received " args, "02-fork-notify")
    check_printed_by_child(pid, "child PID: received " args)
    if (!traced || !check_created_before_fork("02-fork-notify")) return
    for (o in create_pid) if (create_pid[o] == first) break
    w = first_t["write", first, o]
    for (c in is_child) {
        if (!((c, o, "read") in block_t) || (w != "" && block_t[c, o, "read"] > w)) {
            fail("not-asleep", c); return
        }
        ok("asleep", c)
    }
}
