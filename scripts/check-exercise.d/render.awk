# render.awk — turns check-exercise's verdict lines ("OK|FAIL<TAB>key<TAB>arg...")
# into sentences from the files 'messages' (failures) and 'verified' (passes).
function load(file, table,    line, tab) {
    while ((getline line < file) > 0) {
        if (line ~ /^#/ || line == "") continue
        tab = index(line, "\t")
        table[substr(line, 1, tab - 1)] = substr(line, tab + 1)
    }
    close(file)
}
function fill(text,    i) {
    for (i = 1; i <= 3; i++) gsub("\\{" i "\\}", arg[i], text)
    return text
}
BEGIN { load(messages, fail_text); load(verified, ok_text) }
{
    for (i = 1; i <= 3; i++) { arg[i] = $(i + 2); gsub(/&/, "\\\\&", arg[i]) }
    if ($1 == "FAIL")
        print "  " (ru ? "ПРОВАЛ: " : "FAIL: ") fill($2 in fail_text ? fail_text[$2] : $2 " " $3 " " $4)
    else if ($2 in ok_text && !seen[$2]++)
        print "  " (ru ? "ок: " : "ok: ") fill(ok_text[$2])
}
