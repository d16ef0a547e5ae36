# 07-exec-only-intended: the exec'd helper keeps the doorbell eventfd and no
# other; "helper PID: wrote V to fd FD", "parent PID: the helper wrote V".
BEGIN { hang_lesson = "10-exec-cloexec" }
function check_exercise(    i, p, o, n, mine, keptn, k, objs, doorbell) {
    check_line("^helper [0-9]+: wrote [0-9]+ to fd [0-9]+$", 4, args, "helper PID: wrote " args " to fd FD", "10-exec-cloexec")
    check_line("^parent [0-9]+: the helper wrote [0-9]+$", 6, args, "parent PID: the helper wrote " args, "10-exec-cloexec")
    if (!traced) return
    for (o in create_pid) if (create_pid[o] == first) mine++
    if (mine != 2) fail("two-eventfds", mine)
    if (nexec == 0) { fail("no-exec"); return }
    p = exec_pid[1]
    for (i = 1; i <= nwrites; i++) if (write_pid[i] == p) doorbell = write_obj[i]
    keptn = split(kept[p], objs, " ")
    if (keptn == 0) { fail("helper-none", p); return }
    for (k = 1; k <= keptn; k++)
        if (objs[k] != doorbell && (doorbell != "" || k > 1)) {
            fail("leaked", p, objs[k], kept_obj[p, objs[k]]); return
        }
    ok("only-intended", doorbell)
}
