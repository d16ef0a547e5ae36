#!/usr/bin/env bats
# The benchmark bench/wakeup-cost (what `make bench` runs). Only relations that
# hold on any machine are asserted here, never a time: figures belong to
# `make bench`. One small run, made once for the whole file (setup_file), feeds
# most tests; a test that needs two usable CPUs carries the tag needs:2cpus,
# so that a runner can pick or leave it with `bats --filter-tags`.
# Kernel-independent: what the benchmark's output must hold is the same on every
# kernel (test-kernel leaves it out; lesson 18's file proves the wake-ups there).
# A second or more: run-tests starts it among the first.
# bats file_tags=kernel-independent,slow
# shellcheck disable=SC2030,SC2031  # each @test is a subshell of its own, so what it sets stays its own
load helper

MECHANISMS=(eventfd pipe socketpair futex semaphore)
# Small, complete runs: no time budget, so every measurement makes all its
# trips; two runs, so that the order of the mechanisms rotates once.
SMALL=(--round-trips 100 --warmup 20 --runs 2 --posts 2000 --budget 0)

setup_file() {
    local dir=$BATS_FILE_TMPDIR
    "$BUILD/bench/wakeup-cost" "${SMALL[@]}" --csv "$dir/run.csv" \
        </dev/null >"$dir/run.out" 2>"$dir/run.err" 3>&-
    echo $? >"$dir/run.status"
}

# The shared run: sets status, output, lines and stderr; CSV is its --csv file.
shared_run() {
    local dir=$BATS_FILE_TMPDIR
    status=$(<"$dir/run.status")
    output=$(<"$dir/run.out")
    stderr=$(<"$dir/run.err")
    mapfile -t lines <<<"$output"
    CSV=$dir/run.csv
    assert_equal "$status" 0
}

two_cpus() {
    [ "$(nproc)" -ge 2 ] || skip "this needs two usable CPUs; this process may use $(nproc)"
}

# Prints the round-trip row of MECHANISM in PLACEMENT ("same CPU", "different
# CPUs", "unpinned*") from $output, or fails.
row() {
    local placement=$1 mechanism=$2
    grep -E "^${placement//\*/\\*} +$mechanism +[0-9]+ +[0-9.]+ \[" <<<"$output" ||
        fail "no '$placement' row for $mechanism"
}

# csv_column FILE NAME [KIND]: the column NAME of every row (of kind KIND),
# found by the header's names.
csv_column() {
    awk -F, -v name="$2" -v kind="${3:-}" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i
                  if (!(name in col)) { print "no column " name > "/dev/stderr"; exit 1 }; next }
        kind == "" || $col["kind"] == kind { print $col[name] }' "$1"
}

# csv_rows FILE COLUMN...: the named columns of every row, by the header's names.
csv_rows() {
    local file=$1
    shift
    awk -F, -v want="$*" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i
                  n = split(want, w, " ")
                  for (i = 1; i <= n; i++) if (!(w[i] in col)) { print "no column " w[i] > "/dev/stderr"; exit 1 }
                  next }
        { line = ""; for (i = 1; i <= n; i++) line = line (i > 1 ? " " : "") $col[w[i]]; print line }' "$file"
}

@test "the first lines state the kernel, the CPU model, the CPU count and whether it is a virtual machine" {
    shared_run
    assert_equal "${lines[0]}" "kernel: $(uname -s) $(uname -r) $(uname -m) ($(uname -v))"
    model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    [ -z "$model" ] || assert_equal "${lines[1]}" "cpu: $model"
    [[ ${lines[2]} == "cpus: $(getconf _NPROCESSORS_ONLN) online, $(nproc) usable by this process:"* ]] ||
        fail "third line: ${lines[2]}"
    if grep -qw hypervisor /proc/cpuinfo; then
        assert_equal "${lines[3]}" "virtual machine: yes (/proc/cpuinfo has the 'hypervisor' flag)"
    else
        [[ ${lines[3]} == "virtual machine: no 'hypervisor' flag"* ||
           ${lines[3]} == "virtual machine: unknown"* ]] || fail "fourth line: ${lines[3]}"
    fi
}

# The round-trip rows of the table as "PLACEMENT MECHANISM TRIPS", the
# placement in one word (same-CPU, different-CPUs, unpinned*).
table_rows() {
    grep -E '^(same CPU|different CPUs|unpinned\*) +[a-z]+ +[0-9]+ +[0-9.]+ \[' <<<"$output" |
        sed 's/^same CPU/same-CPU/; s/^different CPUs/different-CPUs/' | awk '{ print $1, $2, $3 }'
}

