# valgrind-log.awk — one line per process of a `valgrind --trace-children=yes`
# log: "PID ERRORS FDS BYTES": its error count (-1: no ERROR SUMMARY), the
# descriptors above 2 it opened itself and left open (those it had at start
# are marked "<inherited from parent>": the log's, for one), and the bytes
# definitely lost.
{
    if (!match($0, /^==[0-9]+==/)) next
    pid = substr($0, 3, RLENGTH - 4); text = substr($0, RLENGTH + 2)
    if (!(pid in e)) { e[pid] = -1; order[++n] = pid }
}
text ~ /^ERROR SUMMARY: / { split(text, w, " "); e[pid] = w[3] }
pending[pid] != "" { if (text !~ /<inherited from parent>/) fds[pid]++; pending[pid] = "" }
text ~ /^Open (file descriptor|AF_UNIX socket) [0-9]+/ {
    fd = text; sub(/^Open [^0-9]*/, "", fd); sub(/[^0-9].*/, "", fd)
    if (fd + 0 > 2) pending[pid] = fd
}
text ~ /definitely lost: / {
    b = text; sub(/.*definitely lost: /, "", b); sub(/ bytes.*/, "", b); gsub(/,/, "", b)
    lost[pid] += b
}
END { for (i = 1; i <= n; i++) { p = order[i]; printf "%s %d %d %d\n", p, e[p], fds[p], lost[p] } }
