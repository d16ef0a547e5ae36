# fault-tally.awk — step 4's figures from its results, one row per target:
#   NAME KIND LABEL ERRNO RESULT WHY   (RESULT: loud, same, exception,
#                                       unreached or FAILED)
# Prints "tried passed loud same excepted eintr-tried eintr-retried
# eintr-loud failed unreached".
BEGIN { FS = "\t" }
$5 == "unreached" { unreached++; next }
$2 != "eintr" {
    tried++
    if ($5 != "FAILED") passed++
    if ($5 == "loud") loud++
    if ($5 == "same") same++
}
$2 == "eintr" { etried++; if ($5 == "same") eretried++; if ($5 == "loud") eloud++ }
$5 == "exception" { excepted++ }
$5 == "FAILED" { failed++ }
END {
    printf "%d %d %d %d %d %d %d %d %d %d\n", tried, passed, loud, same, excepted,
        etried, eretried, eloud, failed, unreached
}