# "PLACEMENT MECHANISM TRIPS" for each given placement and every mechanism.
expected_rows() {
    local trips=$1 placement mechanism
    shift
    for placement in "$@"; do
        for mechanism in "${MECHANISMS[@]}"; do
            echo "$placement $mechanism $trips"
        done
    done
}

# bats test_tags=needs:2cpus
@test "the table has a row for every mechanism in every placement, each with all its round trips, and every child is reaped" {
    two_cpus
    shared_run
    assert_equal "$(table_rows)" "$(expected_rows 200 same-CPU different-CPUs 'unpinned*')"
    [[ $output != *"skipped: only one CPU"* ]] || fail "a skip note with $(nproc) CPUs"
    grep -qE '^placements: same CPU = CPU [0-9]+; different CPUs = CPU [0-9]+ \(parent\) and CPU [0-9]+ \(child\);' <<<"$output" ||
        fail "no line naming the placements' CPUs"
    # 2 runs x 15 round-trip children, and 10 streaming children (two pinned placements).
    grep -qE '^parent [0-9]+: all 40 children exited with status 0 and were reaped$' <<<"$output" ||
        fail "not all 40 children were reaped: $(tail -n 1 <<<"$output")"
}

@test "with one usable CPU the different-CPUs rows are skipped with a note, and the rest remain" {
    command -v taskset >/dev/null || skip "taskset is not installed (util-linux)"
    cpu=$(awk '/^Cpus_allowed_list:/ { split($2, a, /[-,]/); print a[1] }' /proc/self/status)
    taskset -cp "$cpu" "$BASHPID" >/dev/null      # this test and what it starts
    run_lesson bench/wakeup-cost --round-trips 100 --warmup 0 --runs 1 --posts 100 --budget 0
    assert_success
    assert_equal "$(table_rows)" "$(expected_rows 100 same-CPU 'unpinned*')"
    assert_equal "$(grep -c 'skipped: only one CPU is usable here' <<<"$output")" 3
    grep -qE "^cpus: [0-9]+ online, 1 usable by this process: $cpu\$" <<<"$output" ||
        fail "no line saying one CPU is usable: ${lines[2]}"
    grep -qE '^different CPUs +skipped: only one CPU is usable here$' <<<"$output" ||
        fail "no skip note in the table"
    grep -qE '^parent [0-9]+: all 15 children exited with status 0 and were reaped$' <<<"$output" ||
        fail "not all 15 children were reaped: $(tail -n 1 <<<"$output")"
}

@test "every streaming reader sums exactly the N posts it was sent" {
    shared_run
    streams=$(grep -E '^(same CPU|different CPUs) +[a-z]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+  ' <<<"$output")
    [ "$(wc -l <<<"$streams")" -eq $(( $(nproc) >= 2 ? 10 : 5 )) ] || fail "streaming rows: $streams"
    while read -r _ _ mechanism sum _; do
        [ "$sum" = 2000 ] || fail "$mechanism summed $sum, not 2000"
    done < <(sed 's/^same CPU/same-CPU x/; s/^different CPUs/different-CPUs x/' <<<"$streams")
    assert_equal "$(csv_column "$CSV" sum stream | sort -u)" 2000
}

@test "each streaming row's posts per read is its sum over its reads, and its reads lie between 1 and the sum" {
    shared_run
    run csv_rows "$CSV" kind mechanism placement sum reads posts_per_read
    assert_success
    bad=$(awk '$1 == "stream" { n++
               if (!($5 >= 1 && $5 <= $4) || $6 != sprintf("%.2f", $4 / $5)) print }
               END { if (!n) print "no stream rows" }' <<<"$output")
    assert_equal "$bad" ""
}

