#!/usr/bin/env bats
# Lesson 18: what a wake-up costs. Only relations that hold on any machine are
# asserted here, never a time: figures belong to `make bench`.
load helper
# test-kernel: needs 2 CPUs (scripts/prove/test-kernel runs this file in a two-CPU guest)

MECHANISMS=(eventfd pipe socketpair futex semaphore)
# Small, complete runs: no time budget, so every measurement makes all its trips.
SMALL=(--round-trips 300 --warmup 50 --runs 1 --posts 5000 --budget 0)

# One small run in table form, made by the first test that needs it and
# shared by the others (sets status, output, lines and stderr).
small_table() {
    local cache=$BATS_FILE_TMPDIR/table
    if [ ! -f "$cache.status" ]; then
        run_lesson 18-wakeup-cost "${SMALL[@]}"
        printf '%s\n' "$output" >"$cache.out"
        printf '%s\n' "$stderr" >"$cache.err"
        echo "$status" >"$cache.status"
    fi
    status=$(<"$cache.status")
    output=$(<"$cache.out")
    stderr=$(<"$cache.err")
    mapfile -t lines <<<"$output"
}

two_cpus() {
    [ "$(nproc)" -ge 2 ] || skip "this needs two usable CPUs; this machine gives $(nproc)"
}

# Prints the round-trip row of MECHANISM in PLACEMENT ("same CPU", "different
# CPUs", "unpinned*") from $output, or fails.
row() {
    local placement=$1 mechanism=$2
    grep -E "^${placement//\*/\\*} +$mechanism +[0-9]+ +[0-9.]+ \[" <<<"$output" ||
        fail "no '$placement' row for $mechanism"
}

