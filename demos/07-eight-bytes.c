/* 07-eight-bytes — the 8-byte rule, measured on this kernel and printed as a table.
 *
 * What it shows
 *   The counter is a uint64_t, and read() and write() move it as exactly that:
 *   8 bytes in the caller's byte order. This lesson tries every size that
 *   comes to mind and prints what THIS kernel answers, one row per call:
 *   the call, its size, the value, what it returned, errno, and the count
 *   afterwards (from fdinfo). A call that fails changes nothing.
 *     read,  4 bytes     EINVAL: too small for the counter
 *     read,  8 or 16     returns 8: a larger buffer is fine, 8 bytes arrive
 *     write, 4 bytes     EINVAL
 *     write, 16 bytes    EINVAL since Linux 6.9 (the size must be exactly 8);
 *                        older kernels took the first 8 bytes, returned 8
 *     write 0xffffffffffffffff   EINVAL: the one value never accepted
 *     write 0            returns 8, adds nothing: the count is unchanged
 *     readv, 4+4 bytes   returns 8 since Linux 5.8 (read_iter: the kernel
 *                        fills both pieces); EINVAL before (each piece was
 *                        a separate 4-byte read)
 *     writev, 4+4 bytes  EINVAL on every kernel: eventfd has no write_iter,
 *                        so each piece is a separate 4-byte write
 *   The eventfd is created with EFD_NONBLOCK so that no surprise can hang the
 *   lesson: a read that found count 0 would fail with EAGAIN, not sleep.
 *   Any answer other than 8 or EINVAL is an error (exit 1).
 *   Last, one row on a second, *blocking* eventfd at count 0: a 4-byte read
 *   fails at once with EINVAL instead of sleeping, because the kernel checks
 *   the size before it looks at the count.
 *   (The man page, eventfd(2), still says that only writes shorter than
 *   8 bytes fail: it has not caught up with the Linux 6.9 rule.)
 *
 * How to run
 *   build/07-eight-bytes [--pause] [VALUE]
 *   VALUE: what the 8-byte writes add, 1..0x7fffffffffffffff (default 7);
 *   its double must still fit, for the kernels that accept 16-byte writes.
 *
 * What to inspect (with --pause)
 *   created          eventfd-count 0
 *   writes-measured  after the write rows: VALUE since Linux 6.9, twice
 *                    VALUE on older kernels (the 16-byte write was counted)
 *   reads-measured   after the read rows: 0 since Linux 5.8 (readv 4+4 took
 *                    the count), VALUE on older kernels
 *   short-read-refused  the blocking eventfd (flags: 02, no 04000) after its
 *                    4-byte read: eventfd-count 0, and the lesson is here,
 *                    not asleep
 *
 * Kernel: write size != 8 is EINVAL since Linux 6.9 (before: < 8 only);
 * readv into pieces smaller than 8 works since Linux 5.8.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "course.h"

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    what the 8-byte writes add: 1..0x7fffffffffffffff (default 7)\n";

/* Adds 'value' to the count: a uint64_t, exactly 8 bytes, the one size a
 * write to an eventfd may have. Returns what write() returned: 8, or -1 with
 * errno set (EINVAL for 0xffffffffffffffff, the one value never accepted).
 * The lesson prints either answer, so the caller decides what is an error. */
ssize_t add_to_count(int efd, uint64_t value)
{
    return write(efd, &value, sizeof value);
}

/* The wrong sizes, as the lesson tries them; each returns what the call
 * returned. A write of 4 bytes (the low half of 'value'): always EINVAL. */
ssize_t write_4_bytes(int efd, uint64_t value)
{
    uint32_t four = (uint32_t) value;
    return write(efd, &four, sizeof four);
}

/* A write of 16 bytes, 'value' and then 8 zero bytes: EINVAL since Linux
 * 6.9; before, it returned 8 and added 'value', the first 8 bytes. */
ssize_t write_16_bytes(int efd, uint64_t value)
{
    uint64_t sixteen[2] = { value, 0 };
    return write(efd, sixteen, sizeof sixteen);
}

/* The 8 bytes of 'value' handed to writev() in two 4-byte pieces: EINVAL on
 * every kernel, since eventfd has no write_iter and each piece is a write of
 * its own. */
ssize_t writev_4_plus_4(int efd, uint64_t value)
{
    unsigned char bytes[8];
    memcpy(bytes, &value, sizeof bytes);
    struct iovec halves[2] = { { bytes, 4 }, { bytes + 4, 4 } };
    return writev(efd, halves, 2);
}

/* Takes the whole count into '*count' and resets it to 0: a read needs a
 * buffer of at least 8 bytes, and 8 bytes arrive. Returns what read()
 * returned: 8, or -1 with errno set (EAGAIN at count 0). The eventfd is
 * non-blocking (EFD_NONBLOCK): these reads never sleep, so no signal
 * interrupts them: no EINTR loop (lesson 15). */
ssize_t take_count(int efd, uint64_t *count)
{
    return read(efd, count, sizeof *count);
}

/* The wrong sizes again. A read into 4 bytes: always EINVAL, and the count
 * stays. The size is checked first, so even on a blocking eventfd at count 0
 * it fails at once instead of sleeping. */
ssize_t read_4_bytes(int efd)
{
    uint32_t four;
    return read(efd, &four, sizeof four);
}

/* A read into 16 bytes: returns 8, the count in the first 8 bytes (stored
 * in '*count'); a larger buffer is fine. */
ssize_t read_16_bytes(int efd, uint64_t *count)
{
    uint64_t big[2] = { 0, 0 };
    ssize_t n = read(efd, big, sizeof big);
    *count = big[0];
    return n;
}

