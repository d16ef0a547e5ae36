# 1-build.sh — check step 1: gcc and clang builds with -Werror -O2; cppcheck,
# clang-tidy and shellcheck with 0 findings. Sourced by scripts/prove/check.
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # names[], tools[] and VERDICT are read, and
# run_status, tap_* and the settings are set, by check and common.sh

names[1]="build"
tools[1]="gcc:gcc clang:clang cppcheck:cppcheck clang-tidy:clang-tidy shellcheck:shellcheck"

# cppcheck: every severity except "information"; check.d/cppcheck.cfg tells it
# that die() and usage_error() do not return. Not redundantContinue: in
# "while (read(...) == -1 && errno == EINTR) continue;" the continue is the
# readable way to say the loop's work is all in its condition.
# shellcheck disable=SC2054  # the commas are cppcheck's
CPPCHECK_ARGS=(--enable=warning,style,performance,portability --std=c11
    -D_GNU_SOURCE -Icommon --library="$CHECK_D/cppcheck.cfg" --inline-suppr
    --suppress=missingIncludeSystem --suppress=redundantContinue --quiet
    # a starter's TODO leaves a condition that cannot yet be true
    --suppress='knownConditionTrueFalse:exercises/*/starter.c'
    "--template={file}:{line}: {severity}: {message} [{id}]")
# clang-tidy: the static analyzer and the bug-prone patterns, minus
#  - clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling:
#    asks for C11 Annex K (snprintf_s), which glibc does not have;
#  - clang-analyzer-valist.Uninitialized: false positive on every
#    va_start/vprintf pair with clang 14 (llvm/llvm-project#40656, fixed later);
#  - clang-analyzer-optin.performance.Padding: a layout hint, and a program
#    that measures pads its structs on purpose (cache lines, no false sharing);
#  - bugprone-easily-swappable-parameters: style (two ints side by side), and
#    the lessons' signatures follow the system calls they wrap.
TIDY_CHECKS='-*,clang-analyzer-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-valist.Uninitialized,-clang-analyzer-optin.performance.Padding,bugprone-*,-bugprone-easily-swappable-parameters'

# Every shell script of the course: the learner's tools, the machinery, the
# tests' helpers, CI's entry and the Bats files. .shellcheckrc at the top holds the settings.
shell_scripts() {
    local f
    for f in scripts/* scripts/*.d/* scripts/prove/* scripts/prove/*.d/* bench/* tests/*.bash tests/*.bats .ci/*; do
        [ -f "$f" ] || continue
        case $f in
            *.sh | *.bash | *.bats) printf '%s\n' "$f" ;;
            *) head -n 1 "$f" | grep -qE '^#!.*[/ ](ba)?sh( |$)' && printf '%s\n' "$f" ;;
        esac
    done
}

step_1() {
    local cc n ok=1 figure=() built findings sources status
    # At -O2, not the Makefile's -Og: some warnings (-Wmaybe-uninitialized,
    # -Wstringop-overflow) come only from the optimiser's passes; make test
    # builds at -Og.
    for cc in gcc clang; do
        if build "$W/$cc" "$cc" "$DEFAULT_CFLAGS -O2"; then
            n=$(find "$W/$cc" -type f -perm -u+x | wc -l)
            if grep -q 'warning:' "$W/$cc.log"; then
                ok=0; echo "  $cc: warnings:"; excerpt "$W/$cc.log" 20
            fi
            figure+=("$cc -Werror -O2 $n programs")
        else
            ok=0; figure+=("$cc FAILED")
            echo "  $cc -Werror build failed:"; excerpt "$W/$cc.log" 30
        fi
    done
    sources=(demos/*.c common/course.c)
    compgen -G 'demos/helpers/*.c' >/dev/null && sources+=(demos/helpers/*.c)
    compgen -G 'bench/*.c' >/dev/null && sources+=(bench/*.c)
    # The homework's starters and reference solutions: code a learner copies
    # too. Alone, with the flags check-exercise compiles them with.
    local homework=() file
    compgen -G 'exercises/*/starter.c' >/dev/null && homework+=(exercises/*/starter.c)
    compgen -G 'exercises/solutions/*.c' >/dev/null && homework+=(exercises/solutions/*.c)
    for cc in gcc clang; do
        n=0
        for file in "${homework[@]}"; do
            if "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -D_GNU_SOURCE -fsyntax-only "$file" \
                    >>"$LOGS/homework-$cc.log" 2>&1; then
                n=$((n + 1))
            else
                ok=0; echo "  $cc -Werror: $file does not compile:"; excerpt "$LOGS/homework-$cc.log" 10
            fi
        done
        figure+=("$cc -Werror $n homework files")
    done
    sources+=("${homework[@]}")
    built=$(printf '%s, ' "${figure[@]}")
    cppcheck "${CPPCHECK_ARGS[@]}" "${sources[@]}" >"$LOGS/cppcheck.log" 2>&1
    status=$?
    findings=$(grep -cE ': (error|warning|style|performance|portability): ' "$LOGS/cppcheck.log")
    if [ "$status" -ne 0 ] && [ "$findings" -eq 0 ]; then
        ok=0; findings="?"; echo "  cppcheck did not run (status $status):"; excerpt "$LOGS/cppcheck.log"
    elif [ "$findings" -ne 0 ]; then
        ok=0; echo "  cppcheck:"; grep -E ': (error|warning|style|performance|portability): ' \
            "$LOGS/cppcheck.log" | sed 's/^/    /'
    fi
    local tidy
    clang-tidy --quiet -checks="$TIDY_CHECKS" "${sources[@]}" -- -std=c11 -D_GNU_SOURCE -Icommon \
        >"$LOGS/clang-tidy.log" 2>&1
    tidy=$(grep -cE ': (warning|error): ' "$LOGS/clang-tidy.log")
    if [ "$tidy" -ne 0 ]; then
        ok=0; echo "  clang-tidy:"; grep -E ': (warning|error): ' "$LOGS/clang-tidy.log" |
            sed "s|^$TOP/||; s/^/    /"
    fi

    local scripts=() shell
    mapfile -t scripts < <(shell_scripts)
    # Each file's shell is its shebang, its "# shellcheck shell=" line or its
    # name (.bash, .bats: shellcheck knows Bats' @test).
    shellcheck -f gcc "${scripts[@]}" >"$LOGS/shellcheck.log" 2>&1
    status=$?
    shell=$(grep -cE ': (error|warning|note|style): ' "$LOGS/shellcheck.log")
    if [ "$status" -ne 0 ] && [ "$shell" -eq 0 ]; then
        ok=0; shell="?"; echo "  shellcheck did not run (status $status):"; excerpt "$LOGS/shellcheck.log"
    elif [ "$shell" -ne 0 ]; then
        ok=0; echo "  shellcheck:"; sed 's/^/    /' "$LOGS/shellcheck.log"
    fi
    VERDICT="${built%, }; cppcheck $findings findings, clang-tidy $tidy findings in ${#sources[@]} files"
    VERDICT+="; shellcheck $shell findings in ${#scripts[@]} scripts"
    [ $ok = 1 ]
}
