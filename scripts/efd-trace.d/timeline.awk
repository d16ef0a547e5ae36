# timeline.awk — efd-trace's reader of strace's output (run by scripts/efd-trace, never alone).
#
# Input: `strace -f -q -ttt -xx -s 8` lines, read as they come (mawk -W interactive, from a
# FIFO), so that on an eventfd2 (or a received descriptor) the process's
# /proc/PID/fdinfo/FD can be read while the descriptor is still open: that gives the object's
# eventfd-id. Everything else is computed from the calls themselves:
#   - a descriptor table per process (threads share one), copied at fork, trimmed at exec
#     (close-on-exec), changed by close, dup, fcntl, SCM_RIGHTS and pidfd_getfd;
#   - for each eventfd object (E1, E2, ... in order of creation) its count, as a 64-bit value
#     in two 32-bit halves (awk's numbers are doubles: 53 bits);
#   - the calls still in progress (strace's "<unfinished ...>"), which say who sleeps where.
# Output (written at the end): the human timeline and summary (or the Mermaid diagram with
# -v mermaid=1) on stdout, and the event stream of efd-trace-events.md into -v events=FILE
# (written as it happens). Variables: events, mermaid, timeout_flag (a file that exists when
# the run was ended by --timeout), deadlock_flag (a file that exists when --deadlock ended it
# before the time limit), timeout_s, attach (PID given with -p), initial (for -p:
# "fd:id:count_hex:flags fd:id:..." of the eventfds the process held when attached).

BEGIN {
    T32 = 4294967296
    for (i = 0; i < 256; i++) HEXV[sprintf("%02x", i)] = i
    for (i = 32; i < 127; i++) CHR[sprintf("%02x", i)] = sprintf("%c", i)
    nobj = 0; nlines = 0; nmm = 0; t0 = ""
    if (events == "") events = "/dev/null"
}

# ---------------------------------------------------------------- 64-bit values, as H and L
# Each function leaves its result in the globals H and L (high and low 32 bits).
function u64_le(buf,    i, b) {   # "\x01\x00..." (8 bytes, little-endian)
    gsub(/\\x|"/, "", buf)
    L = 0; H = 0
    for (i = 4; i >= 1; i--) L = L * 256 + HEXV[substr(buf, 2 * i - 1, 2)]
    for (i = 8; i >= 5; i--) H = H * 256 + HEXV[substr(buf, 2 * i - 1, 2)]
}
function u64_add(ah, al, bh, bl) { L = al + bl; H = ah + bh; if (L >= T32) { L -= T32; H++ } }
function u64_sub(ah, al, bh, bl) { L = al - bl; H = ah - bh; if (L < 0) { L += T32; H-- } }
function u64_cmp(ah, al, bh, bl) { return ah != bh ? (ah < bh ? -1 : 1) : (al < bl ? -1 : (al > bl ? 1 : 0)) }
function u64_dec(h, l,    a, d0, b) {
    if (h < 2097152) return sprintf("%.0f", h * T32 + l)
    a = l + h * 967296; d0 = a % 1000000; b = int(a / 1000000) + h * 4294
    return sprintf("%.0f%06.0f", b, d0)
}
function u64_hex(h, l) { return h ? sprintf("%x%08x", h, l) : sprintf("%x", l) }
# A value as a person reads it: 28, or 0x1020304050607080 (1161981756646125696) when large.
function show(h, l) { return (h == 0 && l < 65536) ? u64_dec(h, l) : "0x" u64_hex(h, l) " (" u64_dec(h, l) ")" }
# Shorter, for the diagram.
function short(h, l) { return (h == 0 && l < 1000000) ? u64_dec(h, l) : "0x" u64_hex(h, l) }

# ---------------------------------------------------------------- small helpers
# strace -y's "<path>" after each descriptor (hex, with -xx), which the parsers do not expect.
function undecorate(s) { gsub(/<(\\x[0-9a-f][0-9a-f])+>/, "", s); return s }
function unhex(s,    out, i, c) {
    gsub(/\\x|"/, "", s); out = ""
    for (i = 1; i < length(s); i += 2) { c = substr(s, i, 2); out = out ((c in CHR) ? CHR[c] : "?") }
    return out
}
function pct(s) { gsub(/%/, "%25", s); gsub(/ /, "%20", s); return s }
function lastidx(s, t,    p, q) { p = 0; while ((q = index(substr(s, p + 1), t)) > 0) p += q; return p }
# Splits a call's arguments at top-level commas into A[1..n]; returns n.
function splitargs(s, A,    n, depth, i, c, cur, q) {
    n = 0; depth = 0; cur = ""; q = 0
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\"") q = !q
        else if (!q && (c == "(" || c == "[" || c == "{")) depth++
        else if (!q && (c == ")" || c == "]" || c == "}")) depth--
        if (c == "," && depth == 0 && !q) { A[++n] = cur; cur = ""; continue }
        if (cur == "" && c == " ") continue
        cur = cur c
    }
    if (cur != "" || n > 0) A[++n] = cur
    return n
}
function us(ts) { return int((ts - t0) * 1000000 + 0.5) }
function ev(ts, pid, text) { printf "%d %d %s\n", us(ts), pid, text >> events; fflush(events) }
function tl(ts, pid, text) { TL[++nlines] = sprintf("%9.3f  @%d@  %s", (ts - t0) * 1000, pid, text) }
function tlx(text) { TL[++nlines] = text }
function mm(text) { MM[++nmm] = text }
function od(o, fd) { return "obj=" o " fd=" fd }
function oname(o) { return (objid[o] != "") ? o " (eventfd-id " objid[o] ")" : o }

# fdinfo field KEY of PID's descriptor FD ("" when unreadable or absent).
function fdinfo(pid, fd, key,    f, line, val) {
    f = "/proc/" pid "/fdinfo/" fd; val = ""
    while ((getline line < f) > 0)
        if (index(line, key ":") == 1) { val = line; sub(/^[^:]*:[ \t]*/, "", val) }
    close(f)
    return val
}

# ---------------------------------------------------------------- processes and tables
function start(pid, ppid, via, ts,    k, T, fd, inh) {
    if (pid in alive) return
    alive[pid] = 1; parentof[pid] = ppid; order[++nproc] = pid; kind[pid] = via
    if (via == "first") { first = pid; tbl[pid] = ++ntbl; tblusers[tbl[pid]] = 1 }
    else if (via == "thread") { tbl[pid] = tbl[ppid]; tblusers[tbl[pid]]++; nthreads[ppid]++ }
    else {
        tbl[pid] = ++ntbl; tblusers[ntbl] = 1; T = tbl[ppid]; kids[ppid] = kids[ppid] " " pid
        nkids[ppid]++
    }
    ev(ts, pid, "start ppid=" ppid " via=" via)
    if (via == "first" || via == "thread") return
    inh = ""
    for (k in fdobj) { split(k, K, SUBSEP); if (K[1] == T) INH[K[2] + 0] = fdobj[k] }
    for (fd in INH) { fdobj[ntbl, fd + 0] = INH[fd]; fdcloexec[ntbl, fd + 0] = fdcloexec[T, fd + 0]; nref[INH[fd]]++; holder(INH[fd], pid) }
    for (fd = 0; fd < 1024 && length(INH) > 0; fd++) if (fd in INH) {
        ev(ts, pid, "inherit " od(INH[fd], fd)); inh = inh ", " INH[fd] " fd " fd; delete INH[fd]
    }
    tl(ts, ppid, via " -> child " pid (inh == "" ? "" : " (inherits " substr(inh, 3) ")"))
    mm(sprintf("@%d@->>@%d@: %s%s", ppid, pid, via, inh == "" ? "" : " (inherits " mmfds(substr(inh, 3)) ")"))
}
function mmfds(s) { if (nobj == 1) gsub(/E1 /, "", s); return s }
function holder(o, pid) { if (index(" " holders[o] " ", " " pid " ") == 0) holders[o] = holders[o] " " pid }

