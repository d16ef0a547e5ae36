# 6-bad-input.sh — check step 6: bad command lines for every lesson and script
# end in exit 2 and the usage on stderr, never a crash, a hang or output on
# stdout. Sourced by scripts/prove/check.
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # names[], tools[] and VERDICT are read, and
# run_status, tap_* and the settings are set, by check and common.sh

names[6]="bad input"
tools[6]="gcc:gcc"

# The bad command lines for program $1, one a line, words separated by \x1f,
# from its --list-options: the same bad words for every program, one operand
# more than it takes (200 for "many"), and a missing or bad value for each
# option that takes one. The line "too-many" comes before the case it names.
bad_cases() {
    local kind name has_arg max=0 opt word too_many=1 i
    printf '%s\n' --no-such-option "" abc -1 18446744073709551616 0x
    while read -r kind name has_arg; do
        case $kind in
            operands) max=$has_arg ;;
            option)
                opt=--$name
                case $has_arg in
                    required)
                        printf '%s\n' "$opt"
                        for word in "" abc -1 18446744073709551616 0x; do printf '%s\x1f%s\n' "$opt" "$word"; done ;;
                    optional)
                        for word in "" abc -1 18446744073709551616 0x; do printf '%s=%s\n' "$opt" "$word"; done ;;
                esac ;;
        esac
    done < <(program_options "$1")
    [ "$max" = many ] && max=200
    for ((i = 0; i < max; i++)); do too_many+=$'\x1f'1; done
    printf 'too-many\n%s\n' "$too_many"
}

step_6() {
    local ok=1 tried=0 passed=0 programs=0 excepted=0 bin name c argv label case_id why next_too_many
    if ! build_sanitized; then
        echo "  the sanitized build failed:"; excerpt "$SAN_TREE/build.log" 30
        VERDICT="the ASan+UBSan build failed"; return 1
    fi
    local list=()
    mapfile -t list < <(lessons_in "$SAN_TREE/build")
    for name in efd-ls efd-watch tour; do
        [ -x "$SAN_TREE/scripts/$name" ] && list+=("$SAN_TREE/scripts/$name")
    done
    local d=$LOGS/bad-input
    mkdir -p "$d/sanitizer"
    for bin in "${list[@]}"; do
        name=$(basename "$bin")
        programs=$((programs + 1))
        # A program that cannot list its options would have its cases left
        # out without a word: that is a failure of its own.
        if ! program_options "$bin" >/dev/null; then
            ok=0; tried=$((tried + 1))
            echo "  $name --list-options: no list of options and operands (see check.d/common.sh)"
            continue
        fi
        next_too_many=0
        while IFS= read -r c; do
            if [ "$c" = too-many ]; then next_too_many=1; continue; fi
            argv=()
            IFS=$'\x1f' read -r -a argv <<<"$c"
            [ -z "$c" ] && argv=("")
            [[ $c == *$'\x1f' ]] && argv+=("")
            label=$(printf "'%s' " "${argv[@]}")
            label=${label% }
            case_id=${argv[*]}
            if [ "$next_too_many" = 1 ]; then
                label="${#argv[@]} operands (too many)"; case_id=too-many
            fi
            tried=$((tried + 1))
            ASAN_OPTIONS=${ASAN_OPTIONS//$W\/sanitizer/$d\/sanitizer} \
            UBSAN_OPTIONS=${UBSAN_OPTIONS//$W\/sanitizer/$d\/sanitizer} \
                run_session 20 "$d/out" "$d/err" /dev/null "$bin" "${argv[@]}"
            printf '%s %s: exit %s\n' "$name" "$label" "$run_status" >>"$d/cases.log"
            why=''
            if [ "$run_status" -eq 124 ] || [ "$run_status" -eq 137 ]; then why="hung"
            elif [ "$run_status" -gt 128 ]; then why="killed by signal $((run_status - 128))"
            elif [ "$run_status" -ne 2 ]; then why="exit status $run_status"
            elif ! grep -q 'usage' "$d/err"; then why="no usage on stderr"
            elif [ -s "$d/out" ]; then why="wrote to stdout"
            elif [ -n "$run_left" ]; then why="left processes: $run_left"
            elif [ -n "$(find "$d/sanitizer" -type f)" ]; then
                why="sanitizer report: $(find "$d/sanitizer" -type f | head -n 1)"
            fi
            if [ -z "$why" ]; then
                passed=$((passed + 1))
            elif is_exception 6 "$name" "$case_id"; then
                passed=$((passed + 1)) excepted=$((excepted + 1))
            else
                ok=0
                echo "  $name $label: $why"
                excerpt "$d/err" 3
                cp "$d/err" "$d/$name.$tried.err" 2>/dev/null
            fi
        done < <(bad_cases "$bin")
    done
    VERDICT="$passed/$tried bad command lines refused with exit 2 and the usage ($programs programs, ASan+UBSan build"
    [ "$excepted" -eq 0 ] || VERDICT+=", $excepted listed exceptions"
    VERDICT+=")"
    [ $ok = 1 ]
}
