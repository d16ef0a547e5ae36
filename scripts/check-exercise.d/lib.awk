# lib.awk — what every exercise's verdict shares (scripts/check-exercise).
#
# Input: the run's event file (efd-trace --events, see efd-trace's contract),
# then the program's stdout. Variables: run (1, 2, ...), args (the program's
# arguments), traced (1 if efd-trace watched the run, 0 if not), killed (1 if
# the checker's own time limit ended the run), status (the exit status the
# shell saw), stderr_line (the program's first stderr line), nap_limit (the
# longest sleep call, in seconds, that is not flagged), cpu_limit (ms).
# Output: one line per property, "OK<TAB>key<TAB>arg..." or "FAIL<TAB>key<TAB>arg...".
# The exercise's file defines check_exercise(), called after the common checks.

function ok(key, a1, a2, a3) { printf "OK\t%s\t%s\t%s\t%s\n", key, a1, a2, a3 }
function fail(key, a1, a2, a3) { printf "FAIL\t%s\t%s\t%s\t%s\n", key, a1, a2, a3; failed++ }

# "parent" or "child" for a pid, as the learner's program names it.
function who(pid) {
    if (ru) return (pid == first ? "родитель " : "потомок ") pid
    return (pid == first ? "parent " : "child ") pid
}

# Output lines matching 'regex': how many; their fields go to m[i, 1..].
function lines_matching(regex, m,    i, n, k, f, c) {
    n = 0
    for (i = 1; i <= nout; i++)
        if (out[i] ~ regex) {
            n++
            c = split(out[i], f, /[ :]+/)
            for (k = 1; k <= c; k++) m[n, k] = f[k]
            m[n, 0] = out[i]
        }
    return n
}

FILENAME == ARGV[1] {                   # the event file
    t = $1; pid = $2; ev = $3
    delete kv
    for (i = 4; i <= NF; i++) {
        eq = index($i, "=")
        if (eq) kv[substr($i, 1, eq - 1)] = substr($i, eq + 1)
    }
    nev++
    if (ev == "start") {
        if (kv["via"] == "first") first = pid
        else if (kv["via"] != "thread") {
            parent[pid] = kv["ppid"]; nchild++; child[nchild] = pid; is_child[pid] = 1
        }
    } else if (ev == "inherit") {
        inherited[pid, kv["obj"]] = 1; inherits[pid]++
    } else if (ev == "create") {
        ncreate++; create_pid[kv["obj"]] = pid; create_flags[kv["obj"]] = kv["flags"]
        create_t[kv["obj"]] = t; creates[pid]++; created_by[pid, creates[pid]] = kv["obj"]
        create_init[kv["obj"]] = kv["initval"]
    } else if (ev == "read" || ev == "write") {
        o = kv["obj"]; k = ev SUBSEP pid SUBSEP o
        ops[k]++; opsum[k] += kv["value"]
        ops_any[ev, o]++; ops_pid[ev, pid]++
        last_t[ev, pid, o] = t
        if (!(ev SUBSEP pid SUBSEP o in first_t)) first_t[ev, pid, o] = t
        if (ev == "read") {
            nreads++; read_pid[nreads] = pid; read_obj[nreads] = o; read_val[nreads] = kv["value"]
            read_t[nreads] = t; read_slept[nreads] = kv["slept_us"]
        } else {
            nwrites++; write_pid[nwrites] = pid; write_obj[nwrites] = o
            write_val[nwrites] = kv["value"]; write_t[nwrites] = t
        }
    } else if (ev == "block") {
        if (!((pid, kv["obj"], kv["call"]) in block_t)) block_t[pid, kv["obj"], kv["call"]] = t
        blocks[pid]++
    } else if (ev == "refused") {
        if (kv["size"] != "" && kv["size"] != 8 && bad_size == "")
            bad_size = pid SUBSEP kv["call"] SUBSEP kv["size"] SUBSEP kv["errno"]
        if (kv["errno"] == "EAGAIN") eagain[pid]++
        refused[pid, kv["call"], kv["errno"]]++
    } else if (ev == "ready") {
        ready[pid, kv["call"]]++
    } else if (ev == "sleep") {
        if (kv["seconds"] + 0 > nap_limit && sleep_pid == "") {
            sleep_pid = pid; sleep_call = kv["call"]; sleep_s = kv["seconds"] + 0
        }
    } else if (ev == "reap") {
        reaped[kv["child"]] = kv["status"]; reap_t[kv["child"]] = t
    } else if (ev == "exit") {
        exit_status[pid] = kv["status"]
        if (kv["cpu_ms"] != "") cpu_ms[pid] = kv["cpu_ms"] + 0
    } else if (ev == "exec") {
        # The traced program's own exec, at the start, is not one the program made.
        if (kv["result"] == "ok" && !(pid == first && !(pid in execs_seen))) {
            exec_ok[pid] = 1; nexec++; exec_pid[nexec] = pid
        }
        execs_seen[pid] = 1
    } else if (ev == "exec-keep") {
        kept[pid] = kept[pid] (kept[pid] == "" ? "" : " ") kv["obj"]; kept_obj[pid, kv["obj"]] = kv["fd"]
    } else if (ev == "exec-close") {
        closed_on_exec[pid, kv["obj"]] = 1
    } else if (ev == "recv") {
        received[pid, kv["obj"]] = kv["via"]; recvs[pid]++
    } else if (ev == "timeout") {
        timed_out = 1
        if (kv["deadlock"] == "yes") deadlocked = 1
    } else if (ev == "blocked") {
        nblocked++; blocked_desc = blocked_desc (blocked_desc == "" ? "" : ", ") \
            who(pid) (ru ? " спит в " : " asleep in ") kv["call"] "() " \
            (ru ? "на eventfd " : "on eventfd ") kv["obj"]
    } else if (ev == "unreaped") {
        if (unreaped == "") unreaped = kv["child"]
    }
    next
}
{ out[++nout] = $0; seen_line[$0]++ }