@test "the first lines state the kernel, the CPU model, the CPU count and whether it is a virtual machine" {
    small_table
    assert_equal "$status" 0
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

@test "the table has a row for every mechanism in every placement, and no skip note with two CPUs" {
    two_cpus
    small_table
    for placement in "same CPU" "different CPUs" "unpinned*"; do
        for mechanism in "${MECHANISMS[@]}"; do
            row "$placement" "$mechanism" >/dev/null
        done
    done
    refute_line --partial "skipped: only one CPU"
    assert_line --regexp '^placements: same CPU = CPU [0-9]+; different CPUs = CPU [0-9]+ \(parent\) and CPU [0-9]+ \(child\);'
}

@test "every mechanism completes all its round trips in every placement, and every child is reaped" {
    two_cpus
    small_table
    assert_equal "$status" 0
    for placement in "same CPU" "different CPUs" "unpinned*"; do
        for mechanism in "${MECHANISMS[@]}"; do
            read -r _ _ _ trips _ <<<"$(row "$placement" "$mechanism" | sed 's/^unpinned\*/unpinned* x/')"
            [ "$trips" = 300 ] || fail "$placement $mechanism made $trips round trips, not 300"
        done
    done
    # 15 round-trip children and 10 streaming children (two pinned placements).
    assert_line --regexp '^parent [0-9]+: all 25 children exited with status 0 and were reaped$'
}

@test "with one usable CPU the different-CPUs rows are skipped with a note, and the rest remain" {
    command -v taskset >/dev/null || skip "taskset is not installed (util-linux)"
    cpu=$(awk '/^Cpus_allowed_list:/ { split($2, a, /[-,]/); print a[1] }' /proc/self/status)
    taskset -cp "$cpu" "$BASHPID" >/dev/null      # this test and what it starts
    run_lesson 18-wakeup-cost "${SMALL[@]}"
    assert_success
    assert_line --regexp "^cpus: [0-9]+ online, 1 usable by this process: $cpu$"
    assert_line --partial "different CPUs skipped: only one CPU is usable here"
    assert_line --regexp '^different CPUs +skipped: only one CPU is usable here$'
    for mechanism in "${MECHANISMS[@]}"; do
        row "same CPU" "$mechanism" >/dev/null
        row "unpinned*" "$mechanism" >/dev/null
        refute_line --regexp "^different CPUs +$mechanism "
    done
    assert_line --regexp '^parent [0-9]+: all 15 children exited with status 0 and were reaped$'
}

@test "every streaming reader sums exactly the N posts it was sent" {
    small_table
    streams=$(grep -E '^(same CPU|different CPUs) +[a-z]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+  ' <<<"$output")
    [ "$(wc -l <<<"$streams")" -eq $(( $(nproc) >= 2 ? 10 : 5 )) ] || fail "streaming rows: $streams"
    while read -r _ _ mechanism sum _; do
        [ "$sum" = 5000 ] || fail "$mechanism summed $sum, not 5000"
    done < <(sed 's/^same CPU/same-CPU x/; s/^different CPUs/different-CPUs x/' <<<"$streams")
}

@test "a read takes one post or more (eventfd, pipe, socket, futex); a sem_wait takes exactly one" {
    small_table
    while read -r _ _ mechanism sum _ reads per_read _; do
        [ "$reads" -ge 1 ] && [ "$reads" -le "$sum" ] || fail "$mechanism: $reads reads for $sum posts"
        awk -v r="$per_read" 'BEGIN { exit !(r >= 1) }' || fail "$mechanism: $per_read posts per read"
        if [ "$mechanism" = semaphore ]; then
            assert_equal "$reads" "$sum"
            assert_equal "$per_read" 1.00
        fi
    done < <(grep -E '^(same CPU|different CPUs) +[a-z]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+  ' <<<"$output" |
             sed 's/^same CPU/same-CPU x/; s/^different CPUs/different-CPUs x/')
}

@test "--format=csv prints a header, then one row per run, placement and mechanism in an order that rotates each run" {
    two_cpus
    run_lesson 18-wakeup-cost --format=csv --round-trips 100 --warmup 0 --runs 2 --posts 1000 --budget 0
    assert_success
    assert_equal "${lines[0]}" "kind,run,position,mechanism,placement,warmup,count,median_us,p99_us,min_us,mean_us,sum,reads,posts_per_read,posts_per_s,cpu_dma_latency_us"
    assert_equal "${#lines[@]}" 41
    # 2 runs x 3 placements x 5 mechanisms, each once, each with all 100 round
    # trips; the last column is empty: idle states were not held off
    assert_equal "$(grep -cE '^roundtrip,[12],[1-5],[a-z]+,(same-cpu|different-cpus|unpinned),0,100,([0-9.]+,){4},,,,$' <<<"$output")" 30
    assert_equal "$(awk -F, '$1 == "roundtrip" { print $2, $4, $5 }' <<<"$output" | sort -u | wc -l)" 30
    # 2 pinned placements x 5 mechanisms
    assert_equal "$(grep -cE '^stream,1,[1-5],[a-z]+,(same-cpu|different-cpus),,1000,,,,,1000,[0-9]+,[0-9.]+,[0-9]+,$' <<<"$output")" 10
    # position 1..5 in each run: run 1 starts with eventfd, run 2 with pipe
    assert_equal "$(awk -F, '$1 == "roundtrip" && $2 == 1 && $5 == "same-cpu" { printf "%s ", $4 }' <<<"$output")" \
        "eventfd pipe socketpair futex semaphore "
    assert_equal "$(awk -F, '$1 == "roundtrip" && $2 == 2 && $5 == "same-cpu" { printf "%s ", $4 }' <<<"$output")" \
        "pipe socketpair futex semaphore eventfd "
}

@test "--budget ends a measurement early, and the table shows the round trips it made" {
    run_lesson 18-wakeup-cost --mechanism pipe --placement same-cpu --runs 1 --posts 1 \
        --round-trips 1000000 --warmup 0 --budget 1
    assert_success
    read -r _ _ _ trips _ <<<"$(row "same CPU" pipe)"
    [ "$trips" -ge 1 ] && [ "$trips" -lt 1000000 ] || fail "$trips round trips in 1 ms"
    assert_line "--budget 1 ms: 1 of 1 measurements stopped before 1000000 round trips; their rows show fewer trips."
}

@test "with --pause the lesson stops once the eventfd channels exist: both counts 0, no child yet" {
    start_paused 18-wakeup-cost --round-trips 100 --warmup 0 --runs 1 --posts 10 --placement same-cpu
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
    [ -w /dev/cpu_dma_latency ] && [ -r /dev/cpu_dma_latency ] ||
        skip "/dev/cpu_dma_latency is for root only; run the tests as root"
}

@test "without --cpu-dma-latency the lesson says idle states are allowed and names the cpuidle driver" {
    small_table
    driver=$(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null) || driver=none
    assert_line "idle states: allowed: a wake-up sent to an idle CPU waits until it leaves its idle state"
    assert_line --regexp "^  \(cpuidle driver ${driver//./\\.}, governor [^;]+; --cpu-dma-latency 0 holds them off\)$"
}

@test "--cpu-dma-latency 0 holds the kernel's idle-exit limit at 0 µs while the lesson runs, and lets it go at exit" {
    writable_cpu_dma_latency
    before=$(latency_in_force)
    [ "$before" -gt 0 ] || skip "something else already holds /dev/cpu_dma_latency at $before µs"
    start_paused 18-wakeup-cost --cpu-dma-latency 0 --round-trips 100 --warmup 0 --runs 1 --posts 10 \
        --placement different-cpus
    next_checkpoint channels-created
    assert_equal "$(latency_in_force)" 0
    # the lesson holds the request on a descriptor of its own
    assert_equal "$(find "/proc/$CP_PID/fd" -lname /dev/cpu_dma_latency | wc -l)" 1
    resume
    finish_lesson
    assert_success
    assert_line --regexp '^idle states: held off: --cpu-dma-latency 0 asks that no CPU enter an idle state taking longer$'
    assert_line --regexp '^  to leave; /dev/cpu_dma_latency reads 0 µs in force \(cpuidle driver [^,]+, governor [^)]+\)$'
    assert_equal "$(latency_in_force)" "$before"
}

@test "--format=csv puts the held limit in the last column of every row" {
    writable_cpu_dma_latency
    run_lesson 18-wakeup-cost --format=csv --cpu-dma-latency 5 --round-trips 100 --warmup 0 --runs 1 \
        --posts 100 --budget 0 --placement same-cpu
    assert_success
    assert_equal "$(grep -c '^roundtrip,.*,5$' <<<"$output")" 5
    assert_equal "$(grep -c '^stream,.*,5$' <<<"$output")" 5
}

@test "without write access to /dev/cpu_dma_latency, --cpu-dma-latency fails naming the open, with status 1" {
    [ -e /dev/cpu_dma_latency ] || skip "this kernel has no /dev/cpu_dma_latency"
    [ "$(id -u)" -eq 0 ] || skip "needs root to run the lesson as an unprivileged user"
    command -v setpriv >/dev/null || skip "setpriv is not installed (util-linux)"
    # A copy that user 65534 can reach, wherever this checkout lives.
    local dir
    dir=$(mktemp -d /tmp/18-wakeup-cost.XXXXXX)
    chmod 755 "$dir"
    cp "$BUILD/18-wakeup-cost" "$dir/"
    run -1 --separate-stderr timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$dir/18-wakeup-cost" --cpu-dma-latency 0 --runs 1 --round-trips 100 --posts 1
    rm -r "$dir"
    assert_equal "$status" 1
    assert_equal "$stderr" "18-wakeup-cost: open /dev/cpu_dma_latency: Permission denied"
    assert_output ""
}

@test "bad input is refused with the usage and exit status 2" {
    assert_bad_input_refused 18-wakeup-cost --bogus "--round-trips abc" "--round-trips -1" "--round-trips 99" "--runs 100" \
            --format=xml "--mechanism pip" "--placement anywhere" --warmup extra \
            "--cpu-dma-latency -1" "--cpu-dma-latency 2000000001" --cpu-dma-latency
}
