# unreaped.awk — the children in a run's records (trace.awk's output) that
# were created but never reaped by a wait: an orphan or a zombie. Prints
# their pids on one line, space separated. A thread (field 7 is 1: a clone
# with CLONE_THREAD) is joined, never reaped with a wait, and is left out.
BEGIN { FS = "\t" }
$2 ~ /^(clone|clone3|fork|vfork)$/ && $4 ~ /^[0-9]+$/ && $7 != 1 { made[$4] = 1 }
$2 ~ /^(wait4|waitid)$/ && $4 ~ /^[0-9]+$/ { delete made[$4] }
END { for (p in made) printf "%s ", p }