/* A readv() into two 4-byte pieces, joined again into '*count': returns 8
 * since Linux 5.8 (eventfd reads through read_iter, which checks the total
 * size); EINVAL before (each piece was a 4-byte read). */
ssize_t readv_4_plus_4(int efd, uint64_t *count)
{
    unsigned char bytes[8] = { 0 };
    struct iovec halves[2] = { { bytes, 4 }, { bytes + 4, 4 } };
    ssize_t n = readv(efd, halves, 2);
    memcpy(count, bytes, sizeof *count);
    return n;
}

/* Prints one row of the table: the call, its size, the value written or
 * read, what the call returned, errno, and the count that fdinfo shows now.
 * Only the two answers this lesson expects are accepted: 8, or -1 with
 * EINVAL; anything else ends the lesson with exit 1. */
static void row(const char *call, const char *bytes, const char *value,
                ssize_t result, int error, int efd)
{
    if (!(result == 8 || (result == -1 && error == EINVAL))) {
        errno = error;
        fprintf(stderr, "unexpected: %s of %s bytes returned %zd\n", call, bytes, result);
        err(EXIT_FAILURE, "%s", call);
    }
    char count_text[32];
    if (!fdinfo_field(0, efd, "eventfd-count", count_text, sizeof count_text))
        strcpy(count_text, "?");
    uint64_t count = strtoull(count_text, NULL, 16);
    say("%-6s %5s  %-18s %6zd  %-6s  0x%" PRIx64 " (%" PRIu64 ")\n", call, bytes, value,
        result, result == -1 ? "EINVAL" : "-", count, count);
}

/* The value column: "0x7" for what was written or read, "-" when nothing. */
static const char *hex(uint64_t value, ssize_t result, char *text, size_t size)
{
    if (result == -1)
        return "-";
    snprintf(text, size, "0x%" PRIx64, value);
    return text;
}

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    uint64_t value = 7;
    if (argc - first_operand > 1)
        usage_error("too many arguments");
    if (argc - first_operand == 1)
        value = parse_u64(argv[first_operand], "VALUE", 1, INT64_MAX);

    int efd = eventfd(0, EFD_NONBLOCK);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    say("created eventfd fd %d (EFD_NONBLOCK: nothing here can hang)\n", efd);
    show_fdinfo(efd);
    checkpoint("created", efd);

    char text[32];
    ssize_t n;
    say("%-6s %5s  %-18s %6s  %-6s  %s\n", "call", "bytes", "value", "result", "errno",
        "count after");

    /* --- writes ------------------------------------------------------- */
    n = write_4_bytes(efd, value);
    row("write", "4", hex((uint32_t) value, 0, text, sizeof text), n, errno, efd);

    n = add_to_count(efd, value);
    row("write", "8", hex(value, 0, text, sizeof text), n, errno, efd);

    n = write_16_bytes(efd, value);
    row("write", "16", hex(value, 0, text, sizeof text), n, errno, efd);
    bool sixteen_accepted = n == 8;

    n = add_to_count(efd, 0);
    row("write", "8", "0x0", n, errno, efd);

    n = add_to_count(efd, UINT64_MAX);
    row("write", "8", "0xffffffffffffffff", n, errno, efd);

    n = writev_4_plus_4(efd, value);
    row("writev", "4+4", hex(value, 0, text, sizeof text), n, errno, efd);

    show_fdinfo(efd);
    checkpoint("writes-measured", efd);

    /* --- reads: each starts from a count of VALUE ------------------- */
    uint64_t received = 0;
    n = read_4_bytes(efd);
    row("read", "4", "-", n, errno, efd);

    n = take_count(efd, &received);                         /* takes the whole count */
    row("read", "8", hex(received, n, text, sizeof text), n, errno, efd);

    n = add_to_count(efd, value);                           /* refill */
    row("write", "8", hex(value, 0, text, sizeof text), n, errno, efd);

    n = read_16_bytes(efd, &received);
    row("read", "16", hex(received, n, text, sizeof text), n, errno, efd);

    n = add_to_count(efd, value);                           /* refill */
    row("write", "8", hex(value, 0, text, sizeof text), n, errno, efd);

    n = readv_4_plus_4(efd, &received);
    row("readv", "4+4", hex(received, n, text, sizeof text), n, errno, efd);
    bool split_read_works = n == 8;

    show_fdinfo(efd);
    checkpoint("reads-measured", efd);

    say("this kernel %s a 16-byte write: %s\n",
        sixteen_accepted ? "accepted" : "refused",
        sixteen_accepted ? "it counted the first 8 bytes (the rule before Linux 6.9)"
                         : "writes must be exactly 8 bytes (the rule since Linux 6.9)");
    say("this kernel %s a readv into 4+4 bytes (%s)\n",
        split_read_works ? "completed" : "refused",
        split_read_works ? "eventfd reads through read_iter since Linux 5.8"
                         : "before Linux 5.8 each piece was a 4-byte read");

    /* --- a short read on a blocking eventfd at count 0 ---------------- */
    int blocking = eventfd(0, 0);
    if (blocking == -1)
        err(EXIT_FAILURE, "eventfd");
    say("created a blocking eventfd fd %d at count 0: a read of 8 bytes would sleep\n",
        blocking);
    n = read_4_bytes(blocking);
    row("read", "4", "-", n, errno, blocking);
    if (n != -1)
        errx(EXIT_FAILURE, "a 4-byte read of the blocking eventfd returned %zd", n);
    say("the 4-byte read failed at once with EINVAL: the size is checked before the count, "
        "so it did not sleep\n");
    show_fdinfo(blocking);
    checkpoint("short-read-refused", blocking);
    if (close(blocking) == -1)
        err(EXIT_FAILURE, "close");

    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
