#!/usr/bin/env bats
# The lesson book (NOTES.md) stays true to the lessons and their tests.
# Compiling and comparing text: test-kernel does not run it again on other kernels.
# bats file_tags=kernel-independent,slow
load helper

# Prints "PATH<TAB>first line" for each snippet whose lines are not found, one
# after another, in PATH. A snippet is the fenced block after a line
# "<!-- snippet: PATH -->". Each #include line of a snippet need only be
# somewhere in PATH (a lesson gathers its includes at the top); every other
# line must follow the one before, as in the block. One awk for the book.
stale_snippets() {
    awk -v top="$TOP" '
        function found(file,    m, line, i, k, start, ninc, rest) {
            m = 0
            while ((getline line < file) > 0) src[++m] = line
            if (m == 0) return 0
            close(file)
            ninc = 0; rest = 0
            for (i = 1; i <= n; i++) if (want[i] ~ /^#include /) inc[++ninc] = want[i]; else other[++rest] = want[i]
            for (k = 1; k <= ninc; k++) {
                for (i = 1; i <= m && src[i] != inc[k]; i++) ;
                if (i > m) return 0
            }
            for (start = 1; start + rest - 1 <= m; start++) {
                for (i = 1; i <= rest && src[start + i - 1] == other[i]; i++) ;
                if (i > rest) return 1
            }
            return 0
        }
        /^<!-- snippet: [^ ]+ -->$/ { path = substr($0, 15, length($0) - 18); next }
        path != "" && !inblock && /^```/ { inblock = 1; n = 0; next }
        inblock && $0 == "```" {
            if (!found(top "/" path)) print path "\t" want[1]
            inblock = 0; path = ""; next
        }
        inblock { want[++n] = $0 }' "$1"
}

# Prints "tests/FILE<TAB>NAME" for every test of every tests/*.bats, NAME as
# it stands between the quotes of its @test line (one awk over all the files).
test_index() {
    awk 'FNR == 1 { f = FILENAME; sub(/.*\//, "tests/", f) }
        match($0, /^@test "([^"\\]|\\.)*"/) { print f "\t" substr($0, 8, RLENGTH - 8) }' \
        "$TOP"/tests/*.bats
}

# Sets TESTS["tests/FILE<TAB>NAME"] for every test of the test index.
read_tests() {
    declare -gA TESTS=()
    local entry
    while IFS= read -r entry; do TESTS[$entry]=1; done < <(test_index)
}

