# 06-no-eof-shutdown: N writers send 3 notifications each; the reader child
# prints "reader PID: T notifications" (T = 3N) and ends by itself.
BEGIN { hang_lesson = "11-no-eof" }
function check_exercise(    n, pid) {
    n = 3 * args
    pid = check_line("^reader [0-9]+: [0-9]+ notifications$", 3, n, "reader PID: " n " notifications", "11-no-eof")
    check_printed_by_child(pid, "reader PID: " n " notifications")
    if (traced) check_created_before_fork("02-fork-notify")
}