function objat(T, fd) { return ((T, fd) in fdobj) ? fdobj[T, fd] : "" }
function addfd(pid, fd, o, cloexec,    T) {
    T = tbl[pid]
    if ((T, fd) in fdobj) dropfd(pid, fd, 0)
    fdobj[T, fd] = o; fdcloexec[T, fd] = cloexec; nref[o]++; holder(o, pid)
}
# Removes PID's descriptor FD; returns "yes" when it was the object's last one.
function dropfd(pid, fd, ts,    T, o) {
    T = tbl[pid]; o = fdobj[T, fd]
    delete fdobj[T, fd]; delete fdcloexec[T, fd]
    if (--nref[o] > 0) return "no"
    gone[o] = 1
    if (objid[o] != "" && byid[objid[o]] == o) delete byid[objid[o]]
    return "yes"
}
# An id missed at creation (the reader was late), read at the object's next call.
function lazy_id(pid, fd, o,    id) {
    idtried[o] = 1; id = fdinfo(pid, fd, "eventfd-id")
    if (id != "") { objid[o] = id; byid[id] = o }
}
function newobj(id) {
    o = "E" (++nobj)
    if (id != "") { objid[o] = id; byid[id] = o }
    cntH[o] = 0; cntL[o] = 0; maxH[o] = 0; maxL[o] = 0; movH[o] = 0; movL[o] = 0
    return o
}

# ---------------------------------------------------------------- the input
{
    if (!match($0, /^[0-9]+ +[0-9]+\.[0-9]+ /)) next
    pid = $1 + 0; ts = $2; rest = substr($0, RLENGTH + 1)
    if (t0 == "") t0 = ts
    lastts = ts
    if (!(pid in alive) && !(pid in ended)) adopt(pid, ts)
    if (pid in NCHK) chk_resolve(pid, ts)
    if (rest ~ /^\+\+\+ /) { ended_line(pid, ts, rest); next }
    if (rest ~ /^--- /) next
    if (rest ~ / <unfinished \.\.\.>$/) {
        sub(/ *<unfinished \.\.\.>$/, "", rest)
        PRE[pid] = rest; PRET[pid] = ts
        entering(pid, ts, rest)
        next
    }
    if (rest ~ / <unfinished \.\.\.>\) += \?$/) {   # still in the call when killed
        sub(/ *<unfinished \.\.\.>\) += \?$/, "", rest)
        PRE[pid] = rest; PRET[pid] = ts
        entering(pid, ts, rest)
        next
    }
    start_ts = ts
    if (match(rest, /^<\.\.\. [a-z0-9_]+ resumed>/)) {
        if (!(pid in PRE)) next
        rest = PRE[pid] substr(rest, RLENGTH + 1); start_ts = PRET[pid]
        delete PRE[pid]; delete PRET[pid]
    }
    call(pid, ts, start_ts, rest)
}

# A pid seen before its parent's fork returned (the child ran first): its parent is the one
# process in the middle of a clone/fork/vfork; with none, a process of unknown origin.
function adopt(pid, ts,    p, cand, via) {
    cand = 0
    for (p in CLONING) cand = p
    if (first == "") {
        if (attach) { start(attach + 0, 0, "first", ts); held_at_attach(ts); if (pid == attach + 0) return }
        else { start(pid, 0, "first", ts); return }
    }
    if (attach && (getline line < ("/proc/" attach "/task/" pid "/stat")) > 0) {
        close("/proc/" attach "/task/" pid "/stat"); start(pid, attach + 0, "thread", ts); return
    }
    if (cand) { via = CLONING[cand]; delete CLONING[cand]; ADOPTED[pid] = 1; start(pid, cand + 0, via, ts); return }
    start(pid, 0, "clone", ts)
}

# -p PID: the eventfds it held when attached ("fd:id:count_hex:semaphore:flags" words).
function held_at_attach(ts,    n, W, i, F, o, fl) {
    n = split(initial, W, " ")
    for (i = 1; i <= n; i++) {
        split(W[i], F, ":")
        o = newobj(F[2]); hex_to_u64(F[3]); cntH[o] = H; cntL[o] = L; maxH[o] = H; maxL[o] = L
        sem[o] = F[4] == 1; fl = F[5]
        nb[o] = substr(fl, length(fl) - 4, 1) ~ /[4-7]/
        objflags[o] = "?"; objinit[o] = "?"; creator[o] = attach + 0
        addfd(attach + 0, F[1] + 0, o, length(fl) >= 7 && substr(fl, length(fl) - 6, 1) ~ /[2367]/)
        ev(ts, attach + 0, "recv " od(o, F[1] + 0) " via=attach" (F[2] != "" ? " id=" F[2] : ""))
        tl(ts, attach + 0, oname(o) " held as fd " F[1] " when attached, count " show(H, L))
    }
}
function hex_to_u64(s,    i, c) {
    s = tolower(s); H = 0; L = 0
    for (i = 1; i <= length(s); i++) {
        c = index("0123456789abcdef", substr(s, i, 1)) - 1
        H = H * 16 + int(L / 268435456); L = (L % 268435456) * 16 + c
    }
}
function clone_kind(name, args) {
    if (name == "vfork") return "vfork"
    if (name == "fork") return "fork"
    if (args ~ /CLONE_THREAD/) return "thread"
    if (args ~ /CLONE_VFORK/) return "vfork"
    return "fork"
}

