# 03-token-pool: "K M"; each worker prints "worker PID: took N"; the Ns add
# up to M; every read of the pool takes one token (EFD_SEMAPHORE).
BEGIN { hang_lesson = "04-semaphore-mode"; eagain_limit = 2 }
function check_exercise(    a, k, tokens, m, n, i, total, pool, reads, o, p) {
    split(args, a, " "); k = a[1] + 0; tokens = a[2] + 0
    n = lines_matching("^worker [0-9]+: took [0-9]+$", m)
    if (n != k) fail("worker-lines", k, n)
    for (i = 1; i <= n; i++) total += m[i, 4]
    if (n == k) {
        if (total != tokens) fail("tokens-total", tokens, total)
        else ok("tokens-total", tokens, k)
    }
    if (!traced || !check_created_before_fork("04-semaphore-mode")) return
    for (o in create_pid) if (create_pid[o] == first) pool = o
    if (pool == "") return
    if (create_flags[pool] !~ /EFD_SEMAPHORE/) { fail("not-semaphore", create_flags[pool]); return }
    for (i = 1; i <= nreads; i++)
        if (read_obj[i] == pool && read_val[i] != 1) { fail("not-semaphore-read", who(read_pid[i]), read_val[i]); return }
    reads = ops_any["read", pool] + 0
    if (reads != tokens) { fail("tokens-reads", tokens, reads); return }
    for (i = 1; i <= n; i++) {
        p = m[i, 2]
        if (m[i, 4] != ops["read", p, pool] + 0) { fail("worker-mismatch", p, m[i, 4], ops["read", p, pool] + 0); return }
    }
    ok("tokens-once", tokens)
}
