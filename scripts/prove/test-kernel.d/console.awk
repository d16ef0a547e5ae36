# console.awk — the skips and failures in a guest's console, each with the
# test file it came from (guest-run prints "test-kernel: file FILE" before
# each run of run-tests): "skip<TAB>FILE: TEST # skip REASON" and
# "fail<TAB>FILE: TEST" lines.
/^test-kernel: file / { file = substr($0, 19) ": "; next }
/^ok [0-9]+ .* # skip/ { sub(/^ok [0-9]+ /, ""); print "skip\t" file $0; next }
/^not ok [0-9]+ / { sub(/^not ok [0-9]+ /, ""); print "fail\t" file $0 }
