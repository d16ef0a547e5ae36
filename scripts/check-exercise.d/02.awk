# 02-sum-writers: writer i writes i; the parent reads once, after reaping
# every writer, and prints "parent PID: sum S".
BEGIN { hang_lesson = "03-counter-adds" }
function check_exercise(    n, sum, i, c, reads, last_reap, wsum, wn) {
    n = args + 0; sum = n * (n + 1) / 2
    check_line("^parent [0-9]+: sum [0-9]+$", 4, sum, "parent PID: sum " sum, "03-counter-adds")
    if (!traced || !check_created_before_fork("02-fork-notify")) return
    for (i = 1; i <= nwrites; i++)
        if (is_child[write_pid[i]]) { wsum += write_val[i]; wn++ }
    if (wn != n || wsum != sum) fail("writes", n, sum, wn " / " wsum)
    reads = ops_pid["read", first] + 0
    if (reads != 1) { fail("read-count", reads); return }
    for (i = 1; i <= nreads; i++)
        if (read_pid[i] == first) break
    for (c in reap_t)
        if (reap_t[c] > read_t[i]) { fail("read-early", c); return }
    ok("read-once", sum)
}