# Prints "FILE<TAB>NAME" for each test the book cites under "Proved by
# `tests/FILE`:" (in the Russian book "Доказано тестами из `tests/FILE`:"; the
# path may be a link) that does not exist in that file.
missing_tests() {
    awk 'NR == FNR { known[$0] = 1; next }
        /\*\*(Proved by|Доказано тестами)\*\*( из)? \[?`tests\/[^`]+\.bats`/ {
            file = substr($0, index($0, "`tests/") + 1); file = substr(file, 1, index(file, "`") - 1)
            next
        }
        file != "" && /^- "[^"]+"/ {
            name = substr($0, 4); name = substr(name, 1, index(name, "\"") - 1)
            if (!((file "\t" name) in known)) print file "\t" name
            next
        }
        file != "" && $0 == "" { file = "" }' <(test_index) "$1"
}

@test "every snippet in NOTES.md stands unchanged in the lesson it names" {
    run stale_snippets "$TOP/NOTES.md"
    assert_success
    assert_output ""
    count=$(grep -c '^<!-- snippet: ' "$TOP/NOTES.md")
    [ "$count" -gt 0 ] || fail "NOTES.md has no snippets"
}

@test "every test that NOTES.md cites as proof exists under that name" {
    run missing_tests "$TOP/NOTES.md"
    assert_success
    assert_output ""
}

@test "every test that NOTES.ru.md cites as proof exists under that name" {
    run missing_tests "$TOP/NOTES.ru.md"
    assert_success
    assert_output ""
    count=$(grep -c '^\*\*Доказано тестами' "$TOP/NOTES.ru.md")
    [ "$count" -ge 21 ] || fail "NOTES.ru.md cites the tests of only $count lessons"
}

@test "a snippet that no longer matches its source is caught" {
    # shellcheck disable=SC2016  # the backticks are Markdown, printed as they are
    printf '<!-- snippet: demos/01-first-eventfd.c -->\n```c\n    int efd = eventfd(1, 0);\n```\n' \
        >"$BATS_TEST_TMPDIR/book.md"
    run stale_snippets "$BATS_TEST_TMPDIR/book.md"
    assert_output --partial "demos/01-first-eventfd.c"
}

@test "NOTES.md has a section for every lesson, in the order of the files" {
    lessons=$(cd "$TOP/demos" && printf '%s\n' [0-9][0-9]-*.c | sed 's/\.c$//')
    sections=$(sed -nE 's/^## ([0-9][0-9]-[a-z0-9-]+) .*/\1/p' "$TOP/NOTES.md")
    assert_equal "$sections" "$lessons"
}

@test "a cited test that does not exist is caught" {
    # shellcheck disable=SC2016  # the backticks are Markdown, printed as they are
    printf '**Proved by** `tests/01-first-eventfd.bats`:\n- "no such test"\n' >"$BATS_TEST_TMPDIR/book.md"
    run missing_tests "$BATS_TEST_TMPDIR/book.md"
    assert_output --partial "no such test"
    # shellcheck disable=SC2016
    printf '**Доказано тестами** из [`tests/01-first-eventfd.bats`](tests/01-first-eventfd.bats):\n- "no such test either" — такого теста нет\n' >"$BATS_TEST_TMPDIR/book.md"
    run missing_tests "$BATS_TEST_TMPDIR/book.md"
    assert_output --partial "no such test either"
}

# Prints each 'NN: "test name"' cited in the myths table whose test does not
# exist in tests/NN-*.bats ('style:' and 'book:' name tests/style.bats, tests/book.bats).
missing_myth_tests() {
    local cite key name files
    read_tests
    sed -nE '/^## (Myths and facts|Мифы и факты)/,/^## /p' "$1" | grep -oE '(^|[|;] )[0-9a-z]+: "[^"]+"' |
        sed -E 's/^[|;] //' | while IFS= read -r cite; do
            key=${cite%%:*}
            name=${cite#*: \"}
            name=${name%\"}
            files=("$TOP"/tests/"$key"*.bats)
            [ -n "${TESTS[tests/${files[0]##*/}$'\t'$name]:-}" ] || printf '%s\n' "$cite"
        done
}

@test "every myth in NOTES.ru.md names a test that exists" {
    run missing_myth_tests "$TOP/NOTES.ru.md"
    assert_success
    assert_output ""
}

@test "every myth in NOTES.md names a test that exists" {
    run missing_myth_tests "$TOP/NOTES.md"
    assert_success
    assert_output ""
    rows=$(sed -n '/^## Myths and facts/,/^## /p' "$TOP/NOTES.md" | grep -c '^| [^-m]')
    [ "$rows" -ge 8 ] || fail "the myths table has $rows rows"
}

# The fenced blocks of a book (snippets, output, diagrams), each with the
# snippet marker before it, in order: the Russian book must carry them unchanged.
# A ```mermaid block is reduced to its shape, so that the Russian book may
# translate a diagram's words but not change what it draws: its participants
# in order (their ids, not their labels), each message as FROM->>TO with its
# arrow, each Note by its place ("Note over K"), each loop/alt/else/opt by its
# keyword. Every other block (code, output) is compared line for line.
fenced_blocks() {
    awk 'function shape(s) {
             sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s)
             if (s ~ /^(participant|actor)[ \t]/) { sub(/[ \t]+as[ \t].*$/, "", s); return s }
             if (s ~ /^Note[ \t]/) { sub(/[ \t]*:.*$/, "", s); return s }
             if (s ~ /^(loop|alt|else|opt|par|and|critical|break|rect)([ \t]|$)/) { sub(/[ \t].*$/, "", s); return s }
             if (s ~ /^[A-Za-z0-9_]+[ \t]*--?(>>|>|x|\))[-+]?[ \t]*[A-Za-z0-9_]+[ \t]*:/) {
                 sub(/[ \t]*:.*$/, "", s); gsub(/[ \t]/, "", s); return s
             }
             return s
         }
         /^<!-- snippet: / { print; next }
         /^```/ { inside = !inside; mermaid = inside && /^```mermaid/; print; next }
         inside && mermaid { print shape($0); next }
         inside { print }' "$1"
}

@test "NOTES.ru.md has the same sections as NOTES.md, in the same order" {
    [ -f "$TOP/NOTES.ru.md" ] || fail "no NOTES.ru.md"
    assert_equal "$(grep -c '^## ' "$TOP/NOTES.ru.md")" "$(grep -c '^## ' "$TOP/NOTES.md")"
    assert_equal "$(sed -nE 's/^## ([0-9][0-9]-[a-z0-9-]+) .*/\1/p' "$TOP/NOTES.ru.md")" \
        "$(sed -nE 's/^## ([0-9][0-9]-[a-z0-9-]+) .*/\1/p' "$TOP/NOTES.md")"
}

@test "NOTES.ru.md carries every snippet and output of NOTES.md unchanged, and every diagram's shape" {
    run diff <(fenced_blocks "$TOP/NOTES.md") <(fenced_blocks "$TOP/NOTES.ru.md")
    assert_success
}

