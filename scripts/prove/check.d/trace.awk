# trace.awk — one record per system call from `strace -f -y -o FILE` output.
#
# Input lines look like
#   1234 read(3<anon_inode:[eventfd]>, "\1\0\0\0\0\0\0\0", 8) = 8
#   1234 clone(child_stack=NULL, flags=...|SIGCHLD <unfinished ...>
#   1234 <... clone resumed>, child_tidptr=0x7f...) = 1235
#   1235 read(3<anon_inode:[eventfd]>, 0x7ffd..., 8) = -1 EIO (Input/output error) (INJECTED)
#   1234 --- SIGCHLD {...} ---          1234 +++ exited with 0 +++
# and each completed call becomes one tab-separated line:
#   PID  NAME  EFD  RET  INJECTED  ERRTEXT  THREAD
# EFD is 1 when the descriptor the call works on is an eventfd (-y shows it
# as N<anon_inode:[eventfd]>; quoted strings are ignored), RET is what follows
# the last " = ", INJECTED is 1 for a call strace made fail, and ERRTEXT is the
# strerror() text strace printed for it ("Input/output error"), and THREAD
# is 1 for a clone that made a thread (CLONE_THREAD) rather than a process.
BEGIN { OFS = "\t" }

{
    pid = $1
    rest = $0
    sub(/^[0-9]+ +/, "", rest)
}

rest ~ /^(---|\+\+\+) / { next }

rest ~ /^<\.\.\. [a-z0-9_]+ resumed>/ {
    if (pid in pending) {
        sub(/^<\.\.\. [a-z0-9_]+ resumed>/, "", rest)
        emit(pid, pending[pid] rest)
        delete pending[pid]
    }
    next
}

rest ~ /<unfinished \.\.\.>$/ {
    sub(/ *<unfinished \.\.\.>$/, "", rest)
    pending[pid] = rest
    next
}

rest ~ /^[a-z_][a-z0-9_]*\(/ { emit(pid, rest) }

function emit(pid, call,    name, args, ret, injected, errtext, efd) {
    name = call
    sub(/\(.*/, "", name)
    # Strings first: a write's data may contain anything, " = " included.
    args = call
    gsub(/"([^"\\]|\\.)*"(\.\.\.)?/, "\"\"", args)
    ret = ""
    if (match(args, / = [^=]*$/)) {
        ret = substr(args, RSTART + 3)
        args = substr(args, 1, RSTART - 1)
    }
    injected = ret ~ /\(INJECTED\)$/ ? 1 : 0
    errtext = ""
    if (injected && match(ret, /\([^()]*\) \(INJECTED\)$/))
        errtext = substr(ret, RSTART + 1, RLENGTH - length(") (INJECTED)") - 1)
    # An eventfd as the descriptor the call works on: the first argument, a
    # pollfd, or the descriptor epoll_ctl adds (what strace -P matches), not
    # one passed along inside a message (SCM_RIGHTS).
    efd = args ~ /^[a-z0-9_]+\([0-9]+<anon_inode:\[eventfd\]>/ ||
          args ~ /[{ ]fd=[0-9]+<anon_inode:\[eventfd\]>/ ||
          args ~ /^epoll_ctl\([^,]*, [^,]*, [0-9]+<anon_inode:\[eventfd\]>/
    # A clone that made a thread (CLONE_THREAD): the thread is joined, never
    # reaped with a wait.
    thread = name ~ /^clone3?$/ && args ~ /CLONE_THREAD/
    print pid, name, efd ? 1 : 0, ret, injected, errtext, thread ? 1 : 0
}
