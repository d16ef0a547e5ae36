# normalise.awk — what a run printed, made comparable with another run of the
# same lesson (step 4). Arguments: the run's records (trace.awk's output),
# then its stdout. Prints the output with
#   - every pid of the run (from the records: each process, each child a
#     clone returned) as PID, wherever it stands as a whole number;
#   - every eventfd-id as ID1, ID2, ... numbered afresh on each line, so that
#     "eventfd-id 5 and 5" stays "ID1 and ID1" and "5 and 6" (or "5, not 6")
#     stays "ID1 and ID2": ids come from one counter for the whole system, so any
#     other process that holds an eventfd changes them, but what a line says
#     about them (the same object or not) does not change;
#   - quoted text and user-space addresses as "..." and ADDR (a raw /proc
#     line, a stack address: they depend on the stack layout).
# The caller sorts the lines (the processes of a run interleave).
BEGIN { FS = "\t" }
NR == FNR {
    pid[$1] = 1
    if ($2 ~ /^(clone|clone3|fork|vfork)$/ && $4 ~ /^[0-9]+$/) pid[$4] = 1
    next
}
FNR == 1 { for (p in pid) if (p != "") re = re (re == "" ? "" : "|") p }
{
    line = $0
    if (re != "") line = wordsub(line, re, "PID")
    split("", ids); nids = 0
    line = ids_in(line, "eventfd-id:?( is)? [0-9]+(( and|, not) [0-9]+)*")   # "id 5, not 4"
    line = ids_in(line, "'s is [0-9]+")            # "my parent's is 5"
    gsub(/"[^"]*"/, "\"...\"", line)
    gsub(/0x7f[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]/, "ADDR", line)
    print line
}

# Replaces the whole numbers in the words wanted pattern 'context' matches
# by their ids (ID1, ID2, ... in the order they first appear on the line).
function ids_in(s, context,    out, part, number) {
    out = ""
    while (match(s, context)) {
        out = out substr(s, 1, RSTART - 1)
        part = substr(s, RSTART, RLENGTH)
        s = substr(s, RSTART + RLENGTH)
        while (match(part, /[0-9]+/)) {
            number = substr(part, RSTART, RLENGTH)
            if (!(number in ids)) ids[number] = "ID" (++nids)
            out = out substr(part, 1, RSTART - 1) ids[number]
            part = substr(part, RSTART + RLENGTH)
        }
        out = out part
    }
    return out s
}

# Replaces each whole-number word of s that matches re by 'to'.
function wordsub(s, re, to,    out, pre, lead, trail) {
    out = ""
    while (match(s, "(^|[^0-9A-Za-z])(" re ")([^0-9A-Za-z]|$)")) {
        # keep the delimiters on both sides
        pre = substr(s, RSTART, RLENGTH)
        lead = pre ~ /^[^0-9A-Za-z]/ ? substr(pre, 1, 1) : ""
        trail = pre ~ /[^0-9A-Za-z]$/ ? substr(pre, length(pre), 1) : ""
        out = out substr(s, 1, RSTART - 1) lead to
        s = trail substr(s, RSTART + RLENGTH)
    }
    return out s
}