@test "the book comparison lets a diagram's words change but catches a turned arrow or a changed line of code" {
    book=$BATS_TEST_TMPDIR/book.md
    # shellcheck disable=SC2016  # the backticks are Markdown, printed as they are
    printf '```mermaid\nsequenceDiagram\n    participant P as process\n    participant K as kernel counter\n    P->>K: write 1\n    Note over K: count 1\n    K-->>P: read: 1\n```\n\n```c\nint x = 1;\n```\n' >"$book"
    # The same diagram in other words, with other labels: the same shape.
    # shellcheck disable=SC2016
    printf '```mermaid\nsequenceDiagram\n    participant P as процесс\n    participant K as счётчик ядра\n    P->>K: запись 1\n    Note over K: счётчик 1\n    K-->>P: чтение: 1\n```\n\n```c\nint x = 1;\n```\n' >"$book.words"
    run diff <(fenced_blocks "$book") <(fenced_blocks "$book.words")
    assert_success
    # One arrow turned the other way, a participant swapped, a Note moved, a line of code changed: each is caught.
    sed 's/K-->>P: read/P-->>K: read/' "$book" >"$book.arrow"
    sed 's/participant K as kernel counter/participant C as kernel counter/' "$book" >"$book.participant"
    sed 's/Note over K/Note over P/' "$book" >"$book.note"
    sed 's/int x = 1;/int x = 2;/' "$book" >"$book.code"
    for changed in arrow participant note code; do
        run diff <(fenced_blocks "$book") <(fenced_blocks "$book.$changed")
        assert_failure
    done
    # And on the real books: a copy of NOTES.ru.md with one arrow of its first diagram turned.
    awk '!done && /^    P->>K: / { sub(/P->>K/, "K->>P"); done = 1 } { print }' "$TOP/NOTES.ru.md" >"$book.ru"
    run diff <(fenced_blocks "$TOP/NOTES.md") <(fenced_blocks "$book.ru")
    assert_failure
}

# Prints every "#anchor" that FILE links to (inline "](#x)" or a reference
# definition "[x]: #x") and that no heading of FILE makes. A heading's anchor,
# as GitHub makes it: lowercased, all but letters, digits, "_", "-" and
# spaces dropped, spaces made "-"; a repeated one gets "-1", "-2", ...
dead_anchors() {
    local line slug in_code=0 rest
    local -A made=() count=()
    local links=()
    while IFS= read -r line; do
        if [[ $line == '```'* ]]; then
            in_code=$((1 - in_code))
            continue
        fi
        ((in_code)) && continue
        if [[ $line =~ ^#{1,6}\ (.*)$ ]]; then
            slug=${BASH_REMATCH[1],,}
            slug=${slug//[^[:alnum:]_ -]/}
            slug=${slug// /-}
            if [ -n "${count[$slug]:-}" ]; then
                made[$slug-${count[$slug]}]=1
                count[$slug]=$((count[$slug] + 1))
            else
                made[$slug]=1
                count[$slug]=1
            fi
        fi
        if [[ $line =~ ^\[[^]]+\]:\ \#([^ ]+)$ ]]; then
            links+=("${BASH_REMATCH[1]}")
        fi
        rest=$line
        while [[ $rest =~ \]\(\#([^\)]+)\)(.*)$ ]]; do
            links+=("${BASH_REMATCH[1]}")
            rest=${BASH_REMATCH[2]}
        done
    done < <(grep -E '^(```|#{1,6} )|\]\(#|^\[[^]]+\]: #' "$1")    # the lines that matter, the rest skipped
    for slug in "${links[@]}"; do
        [ -n "${made[$slug]:-}" ] || printf '%s: #%s\n' "${1##*/}" "$slug"
    done
}

@test "every link to a heading in both books and README leads to a heading that exists" {
    export LC_ALL=C.UTF-8           # Cyrillic letters are letters, and lowercase
    run dead_anchors "$TOP/NOTES.md"
    assert_output ""
    run dead_anchors "$TOP/NOTES.ru.md"
    assert_output ""
    run dead_anchors "$TOP/README.md"
    assert_output ""
    # and it can fail: a link to a heading that does not exist
    printf '# One Title\n\n[there](#one-title) [nowhere](#two-title)\n' >"$BATS_TEST_TMPDIR/b.md"
    run dead_anchors "$BATS_TEST_TMPDIR/b.md"
    assert_output "b.md: #two-title"
}

@test "every C block of both books compiles on its own with gcc and clang, libc alone" {
    for book in NOTES.md NOTES.ru.md; do
        run "$TOP/scripts/prove/book-blocks" --cache "$BUILD/book-blocks" "$TOP/$book"
        assert_success
        [[ $output =~ book-blocks:\ ([0-9]+)\ blocks ]] || fail "no summary: $output"
        [ "${BASH_REMATCH[1]}" -ge 30 ] || fail "$book has only ${BASH_REMATCH[1]} C blocks"
    done
}

@test "a block that calls a course helper or does not compile alone is caught" {
    # shellcheck disable=SC2016  # the backticks are Markdown, printed as they are
    printf '```c\nvoid f(int fd)\n{\n    die("write");\n}\n```\n\n```c\nint g(void) { return missing(); }\n```\n' \
        >"$BATS_TEST_TMPDIR/book.md"
    run "$TOP/scripts/prove/book-blocks" "$BATS_TEST_TMPDIR/book.md"
    assert_failure
    assert_output --partial "calls a course helper: die"
    assert_output --partial "book-blocks: 2 blocks, 0 compiled"
}
