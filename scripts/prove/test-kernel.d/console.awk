# console.awk — the skips and failures in a guest's console, each with the
# test file it came from: "skip<TAB>FILE: TEST # skip REASON" and
# "fail<TAB>FILE: TEST" lines.
# usage: awk -f console.awk RANGES CONSOLE
# RANGES has a line "FIRST LAST FILE" for each file of the guest's one run of
# run-tests: Bats numbers the tests of the files one after another.
FILENAME == ARGV[1] { first[++files] = $1; last[files] = $2; name[files] = substr($0, index($0, $3)); next }
function file_of(number,   i) {
    for (i = 1; i <= files; i++)
        if (number >= first[i] && number <= last[i])
            return name[i] ": "
    return ""
}
/^ok [0-9]+ .* # skip/ { number = $2; sub(/^ok [0-9]+ /, ""); print "skip\t" file_of(number) $0; next }
/^not ok [0-9]+ / { number = $3; sub(/^not ok [0-9]+ /, ""); print "fail\t" file_of(number) $0 }