# A call that did not return at once: note who waits on what.
function entering(pid, ts, text,    name, args, n, A, fd, o) {
    text = undecorate(text)
    name = text; sub(/\(.*/, "", name)
    args = substr(text, length(name) + 2)
    if (name ~ /^(clone|clone3|fork|vfork)$/) { CLONING[pid] = clone_kind(name, args); return }
    if (name == "sendmsg") { n = splitargs(args, A); do_send(pid, A[2]); SENTEARLY[pid] = 1; return }
    if (name == "readv" || name == "writev") name = substr(name, 1, length(name) - 1)
    if (name == "read" || name == "write") {
        n = splitargs(args, A); fd = A[1] + 0; o = objat(tbl[pid], fd)
        if (o == "" || nb[o]) return
        if (name == "read" && cntH[o] == 0 && cntL[o] == 0) blockon(pid, ts, o, fd, "read")
        # A write sleeps only when the count would pass 0xfffffffffffffffe; under
        # a slow machine strace may show any write unfinished, and that is not a sleep.
        if (name == "write" && write_may_sleep(o, A[2])) blockon(pid, ts, o, fd, "write")    # judged at its return
        return
    }
    if (name ~ /^(poll|ppoll|select|pselect6|epoll_wait|epoll_pwait|epoll_pwait2)$/) {
        o = ""; fd = watched(pid, name, args)
        if (fd != "") { o = objat(tbl[pid], fd); blockon(pid, ts, o, fd, name) }
    }
}
# True when adding the 8-byte value in 'buf' would take the count past
# 0xfffffffffffffffe (T32 - 1, T32 - 2 as its two halves): such a write waits for a read.
function write_may_sleep(o, buf,    vh, vl) {
    u64_le(buf); vh = H; vl = L
    u64_sub(T32 - 1, T32 - 2, cntH[o], cntL[o])       # the room left
    return u64_cmp(vh, vl, H, L) > 0
}
function blockon(pid, ts, o, fd, callname) {
    BLK[pid] = o; BLKFD[pid] = fd; BLKCALL[pid] = callname; BLKT[pid] = ts; BLKLAST[pid] = lastw[o]
    BLKSHOWN[pid] = 0; BLKH[pid] = cntH[o]; BLKL[pid] = cntL[o]     # the count it slept at
    if (callname == "write") return
    showblock(pid)
}
function showblock(pid,    o) {
    o = BLK[pid]; BLKSHOWN[pid] = 1
    ev(BLKT[pid], pid, "block " od(o, BLKFD[pid]) " call=" BLKCALL[pid])
    tl(BLKT[pid], pid, o " fd " BLKFD[pid] ": " BLKCALL[pid] " sleeps (count " show(BLKH[pid], BLKL[pid]) ")")
    mm(sprintf("Note over @%d@: %s sleeps (count %s)", pid, BLKCALL[pid], short(BLKH[pid], BLKL[pid])))
}
# The first eventfd among the descriptors a poll/select/epoll call waits on ("" if none).
function watched(pid, name, args,    n, A, m, T, fd, k) {
    T = tbl[pid]; n = splitargs(args, A)
    if (name ~ /poll$/ && name !~ /epoll/) {
        m = A[1]
        while (match(m, /fd=[0-9]+/)) { fd = substr(m, RSTART + 3, RLENGTH - 3) + 0; if ((T, fd) in fdobj) return fd; m = substr(m, RSTART + RLENGTH) }
        return ""
    }
    if (name ~ /select/) {
        m = A[2] " " A[3]
        while (match(m, /[0-9]+/)) { fd = substr(m, RSTART, RLENGTH) + 0; if ((T, fd) in fdobj) return fd; m = substr(m, RSTART + RLENGTH) }
        return ""
    }
    for (k in EPFD) { split(k, K, SUBSEP); if (K[1] == T && K[2] == A[1] + 0 && (T, EPFD[k]) in fdobj) return EPFD[k] }
    return ""
}

function call(pid, ts, t_start, text,    name, p, args, ret, rv, err, n, A, fd, o, rpath) {
    name = text; sub(/\(.*/, "", name)
    rpath = ""
    if (name == "read" && match(text, /^read\([0-9]+<(\\x[0-9a-f][0-9a-f])+>/)) {
        rpath = substr(text, RSTART, RLENGTH); sub(/^read\([0-9]+</, "", rpath); sub(/>$/, "", rpath)
        rpath = unhex(rpath)
    }
    RECVEFD = ""    # the descriptors a recvmsg received that strace -y names as eventfds
    if (name == "recvmsg") {
        p = text
        while (match(p, /[0-9]+<\\x61\\x6e\\x6f\\x6e\\x5f\\x69\\x6e\\x6f\\x64\\x65\\x3a\\x5b\\x65\\x76\\x65\\x6e\\x74\\x66\\x64\\x5d>/)) {
            RECVEFD = RECVEFD " " (substr(p, RSTART, RLENGTH) + 0) " "; p = substr(p, RSTART + RLENGTH)
        }
    }
    text = undecorate(text)
    gsub(/\) +=  */, ") = ", text)
    p = lastidx(text, ") = ")
    if (p == 0) { if (name ~ /^exit/) return; return }
    args = substr(text, length(name) + 2, p - length(name) - 2)
    ret = substr(text, p + 4)
    rv = ret; sub(/ .*/, "", rv); err = ""
    if (rv == "-1" || rv == "?") { err = ret; sub(/^[-0-9?]+ /, "", err); sub(/ .*/, "", err) }
    if (err ~ /^ERESTART/) err = "EINTR"
    n = splitargs(args, A)
    if (name == "eventfd2" || name == "eventfd") { do_create(pid, ts, A[1], n > 1 ? A[2] : "0", rv, err); return }
    if (name ~ /^(clone|clone3|fork|vfork)$/) {
        delete CLONING[pid]
        if (rv + 0 > 0 && !((rv + 0) in alive) && !((rv + 0) in ended)) start(rv + 0, pid, clone_kind(name, args), ts)
        return
    }
    if (name == "execve" || name == "execveat") { do_exec(pid, ts, name == "execve" ? A[1] : A[2], rv, err); return }
    if (name == "wait4" || name == "waitid") { do_reap(pid, ts, name, A, rv); return }
    if (name ~ /sleep$/ || name == "pause") { do_sleep(pid, ts, t_start, name, A); return }
    if (name == "pidfd_open") { if (rv + 0 >= 0 && err == "") PIDFD[tbl[pid], rv + 0] = A[1] + 0; return }
    if (name == "sendmsg") { if (SENTEARLY[pid]) delete SENTEARLY[pid]; else do_send(pid, A[2]); return }
    if (name == "recvmsg") { if (err == "") do_recv(pid, ts, A[2]); return }
    if (name == "pidfd_getfd") { if (err == "") do_getfd(pid, ts, A[1] + 0, A[2] + 0, rv + 0); return }
    if (name == "epoll_ctl") { do_epoll_ctl(pid, A); return }
    if (name ~ /poll|select/) { do_ready(pid, ts, t_start, name, A, ret, err); return }
    if (name == "close_range") { do_close_range(pid, ts, A[1] + 0, A[2] + 0, A[3]); return }
    fd = A[1] + 0; o = objat(tbl[pid], fd)
    if (rpath ~ /^\/proc\/[0-9]+\/(task\/[0-9]+\/)?fdinfo\/[0-9]+$/ && err == "" && rv + 0 > 0) { do_fdinfo(pid, ts, t_start, rpath, A[2]); return }
    if (o == "") {
        if (name == "dup2" || name == "dup3") {      # over an eventfd descriptor: closes it
            if (err == "" && (tbl[pid], A[2] + 0) in fdobj) do_close(pid, ts, A[2] + 0)
        }
        return
    }
    if (objid[o] == "" && !(o in idtried)) lazy_id(pid, fd, o)
    if (name == "read" || name == "write") { do_rw(pid, ts, t_start, name, o, fd, A[2], A[3] + 0, rv, err); return }
    if (name == "readv" || name == "writev") { do_rwv(pid, ts, t_start, substr(name, 1, length(name) - 1), o, fd, A[2], rv, err); return }
    if (name == "close") { if (err == "") do_close(pid, ts, fd); return }
    if (name == "dup") { if (err == "") do_dup(pid, ts, o, fd, rv + 0, 0); return }
    if (name == "dup2" || name == "dup3") {
        if (err == "" && rv + 0 != fd) do_dup(pid, ts, o, fd, rv + 0, A[3] ~ /O_CLOEXEC/)
        return
    }
    if (name == "fcntl" && err == "") {
        if (A[2] ~ /^F_DUPFD/) do_dup(pid, ts, o, fd, rv + 0, A[2] == "F_DUPFD_CLOEXEC")
        else if (A[2] == "F_SETFD") fdcloexec[tbl[pid], fd] = (A[3] ~ /FD_CLOEXEC|^1$/)
        else if (A[2] == "F_SETFL") nb[o] = (A[3] ~ /O_NONBLOCK/)
    }
}

function flagstr(f) { return f == "" ? "0" : f }
function do_create(pid, ts, init, flags, rv, err,    fd, id, o, cnt) {
    if (err != "") {
        ev(ts, pid, "refused obj=- fd=- call=eventfd errno=" err " size=0")
        tl(ts, pid, "eventfd(" init ", " flags ") refused: " err); return
    }
    fd = rv + 0; id = fdinfo(pid, fd, "eventfd-id")
    o = newobj(id)
    if (id != "" && id in byid && byid[id] != o) delete byid[id]
    byid[id] = o
    flags = flags; gsub(/ /, "", flags)
    objflags[o] = flags; objinit[o] = init
    cntH[o] = 0; cntL[o] = init + 0; maxL[o] = cntL[o]
    sem[o] = flags ~ /EFD_SEMAPHORE/; nb[o] = flags ~ /EFD_NONBLOCK/
    creator[o] = pid
    addfd(pid, fd, o, flags ~ /EFD_CLOEXEC/)
    ev(ts, pid, "create " od(o, fd) " initval=" init " flags=" flags (id != "" ? " id=" id : ""))
    tl(ts, pid, oname(o) " created as fd " fd ": eventfd(" init ", " flags "), count " init)
    mm(sprintf("@%d@->>@K%s@: eventfd(%s, %s)", pid, o, init, flags))
}

# A read or a write on an eventfd descriptor.
function do_rw(pid, ts, t_start, name, o, fd, buf, size, rv, err,    bh, bl, slept, w, extra, retry) {
    retry = ((pid, fd) in EINTRED) ? " (retry after EINTR)" : ""
    delete EINTRED[pid, fd]
    slept = (BLK[pid] == o && BLKFD[pid] == fd && BLKCALL[pid] == name) ? 1 : 0
    if (err != "" || rv + 0 != 8) {
        if (err == "") err = "EINVAL"
        if (err == "EINTR") EINTRED[pid, fd] = 1
        ev(ts, pid, "refused " od(o, fd) " call=" name " errno=" err " size=" size)
        tl(ts, pid, o " fd " fd ": " name " of " size " bytes refused: " err \
            (err == "EINVAL" && size < 8 ? " (an eventfd reads and writes 8 bytes; this buffer holds " size ")" : "") \
            (err == "EINVAL" && size == 8 && name == "write" ? " (0xffffffffffffffff is the one value a write may not add)" : "") \
            (err == "EAGAIN" ? (name == "read" ? " (count 0, non-blocking)" : " (the count would pass 0xfffffffffffffffe)") : "") \
            (err == "EINTR" ? " (a signal interrupted it; the program should retry)" : "") retry)
        mm(sprintf("@K%s@-->>@%d@: %s: %s", o, pid, name, err))
        if (err == "EINTR") { BLKEND[pid] = ts }
        unblock(pid, ts, o, slept)
        return
    }
    u64_le(buf); bh = H; bl = L
    if (name == "write") {
        bH = cntH[o]; bL = cntL[o]
        u64_add(bH, bL, bh, bl); cntH[o] = H; cntL[o] = L
        history(o, ts, bH, bL)
        if (u64_cmp(H, L, maxH[o], maxL[o]) > 0) { maxH[o] = H; maxL[o] = L }
        posts[o]++; lastw[o] = pid; lastwt[o] = ts; holder(o, pid)
        if (slept && BLKSHOWN[pid] == 0 && ts - t_start > 0.001) showblock(pid)
        extra = ""
        if (slept && BLKSHOWN[pid]) extra = sprintf(" slept_us=%d", int((ts - t_start) * 1000000 + 0.5))
        ev(ts, pid, "write " od(o, fd) " value=" u64_dec(bh, bl) " before=" u64_dec(bH, bL) " after=" u64_dec(H, L) extra)
        tl(ts, pid, o " fd " fd ": write " show(bh, bl) ": count " show(bH, bL) " → " show(H, L) retry)
        mm(sprintf("@%d@->>@K%s@: write %s (count %s)", pid, o, short(bh, bl), short(H, L)))
        if (slept && BLKSHOWN[pid]) blocked_us[o] += int((ts - t_start) * 1000000 + 0.5)
        unblock(pid, ts, o, 0)
        try_pending(o)
        return
    }
    # a read: the count must cover it, else the write that does is yet to come (strace may
    # print a woken reader's return before its waker's), or someone outside posted
    if (!can_take(o, bh, bl)) {
        PENDN[o]++; PEND[o, PENDN[o]] = pid SUBSEP ts SUBSEP t_start SUBSEP fd SUBSEP sprintf("%.0f", bh) SUBSEP sprintf("%.0f", bl) SUBSEP slept SUBSEP retry SUBSEP NR
        unblock(pid, ts, o, 0)
        return
    }
    apply_read(o, pid, ts, t_start, fd, bh, bl, slept, retry)
}
# readv/writev: the pieces' bytes, joined, are the 8 bytes a read or write would move.
function do_rwv(pid, ts, t_start, name, o, fd, iov, rv, err,    buf, size, m, p) {
    buf = ""; size = 0; m = iov
    while (match(m, /iov_base="[^"]*"(\.\.\.)?, iov_len=[0-9]+/)) {
        p = substr(m, RSTART, RLENGTH); m = substr(m, RSTART + RLENGTH)
        size += substr(p, index(p, "iov_len=") + 8) + 0
        sub(/^iov_base="/, "", p); sub(/".*/, "", p); buf = buf p
    }
    do_rw(pid, ts, t_start, name, o, fd, buf, size, rv, err)
}
function can_take(o, bh, bl) {
    if (sem[o]) return !(cntH[o] == 0 && cntL[o] == 0)
    return u64_cmp(cntH[o], cntL[o], bh, bl) == 0
}
function apply_read(o, pid, ts, t_start, fd, bh, bl, slept, retry,    extra, w, slus, wby) {
    bH = cntH[o]; bL = cntL[o]
    u64_sub(bH, bL, bh, bl); cntH[o] = H; cntL[o] = L
    history(o, ts, bH, bL)
    u64_add(movH[o], movL[o], bh, bl); movH[o] = H; movL[o] = L
    H = cntH[o]; L = cntL[o]
    reads[o]++; holder(o, pid)
    extra = ""; wby = ""
    if (slept) {
        slus = int((ts - t_start) * 1000000 + 0.5); blocked_us[o] += slus
        if (lastw[o] != "" && lastwt[o] >= t_start) wby = lastw[o]
        extra = " slept_us=" slus (wby != "" ? " woken_by=" wby : "")
    }
    ev(ts, pid, "read " od(o, fd) " value=" u64_dec(bh, bl) " before=" u64_dec(bH, bL) " after=" u64_dec(cntH[o], cntL[o]) extra)
    tl(ts, pid, o " fd " fd ": read " show(bh, bl) ": count " show(bH, bL) " → " show(cntH[o], cntL[o]) \
        (slept ? sprintf(", after sleeping %.3f ms", slus / 1000) (wby != "" ? ", woken by " wname(wby) : "") : "") retry)
    mm(sprintf("@K%s@-->>@%d@: read %s%s (count %s)", o, pid, short(bh, bl), (slept && wby != "" ? ", woken by @N" wby "@" : ""), short(cntH[o], cntL[o])))
}
function wname(p) { return "@" p "@" }
function unblock(pid, ts, o, x) { delete BLK[pid]; delete BLKFD[pid]; delete BLKCALL[pid]; delete BLKT[pid] }
# Reads waiting for the write that covers them; applied in order once the count does.
function try_pending(o,    i, P, any) {
    for (i = 1; i <= PENDN[o]; i++) {
        if (!((o, i) in PEND)) continue
        split(PEND[o, i], P, SUBSEP)
        if (!can_take(o, P[5], P[6])) return
        apply_read(o, P[1] + 0, P[2], P[3], P[4], P[5], P[6], P[7], P[8])
        delete PEND[o, i]
    }
}
# Reads no write ever covered: the kernel (or a process not traced) posted.
function flush_pending(o, limit,    i, P, bh, bl) {
    for (i = 1; i <= PENDN[o]; i++) {
        if (!((o, i) in PEND)) continue
        split(PEND[o, i], P, SUBSEP)
        if (limit && NR - P[9] < limit) continue
        bh = P[5]; bl = P[6]
        if (!sem[o] || (cntH[o] == 0 && cntL[o] == 0)) {
            ev(P[2], P[1], "count-check " od(o, P[4]) " computed=" u64_dec(cntH[o], cntL[o]) " fdinfo=" u64_dec(bh, bl))
            tl(P[2], P[1], o " fd " P[4] ": the count computed from the calls is " show(cntH[o], cntL[o]) \
                ", but the kernel had " show(bh, bl) " (posted by the kernel, or by a process not traced)")
            kernelposts[o]++
            history(o, P[2], cntH[o], cntL[o]); cntH[o] = bh; cntL[o] = bl
        }
        apply_read(o, P[1] + 0, P[2], P[3], P[4], bh, bl, P[7], P[8])
        delete PEND[o, i]
    }
}

# A read of /proc/P/fdinfo/N (strace -y names the file read): when N of P is an eventfd this
# run follows, the buffer's eventfd-count is the kernel's count at that moment, checked
# against the one computed from the calls.
function do_fdinfo(pid, ts, t_start, path, buf,    P, N, o, text, c, cH, cL) {
    P = path; sub(/^\/proc\//, "", P); sub(/\/.*/, "", P); P += 0
    N = path; sub(/.*\//, "", N); N += 0
    if (!(P in alive) || (o = objat(tbl[P], N)) == "") return
    text = unhexnl(buf)
    if (!match(text, /\neventfd-count:[ \t]*[0-9a-f]+\n/)) return    # cut short by strace -s
    c = substr(text, RSTART, RLENGTH); sub(/^[^:]*:[ \t]*/, "", c); sub(/\n$/, "", c)
    hex_to_u64(c); cH = H; cL = L
    fdinfo_check(o, pid, ts, t_start, P, N, cH, cL)
}
# Each change of an object's count: the time of the call's line, and the count before it
# (kept for the last 32 changes: what an fdinfo read racing with other calls may have seen).
function history(o, ts, bH, bL,    k) {
    k = ++NHIST[o]; HIST_T[o, k] = ts; HIST_B[o, k] = u64_dec(bH, bL); HIST_A[o, k] = u64_dec(cntH[o], cntL[o])
    delete HIST_T[o, k - 32]; delete HIST_B[o, k - 32]; delete HIST_A[o, k - 32]
}
# The fdinfo read took the count at one moment between its call's start (t_start) and its
# return, which came before the reader's next call. When the count computed at its line
# differs, other processes' calls on the object raced with it: the count before a call
# whose line started after t_start (strace printed it first, but it may have come after the
# read), or after a call printed later that started before the reader's next call, is as
# good. The check then waits for the reader's next line (chk_resolve); with none matching
# it is a difference.
function fdinfo_check(o, pid, ts, t_start, P, N, cH, cL,    c, k) {
    c = u64_dec(cH, cL)
    if (c == u64_dec(cntH[o], cntL[o])) { fdinfo_ev(o, pid, ts, P, N, c, c, ""); return }
    for (k = NHIST[o]; (o, k) in HIST_T && HIST_T[o, k] >= t_start; k--)
        if (HIST_B[o, k] == c) { fdinfo_ev(o, pid, ts, P, N, c, c, " racing=yes"); return }
    CHK[pid, ++NCHK[pid]] = o SUBSEP ts SUBSEP P SUBSEP N SUBSEP c SUBSEP u64_dec(cntH[o], cntL[o]) SUBSEP NHIST[o] SUBSEP sprintf("%.0f" SUBSEP "%.0f" SUBSEP "%.0f" SUBSEP "%.0f", cH, cL, cntH[o], cntL[o])
}
function chk_resolve(pid, t_next,    i, C, o, k, ok, up) {
    for (i = 1; i <= NCHK[pid]; i++) {
        split(CHK[pid, i], C, SUBSEP); o = C[1]; ok = 0
        for (k = C[7] + 1; k <= NHIST[o] && !ok; k++) if (HIST_T[o, k] <= t_next && HIST_A[o, k] == C[5]) ok = 1
        if (ok) { fdinfo_ev(o, pid, C[2], C[3] + 0, C[4], C[5], C[5], " racing=yes"); continue }
        fdinfo_ev(o, pid, C[2], C[3] + 0, C[4], C[5], C[6], "")
        up = u64_cmp(C[8], C[9], C[10], C[11]) > 0
        if (up) kernelposts[o]++
        tl(C[2], pid, o " fd " C[4] (C[3] + 0 != pid ? " of " wname(C[3] + 0) : "") ": fdinfo shows count " show(C[8], C[9]) ", the calls add up to " show(C[10], C[11]) \
            ": " (up ? "something that is not a traced write posted (the kernel, as AIO does, or a process not traced)" : "something that is not a traced read took from it (a process not traced)") \
            "; the counts from here on start from the kernel's")
        # the kernel is right: count on from its count
        bH = cntH[o]; bL = cntL[o]; cntH[o] = C[8] + 0; cntL[o] = C[9] + 0; history(o, C[2], bH, bL)
        if (u64_cmp(cntH[o], cntL[o], maxH[o], maxL[o]) > 0) { maxH[o] = cntH[o]; maxL[o] = cntL[o] }
    }
    delete NCHK[pid]
}
function fdinfo_ev(o, pid, ts, P, N, c, computed, extra) {
    ev(ts, pid, "fdinfo " od(o, N) (P != pid ? " of=" P : "") " count=" c " computed=" computed extra)
}
function unhexnl(s,    out, i, c) {
    gsub(/\\x|"/, "", s); out = ""
    for (i = 1; i < length(s); i += 2) {
        c = substr(s, i, 2)
        out = out ((c in CHR) ? CHR[c] : (c == "0a" ? "\n" : (c == "09" ? "\t" : "?")))
    }
    return out
}

function do_close(pid, ts, fd,    o, last) {
    o = objat(tbl[pid], fd)
    flush_pending(o, 0)
    last = dropfd(pid, fd, ts)
    ev(ts, pid, "close " od(o, fd) " last=" last)
    tl(ts, pid, o " fd " fd ": closed" (last == "yes" ? "; last descriptor closed: " o " is gone" : ""))
    if (last == "yes") mm(sprintf("@%d@->>@K%s@: close (last: %s is gone)", pid, o, nobj == 1 ? "the counter" : o))
}
function do_close_range(pid, ts, lo, hi, flags,    k, T, fd, L2, n, i) {
    T = tbl[pid]; n = 0
    for (k in fdobj) { split(k, K, SUBSEP); if (K[1] == T && K[2] >= lo && K[2] <= hi) L2[++n] = K[2] + 0 }
    for (i = 1; i <= n; i++) {
        if (flags ~ /CLOSE_RANGE_CLOEXEC/) fdcloexec[T, L2[i]] = 1
        else do_close(pid, ts, L2[i])
    }
}
function do_dup(pid, ts, o, fd, newfd, cloexec) {
    if ((tbl[pid], newfd) in fdobj) do_close(pid, ts, newfd)
    addfd(pid, newfd, o, cloexec)
    ev(ts, pid, "dup " od(o, fd) " newfd=" newfd)
    tl(ts, pid, o " fd " fd ": duplicated as fd " newfd)
    mm(sprintf("Note over @%d@: dup fd %d → fd %d", pid, fd, newfd))
}
function do_exec(pid, ts, path, rv, err,    T, k, fd, o, kept, closed, FDS, n, i, base) {
    path = unhex(path)
    if (err != "") {
        ev(ts, pid, "exec path=" pct(path) " result=" err)
        tl(ts, pid, "exec " path " failed: " err); return
    }
    if (pid == first && !execed_first) { execed_first = 1; firstpath = path; ev(ts, pid, "exec path=" pct(path) " result=ok"); return }
    ev(ts, pid, "exec path=" pct(path) " result=ok")
    T = tbl[pid]; n = 0; kept = ""; closed = ""
    for (k in fdobj) { split(k, K, SUBSEP); if (K[1] == T) FDS[++n] = K[2] + 0 }
    for (i = 1; i <= n; i++) {
        fd = FDS[i]; o = fdobj[T, fd]
        if (fdcloexec[T, fd]) {
            last = dropfd(pid, fd, ts)
            ev(ts, pid, "exec-close " od(o, fd)); closed = closed ", " o " fd " fd
            if (last == "yes") gonemsg = gonemsg
        } else { ev(ts, pid, "exec-keep " od(o, fd)); kept = kept ", " o " fd " fd }
    }
    base = path; sub(/.*\//, "", base)
    tl(ts, pid, "exec " path (kept != "" ? "; keeps " substr(kept, 3) : "") (closed != "" ? "; closed by close-on-exec: " substr(closed, 3) : ""))
    mm(sprintf("Note over @%d@: exec %s%s%s", pid, base, kept != "" ? " (keeps " mmfds(substr(kept, 3)) ")" : "", closed != "" ? " (" mmfds(substr(closed, 3)) " closed: CLOEXEC)" : ""))
}
function status_of_wait(s) {
    if (match(s, /WEXITSTATUS\(s\) == [0-9]+/)) return "exit:" substr(s, RSTART + 18, RLENGTH - 18)
    if (match(s, /WTERMSIG\(s\) == SIG[A-Z0-9]+/)) return "signal:" substr(s, RSTART + 15, RLENGTH - 15)
    return ""
}
function do_reap(pid, ts, name, A, rv,    child, st, s) {
    if (name == "wait4") { child = rv + 0; st = status_of_wait(A[2]) }
    else {
        s = A[3]; child = 0; st = ""
        if (match(s, /si_pid=[0-9]+/)) child = substr(s, RSTART + 7, RLENGTH - 7) + 0
        if (s ~ /CLD_EXITED/ && match(s, /si_status=[0-9]+/)) st = "exit:" substr(s, RSTART + 10, RLENGTH - 10)
        else if (match(s, /si_status=SIG[A-Z0-9]+/)) st = "signal:" substr(s, RSTART + 10, RLENGTH - 10)
        if (A[4] ~ /WNOWAIT/) return
    }
    if (child <= 0 || st == "") return
    reaped[child] = 1
    ev(ts, pid, "reap child=" child " status=" st)
    tl(ts, pid, "reaped child " child ": " human_status(st))
    mm(sprintf("@%d@-->>@%d@: %s (reaped)", child, pid, human_status(st)))
}
function human_status(st) { return st ~ /^exit:/ ? "exit " substr(st, 6) : "killed by " substr(st, 8) }
function do_sleep(pid, ts, t_start, name, A,    s, sec, nsec) {
    s = (name == "clock_nanosleep") ? A[3] : A[1]
    sec = 0; nsec = 0
    if (match(s, /tv_sec=[0-9]+/)) sec = substr(s, RSTART + 7, RLENGTH - 7)
    if (match(s, /tv_nsec=[0-9]+/)) nsec = substr(s, RSTART + 8, RLENGTH - 8)
    if (name == "pause") { ev(ts, pid, "sleep call=pause seconds=" sprintf("%.6f", ts - t_start)); return }
    ev(t_start, pid, "sleep call=" name " seconds=" sprintf("%d.%06d", sec, int(nsec / 1000)))
}
function do_send(pid, msg,    m, fd, o) {
    if (!match(msg, /SCM_RIGHTS, cmsg_data=\[[0-9, ]*\]/)) return
    m = substr(msg, RSTART, RLENGTH); sub(/.*\[/, "", m)
    while (match(m, /[0-9]+/)) {
        fd = substr(m, RSTART, RLENGTH) + 0; m = substr(m, RSTART + RLENGTH)
        o = objat(tbl[pid], fd); if (o == "") continue
        SENTQ[++sentn] = o SUBSEP pid
    }
}
function do_recv(pid, ts, msg,    m, fd, id, o, from, cl, isefd) {
    if (!match(msg, /SCM_RIGHTS, cmsg_data=\[[0-9, ]*\]/)) return
    m = substr(msg, RSTART, RLENGTH); sub(/.*\[/, "", m)
    cl = (msg ~ /MSG_CMSG_CLOEXEC/)
    while (match(m, /[0-9]+/)) {
        fd = substr(m, RSTART, RLENGTH) + 0; m = substr(m, RSTART + RLENGTH)
        id = fdinfo(pid, fd, "eventfd-id"); o = ""; from = ""
        isefd = index(RECVEFD, " " fd " ") > 0
        if (id == "" && !isefd && fdinfo(pid, fd, "eventfd-count") == "" && sentq_head() == "") continue
        if (id != "" && (id in byid) && !gone[byid[id]]) o = byid[id]
        if (sentq_head() != "") { split(SENTQ[sentq_h], S, SUBSEP); if (o == "" || o == S[1]) { o = S[1]; from = S[2] }; delete SENTQ[sentq_h++] }
        if (o == "") {
            if (id == "" && !isefd && fdinfo(pid, fd, "eventfd-count") == "") continue
            o = newobj(id); objflags[o] = "?"; objinit[o] = "?"
        }
        if (id == "") id = objid[o]
        addfd(pid, fd, o, cl)
        ev(ts, pid, "recv " od(o, fd) " via=SCM_RIGHTS" (from != "" ? " from=" from : "") (id != "" ? " id=" id : ""))
        tl(ts, pid, "received " oname(o) " as fd " fd " through SCM_RIGHTS" (from != "" ? " from " wname(from) : ""))
        mm(sprintf("Note over @%d@: receives %s as fd %d (SCM_RIGHTS)", pid, nobj == 1 ? "the eventfd" : o, fd))
    }
}
function sentq_head() { if (sentq_h == "") sentq_h = 1; return (sentq_h in SENTQ) ? SENTQ[sentq_h] : "" }
function do_getfd(pid, ts, pidfd, tfd, newfd,    target, o, id) {
    target = PIDFD[tbl[pid], pidfd]; if (target == "") return
    o = objat(tbl[target], tfd); if (o == "") return
    id = objid[o]
    addfd(pid, newfd, o, 1)
    ev(ts, pid, "recv " od(o, newfd) " via=pidfd_getfd from=" target (id != "" ? " id=" id : ""))
    tl(ts, pid, "took a copy of " wname(target) "'s fd " tfd ", " oname(o) ", as fd " newfd " (pidfd_getfd)")
    mm(sprintf("Note over @%d@: takes %s as fd %d (pidfd_getfd)", pid, nobj == 1 ? "the eventfd" : o, newfd))
}
function do_epoll_ctl(pid, A,    d) {
    if (!match(A[4], /u64=[0-9]+/)) { if (A[2] == "EPOLL_CTL_DEL") for (d in EPFD) { split(d, K, SUBSEP); if (K[1] == tbl[pid] && K[2] == A[1] + 0 && EPFD[d] == A[3] + 0) delete EPFD[d] }; return }
    d = substr(A[4], RSTART + 4, RLENGTH - 4)
    EPFD[tbl[pid], A[1] + 0, d] = A[3] + 0
}
function do_ready(pid, ts, t_start, name, A, ret, err,    m, fd, evs, o, T, slept, any, part) {
    T = tbl[pid]; slept = (BLK[pid] != "" && BLKCALL[pid] == name)
    if (slept) {
        blocked_us[BLK[pid]] += int((ts - t_start) * 1000000 + 0.5)
        unblock(pid, ts, BLK[pid], 0)
    }
    if (err != "") return
    if (name ~ /^(poll|ppoll)$/) {
        if (A[2] + 0 == 0 && A[1] == "NULL") { ev(t_start, pid, "sleep call=poll seconds=" sprintf("%.6f", ts - t_start)); return }
        m = ret
        while (match(m, /fd=[0-9]+, revents=[A-Z|]+/)) {
            part = substr(m, RSTART, RLENGTH); m = substr(m, RSTART + RLENGTH)
            fd = part; sub(/,.*/, "", fd); sub(/fd=/, "", fd); fd += 0
            evs = part; sub(/.*revents=/, "", evs); readyline(pid, ts, T, fd, name, evs)
        }
    } else if (name ~ /select/) {
        readysel(pid, ts, T, name, ret, "in", "IN"); readysel(pid, ts, T, name, ret, "out", "OUT")
    } else {
        m = A[2]
        while (match(m, /events=[A-Z|]+, data=\{u32=[0-9]+, u64=[0-9]+/)) {
            part = substr(m, RSTART, RLENGTH); m = substr(m, RSTART + RLENGTH)
            evs = part; sub(/,.*/, "", evs); sub(/events=/, "", evs)
            fd = part; sub(/.*u64=/, "", fd)
            if ((T, A[1] + 0, fd) in EPFD) readyline(pid, ts, T, EPFD[T, A[1] + 0, fd], name, evs)
        }
    }
}
function readysel(pid, ts, T, name, ret, set, what,    m) {
    if (!match(ret, "[(, ]" set " \\[[0-9 ]*\\]")) return
    m = substr(ret, RSTART, RLENGTH); sub(/.*\[/, "", m)
    while (match(m, /[0-9]+/)) { readyline(pid, ts, T, substr(m, RSTART, RLENGTH) + 0, name, what); m = substr(m, RSTART + RLENGTH) }
}
function readyline(pid, ts, T, fd, name, evs,    o) {
    o = objat(T, fd); if (o == "") return
    gsub(/E?POLL(RD)?/, "", evs); gsub(/NORM/, "", evs)
    ev(ts, pid, "ready " od(o, fd) " call=" name " events=" evs)
    tl(ts, pid, o " fd " fd ": " name " says ready: " evs " (count " show(cntH[o], cntL[o]) ")")
    mm(sprintf("@K%s@-->>@%d@: %s: %s", o, pid, name, evs))
}

# "+++ exited with N +++" / "+++ killed by SIGX +++": the process is gone, its descriptors too.
function ended_line(pid, ts, text,    st, T, k, fd, o, FDS, n, i, last) {
    if (text ~ /exited with/) { st = text; sub(/.*exited with /, "", st); sub(/ .*/, "", st); st = "exit:" st }
    else { st = text; sub(/.*killed by /, "", st); sub(/ .*/, "", st); st = "signal:" st }
    if (BLK[pid] != "" && st == "signal:SIGKILL" && timed_out()) {
        STILL[pid] = BLK[pid] SUBSEP BLKFD[pid] SUBSEP BLKCALL[pid] SUBSEP BLKT[pid]
    } else if (pid in PRE && st == "signal:SIGKILL" && timed_out()) {
        STILLOTHER[pid] = PRE[pid]
    }
    ev(ts, pid, "exit status=" st)
    tl(ts, pid, "exit: " human_status(st))
    delete alive[pid]; ended[pid] = st; delete PRE[pid]; delete CLONING[pid]
    T = tbl[pid]
    if (--tblusers[T] > 0) return
    n = 0
    for (k in fdobj) { split(k, K, SUBSEP); if (K[1] == T) FDS[++n] = K[2] + 0 }
    for (i = 1; i <= n; i++) {
        fd = FDS[i]; o = fdobj[T, fd]
        flush_pending(o, 0)
        if (!(st == "signal:SIGKILL" && timed_out())) LEFT[pid, fd] = o
        last = dropfd(pid, fd, ts)
        tl(ts, pid, o " fd " fd ": still open at exit (the kernel closes it)" (last == "yes" ? "; that was the last descriptor: " o " is gone" : ""))
    }
}
function timed_out(    line, r) {
    if (TO_KNOWN) return TO
    if (timeout_flag == "") return 0
    r = (getline line < timeout_flag) > 0; close(timeout_flag)
    if (r) { TO = 1; TO_KNOWN = 1; TO_T = line }
    return r
}

# ---------------------------------------------------------------- the end
function pname(p) {
    if (p == first) return (nkids[p] > 0 ? "parent " : "process ") p
    if (kind[p] == "thread") return "thread " p
    return "child " p
}
function resolve(s,    out, p, q) {
    out = ""
    while (match(s, /@(K?E[0-9]+|N?[0-9]+)@/)) {
        q = substr(s, RSTART + 1, RLENGTH - 2)
        out = out substr(s, 1, RSTART - 1)
        if (q ~ /^KE/) out = out ALIAS[substr(q, 2)]
        else if (q ~ /^N/) out = out pname(substr(q, 2) + 0)
        else out = out pname(q + 0)
        s = substr(s, RSTART + RLENGTH)
    }
    return out s
}
END {
    for (p in NCHK) chk_resolve(p, lastts)
    for (o = 1; o <= nobj; o++) flush_pending("E" o, 0)
    if (timed_out()) {
        deadlocked = (getline line < deadlock_flag) > 0; close(deadlock_flag)
        ev(lastts, first, "timeout seconds=" timeout_s (deadlocked ? " deadlock=yes" : ""))
    }
    problems = 0
    if (timed_out() && TO_T > lastts) lastts = TO_T
    for (p in alive) {
        if (BLK[p] != "") STILL[p] = BLK[p] SUBSEP BLKFD[p] SUBSEP BLKCALL[p] SUBSEP BLKT[p]
        else if (p in PRE) STILLOTHER[p] = PRE[p]
    }
    if (timed_out()) for (p in alive) ended_line(p + 0, lastts, "+++ killed by SIGKILL +++")
    for (p in STILL) { split(STILL[p], S, SUBSEP); ev(lastts, p, "blocked " od(S[1], S[2]) " call=" S[3]) }
    for (k in LEFT) { split(k, K, SUBSEP); ev(lastts, K[1], "left-open " od(LEFT[k], K[2])) }
    for (i = 1; i <= nproc; i++) {
        p = order[i]
        if (kind[p] == "thread" || p == first || parentof[p] == 0) continue
        if (!(p in reaped)) { UNREAPED[parentof[p]] = UNREAPED[parentof[p]] " " p; ev(lastts, parentof[p], "unreaped child=" p) }
    }
    printf "%d %d end\n", us(lastts == "" ? t0 : lastts), first >> events
    close(events)
    if (mermaid) { write_mermaid(); exit }
    printf "efd-trace: %s: %d process%s, %d eventfd object%s (times in ms since the start)\n", title, nproc, nproc == 1 ? "" : "es", nobj, nobj == 1 ? "" : "s"
    for (i = 1; i <= nlines; i++) print resolve(TL[i])
    print ""
    print "Summary"
    for (i = 1; i <= nobj; i++) {
        o = "E" i; hs = ""
        n = split(holders[o], HS, " ")
        for (j = 1; j <= n; j++) hs = hs ", " pname(HS[j] + 0)
        printf "  %s: created by %s with eventfd(%s, %s); held by %s\n", oname(o), pname(creator[o] + 0), objinit[o], flagstr(objflags[o]), substr(hs, 3)
        printf "    %d post%s, %d read%s, %s moved, highest count %s, %.3f ms blocked, count at the end %s%s\n", posts[o], posts[o] == 1 ? "" : "s", reads[o], reads[o] == 1 ? "" : "s", show(movH[o], movL[o]), show(maxH[o], maxL[o]), blocked_us[o] / 1000, show(cntH[o], cntL[o]), gone[o] ? " (gone)" : ""
        if (kernelposts[o]) printf "    %d time%s the kernel's count differed from the calls: the kernel, or a process not traced, posted\n", kernelposts[o], kernelposts[o] == 1 ? "" : "s"
    }
    if (nobj == 0) print "  no eventfd was created or received"
    if (timed_out() && deadlocked) { print "  the run was ended by --deadlock: every process was asleep where only another could wake it"; problems++ }
    else if (timed_out()) { printf "  the run was ended by --timeout after %s s\n", timeout_s; problems++ }
    for (p in STILL) {
        split(STILL[p], S, SUBSEP)
        printf "  PROBLEM: %s was still blocked in %s on %s fd %s (count %s) when the run ended, asleep for %.3f s%s\n", pname(p + 0), S[3], S[1], S[2], show(cntH[S[1]], cntL[S[1]]), lastts - S[4], writers_left(S[1], p + 0)
        problems++
    }
    for (p in STILLOTHER) { s = STILLOTHER[p]; sub(/\(.*/, "", s); printf "  PROBLEM: %s was still in %s() when the run ended\n", pname(p + 0), s; problems++ }
    for (k in LEFT) {
        split(k, K, SUBSEP)
        printf "  PROBLEM: %s exited with %s fd %s still open (descriptor leaked: close it when done)\n", pname(K[1] + 0), LEFT[k], K[2]
        problems++
    }
    for (p in UNREAPED) {
        n = split(UNREAPED[p], HS, " ")
        for (j = 1; j <= n; j++) { printf "  PROBLEM: %s never reaped child %s (no waitpid for it: it stays a zombie until %s exits)\n", pname(p + 0), HS[j], pname(p + 0); problems++ }
    }
    if (problems == 0) print "  clean: every descriptor closed, every child reaped, nobody left blocked"
}
# Who could still wake an object's sleeper: nobody, when no other process holds it.
function writers_left(o, sleeper,    n, i, c) {
    c = 0
    n = split(holders[o], HS, " ")
    for (i = 1; i <= n; i++) if (HS[i] + 0 != sleeper && (HS[i] + 0) in alive) c++
    for (i = 1; i <= n; i++) if (HS[i] + 0 != sleeper && STILL[HS[i] + 0] != "") c--
    return c > 0 ? "" : "; no other process held it any more: nobody could write, so it would have slept forever"
}
function write_mermaid(    i, p, c, letters, n) {
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    print "sequenceDiagram"
    n = 0
    for (i = 1; i <= nproc; i++) { p = order[i]; if (p != first && kind[p] != "thread") n++ }
    c = 0
    ALIAS[first] = "P"; PN[first] = "parent"
    printf "    participant P as %s\n", (nkids[first] > 0 ? "parent" : "process")
    for (i = 1; i <= nobj; i++) {
        ALIAS["E" i] = nobj == 1 ? "K" : "K" i
        printf "    participant %s as %s\n", ALIAS["E" i], nobj == 1 ? "kernel counter" : "counter E" i
    }
    for (i = 1; i <= nproc; i++) {
        p = order[i]; if (p == first) continue
        if (kind[p] == "thread") { ALIAS[p] = "T" p; PN[p] = "thread"; printf "    participant T%d as thread\n", p; continue }
        c++
        ALIAS[p] = n == 1 ? "C" : substr(letters, c, 1); PN[p] = n == 1 ? "child" : "child " substr(letters, c, 1)
        printf "    participant %s as %s\n", ALIAS[p], PN[p]
    }
    for (i = 1; i <= nmm; i++) print "    " resolvemm(MM[i])
}
function resolvemm(s,    out, q) {
    out = ""
    while (match(s, /@(K?E[0-9]+|N?[0-9]+)@/)) {
        q = substr(s, RSTART + 1, RLENGTH - 2)
        out = out substr(s, 1, RSTART - 1)
        if (q ~ /^KE/) out = out ALIAS[substr(q, 2)]
        else if (q ~ /^N/) out = out PN[substr(q, 2) + 0]
        else out = out ALIAS[q + 0]
        s = substr(s, RSTART + RLENGTH)
    }
    return out s
}