@test "every round trip row keeps its figures in order: min <= median <= p99, and min <= mean" {
    shared_run
    run csv_rows "$CSV" kind mechanism placement min_us median_us p99_us mean_us
    assert_success
    bad=$(awk '$1 == "roundtrip" { n++; if (!($4 > 0 && $4 <= $5 && $5 <= $6 && $4 <= $7)) print }
               END { if (!n) print "no round trip rows" }' <<<"$output")
    assert_equal "$bad" ""
}

@test "the table's median is the median of the run medians the CSV gives for the same row" {
    shared_run
    # the CSV keeps 3 decimals of µs, the table 2: they agree within 0.01
    bad=$(csv_rows "$CSV" kind mechanism placement median_us | awk '
        $1 == "roundtrip" && $3 == "same-cpu" { v[$2, ++n[$2]] = $4; next }
        $1 == "same" && $2 == "CPU" && $3 in n && $6 ~ /^\[/ {
            k = n[$3]
            for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
                if (v[$3, j] < v[$3, i]) { t = v[$3, i]; v[$3, i] = v[$3, j]; v[$3, j] = t }
            m = k % 2 ? v[$3, (k + 1) / 2] : (v[$3, k / 2] + v[$3, k / 2 + 1]) / 2
            seen++
            if ($5 - m > 0.011 || m - $5 > 0.011) print $3 ": table " $5 ", CSV " m
        }
        END { if (seen != 5) print seen + 0 " same-CPU rows compared, not 5" }' - <(printf '%s\n' "$output"))
    assert_equal "$bad" ""
}

# bats test_tags=needs:2cpus
@test "--csv writes a header naming every column, then one row per run, placement and mechanism in an order that rotates each run" {
    two_cpus
    shared_run
    mapfile -t rows <"$CSV"
    assert_equal "${rows[0]}" "kind,run,position,mechanism,placement,parent_cpu,child_cpu,warmup,count,median_us,p99_us,min_us,mean_us,sum,reads,posts_per_read,posts_per_s,cpu_dma_latency_us"
    # 2 runs x 3 placements x 5 mechanisms, and 2 pinned placements x 5 streams
    assert_equal "${#rows[@]}" 41
    assert_equal "$(csv_column "$CSV" count roundtrip | sort -u)" 100
    assert_equal "$(csv_column "$CSV" warmup roundtrip | sort -u)" 20
    assert_equal "$(csv_rows "$CSV" kind run mechanism placement | awk '$1 == "roundtrip"' | sort -u | wc -l)" 30
    assert_equal "$(csv_rows "$CSV" kind placement | awk '$1 == "stream"' | sort | uniq -c | awk '{ print $1, $3 }' | tr '\n' ' ')" \
        "5 different-cpus 5 same-cpu "
    # idle states were not held off: the last column is empty in every row
    assert_equal "$(csv_column "$CSV" cpu_dma_latency_us | sort -u)" ""
    # the CPUs: the same one twice on one CPU, two different ones across CPUs, none unpinned
    csv_rows "$CSV" kind placement parent_cpu child_cpu | awk '$1 == "roundtrip"' | while read -r _ placement parent child; do
        case $placement in
            same-cpu) [[ $parent =~ ^[0-9]+$ && $parent == "$child" ]] || fail "same-cpu on $parent and $child" ;;
            different-cpus) [[ $parent =~ ^[0-9]+$ && $child =~ ^[0-9]+$ && $parent != "$child" ]] ||
                                fail "different-cpus on $parent and $child" ;;
            unpinned) [ -z "$parent$child" ] || fail "unpinned on $parent and $child" ;;
        esac
    done
    # position 1..5 in each run: run 1 starts with eventfd, run 2 with pipe
    order() {
        csv_rows "$CSV" kind run placement position mechanism |
            awk -v r="$1" '$1 == "roundtrip" && $2 == r && $3 == "same-cpu"' | sort -k4n |
            awk '{ printf "%s ", $5 }'
    }
    assert_equal "$(order 1)" "eventfd pipe socketpair futex semaphore "
    assert_equal "$(order 2)" "pipe socketpair futex semaphore eventfd "
}

@test "--budget ends a measurement early, and the table shows the round trips it made" {
    run_lesson bench/wakeup-cost --mechanism pipe --placement same-cpu --runs 1 --posts 1 \
        --round-trips 1000000 --warmup 0 --budget 1
    assert_success
    read -r _ _ _ trips _ <<<"$(row "same CPU" pipe)"
    [ "$trips" -ge 1 ] && [ "$trips" -lt 1000000 ] || fail "$trips round trips in 1 ms"
    assert_line "--budget 1 ms: 1 of 1 measurements stopped before 1000000 round trips; their rows show fewer trips."
}

@test "with --pause the benchmark stops once the eventfd channels exist: both counts 0, no child yet" {
    start_paused bench/wakeup-cost --round-trips 100 --warmup 0 --runs 1 --posts 10 --placement same-cpu
    next_checkpoint channels-created
    assert_count 0
    assert_equal "$(children_of "$CP_PID")" ""
    [[ ${OUT_LINES[-3]} =~ fd\ ([0-9]+)\ \(parent\ to\ child\)\ and\ fd\ ([0-9]+)\ \(child\ to\ parent\) ]] ||
        fail "no line naming the channels: ${OUT_LINES[-3]}"
    assert_equal "${BASH_REMATCH[1]}" "$CP_FD"
    assert_equal "$(count_hex "$CP_PID" "${BASH_REMATCH[2]}")" 0
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^parent [0-9]+: all 10 children exited with status 0 and were reaped$'
}

