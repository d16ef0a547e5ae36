# fault-targets.awk — what step 4 makes fail in one lesson, from the records
# of a normal run (trace.awk's output), one tab-separated line each:
#   call NAME WHEN   the first time the lesson itself calls NAME
#   efd NAME WHEN    the first NAME on an eventfd (strace -P), when that is
#                    not the first NAME anyway (the first read is fdinfo's)
#   eintr read WHEN  EINTR into the first read of an eventfd
# Variables: L, the length of the C library's start-up (calls before main);
# nofail, a pattern of the calls never tried.
# strace counts calls per process (a child counts from 1 again), so WHEN is
# the call's number in the process that makes it.
BEGIN { FS = OFS = "\t" }
NR == 1 { initial = $1 }
{
    pid = $1; name = $2; efd = $3; ret = $4
    n[pid]++; count[pid, name]++
    if (efd) ecount[pid, name]++
    startup = (pid == initial && n[pid] <= L) ||
              ((pid in exec_at) && n[pid] > exec_at[pid] && n[pid] < exec_at[pid] + L)
    if (name == "execve" && ret ~ /^0/ && !(pid == initial && n[pid] == 1))
        exec_at[pid] = n[pid]
    if (startup || name ~ nofail) next
    if (!(name in when)) {
        # strace does not count the execve that started the lesson.
        when[name] = count[pid, name] - (pid == initial && name == "execve")
        order[++names] = name
    }
    if (!efd) plain[name] = 1
    if (efd && !(name in ewhen)) ewhen[name] = ecount[pid, name]
}
END {
    for (i = 1; i <= names; i++) {
        name = order[i]
        print "call", name, when[name]
        if ((name in ewhen) && (name in plain)) print "efd", name, ewhen[name]
    }
    if ("read" in ewhen) print "eintr", "read", ewhen["read"]
}
