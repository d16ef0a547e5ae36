# 01-notify-child: the child prints "child PID: received VALUE".
BEGIN { hang_lesson = "02-fork-notify" }
function check_exercise(    pid, i, c, o) {
    pid = check_line("^child [0-9]+: received [0-9]+$", 4, args, "child PID: received " args, "02-fork-notify")
    check_printed_by_child(pid, "child PID: received " args)
    if (!traced || !check_created_before_fork("02-fork-notify")) return
    for (i = 1; i <= nreads; i++)
        if (is_child[read_pid[i]]) {
            o = read_obj[i]
            if (!inherited[read_pid[i], o]) fail("not-shared", who(read_pid[i]), o, "02-fork-notify")
            else ok("shared", o)
            return
        }
}