# The kernel's own view of the request: reading /dev/cpu_dma_latency returns
# the limit in force, the smallest of all open requests (a 4-byte int, µs).
latency_in_force() {
    od -An -td4 -N4 /dev/cpu_dma_latency | tr -d ' '
}

writable_cpu_dma_latency() {
    [ -e /dev/cpu_dma_latency ] || skip "this kernel has no /dev/cpu_dma_latency (CONFIG_CPU_IDLE or PM QoS absent)"
    if [ ! -w /dev/cpu_dma_latency ] || [ ! -r /dev/cpu_dma_latency ]; then
        skip "/dev/cpu_dma_latency is for root only; run the tests as root"
    fi
}

@test "without --cpu-dma-latency the benchmark says idle states are allowed and names the cpuidle driver" {
    shared_run
    driver=$(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null) || driver=none
    assert_line "idle states: allowed: a wake-up sent to an idle CPU waits until it leaves its idle state"
    assert_line --regexp "^  \(cpuidle driver ${driver//./\\.}, governor [^;]+; --cpu-dma-latency 0 holds them off\)$"
}

@test "--cpu-dma-latency 0 holds the kernel's idle-exit limit at 0 µs while the benchmark runs, lets it go at exit, and the CSV says so" {
    writable_cpu_dma_latency
    before=$(latency_in_force)
    [ "$before" -gt 0 ] || skip "something else already holds /dev/cpu_dma_latency at $before µs"
    start_paused bench/wakeup-cost --cpu-dma-latency 0 --round-trips 100 --warmup 0 --runs 1 --posts 10 \
        --placement same-cpu --csv "$BATS_TEST_TMPDIR/held.csv"
    next_checkpoint channels-created
    assert_equal "$(latency_in_force)" 0
    # the benchmark holds the request on a descriptor of its own
    assert_equal "$(find "/proc/$CP_PID/fd" -lname /dev/cpu_dma_latency | wc -l)" 1
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^idle states: held off: --cpu-dma-latency 0 asks that no CPU enter an idle state taking longer$'
    assert_line --regexp '^  to leave; /dev/cpu_dma_latency reads 0 µs in force \(cpuidle driver [^,]+, governor [^)]+\)$'
    assert_equal "$(latency_in_force)" "$before"
    # the CSV gives the limit held in every row: 5 round trips and 5 streams
    assert_equal "$(csv_column "$BATS_TEST_TMPDIR/held.csv" cpu_dma_latency_us | sort | uniq -c | awk '{ print $1, $2 }')" "10 0"
}

@test "without write access to /dev/cpu_dma_latency, --cpu-dma-latency fails naming the open, with status 1" {
    [ -e /dev/cpu_dma_latency ] || skip "this kernel has no /dev/cpu_dma_latency"
    [ "$(id -u)" -eq 0 ] || skip "needs root to run the benchmark as an unprivileged user"
    command -v setpriv >/dev/null || skip "setpriv is not installed (util-linux)"
    # A copy that user 65534 can reach, wherever this checkout lives.
    local dir
    dir=$(mktemp -d /tmp/wakeup-cost.XXXXXX)
    chmod 755 "$dir"
    cp "$BUILD/bench/wakeup-cost" "$dir/"
    run -1 --separate-stderr timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$dir/wakeup-cost" --cpu-dma-latency 0 --runs 1 --round-trips 100 --posts 1
    rm -r "$dir"
    assert_equal "$status" 1
    assert_equal "$stderr" "wakeup-cost: open /dev/cpu_dma_latency: Permission denied"
    assert_output ""
}

# bats test_tags=kernel-independent
@test "bad input is refused with the usage and exit status 2" {
    local args
    for args in --bogus "--round-trips abc" "--round-trips 99" "--runs 100" "--mechanism pip" \
            "--placement anywhere" "--warmup extra" "--cpu-dma-latency -1" \
            "--cpu-dma-latency 2000000001" --csv "--runs 1 extra"; do
        # shellcheck disable=SC2086  # the splitting is the point
        run --separate-stderr "$BUILD/bench/wakeup-cost" $args
        [ "$status" -eq 2 ] && [[ $stderr == *"usage: wakeup-cost"* ]] && [ -z "$output" ] ||
            fail "'$args': status $status, stdout '$output', stderr '$stderr'"
    done
    run --separate-stderr "$BUILD/bench/wakeup-cost" --csv ""
    assert_equal "$status" 2
    assert_equal "${stderr%%$'\n'*}" "wakeup-cost: --csv needs a file name"
}
