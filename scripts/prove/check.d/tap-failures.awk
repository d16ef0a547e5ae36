# tap-failures.awk — the failed tests in `bats --tap` output, one
# "FILE<TAB>TEST NAME" line each; FILE comes from the "# (in test file ...)"
# line Bats prints under a failure.
/^not ok [0-9]+ / { name = $0; sub(/^not ok [0-9]+ /, "", name); next }
name != "" && /^# \(in test file / {
    file = $0
    sub(/^# \(in test file /, "", file)
    sub(/, line.*/, "", file)
    printf "%s\t%s\n", file, name
    name = ""
}