END {
    if (killed) timed_out = 1
    if (timed_out) {
        if (deadlocked) fail("stuck", blocked_desc == "" ? "-" : blocked_desc, hang_lesson)
        else fail("hang", limit, blocked_desc == "" ? (traced ? "-" : "?") : blocked_desc, hang_lesson)
    }
    if (traced) {
        if (bad_size != "") {
            split(bad_size, b, SUBSEP)
            fail("size", who(b[1]), b[2], b[3])
        }
        if (sleep_pid != "")
            fail("sleep", who(sleep_pid), sleep_call, sprintf("%g", sleep_s))
        if (unreaped == "")
            for (i = 1; i <= nchild; i++)
                if (parent[child[i]] != "" && !(child[i] in reaped) && (child[i] in exit_status)) {
                    unreaped = child[i]; break
                }
        if (unreaped != "" && !timed_out)
            fail("unreaped", unreaped)
        else if (nchild > 0 && !timed_out)
            ok("reaped", nchild)
        for (p in eagain)
            if (eagain[p] > eagain_limit) { fail("busy-eagain", who(p), eagain[p]); break }
        for (p in cpu_ms)
            if (cpu_ms[p] > cpu_limit) { fail("busy-cpu", who(p), cpu_ms[p]); break }
        if (sleep_pid == "") ok("no-sleep")
        for (i = 1; i <= nchild; i++) {
            s = exit_status[child[i]]
            if (s != "" && s != "exit:0" && !timed_out) {
                fail("child-status", child[i], s, stderr_line == "" ? "-" : stderr_line); break
            }
        }
    }
    for (l in seen_line)
        if (seen_line[l] > 1) { fail("duplicate", l, seen_line[l]); break }
    if (!timed_out) {
        if (status != 0) fail("status", status, stderr_line == "" ? "-" : stderr_line)
        else ok("status")
    }
    check_exercise()
}
