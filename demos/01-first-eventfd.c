/* 01-first-eventfd — create an eventfd, write one 8-byte value, read it back.
 *
 * What it shows
 *   An eventfd is not a buffer of bytes: it is one 64-bit unsigned counter
 *   kept by the kernel. write() adds an 8-byte value to it; read() returns the
 *   counter in 8 bytes and resets it to 0. The kernel shows the counter as
 *   "eventfd-count" in /proc/PID/fdinfo/FD, in hexadecimal, so you can watch
 *   it go 0 -> 1020304050607080 -> 0 here. Those hex digits have no letters,
 *   so the count could pass for a decimal number; the lesson then writes
 *   0xdeadbeef, and fdinfo shows "deadbeef": hexadecimal beyond doubt.
 *   (This is a first eventfd program done right: the result of every call is
 *   checked, and the uint64_t is printed with PRIx64/PRIu64, not %llX.)
 *
 *   The code to copy is create_counter(), add_to_count() and read_count():
 *   plain libc, each reporting its own failure with err(3). main() only tells
 *   the story around them (the course's say/show_fdinfo/checkpoint).
 *
 * How to run
 *   build/01-first-eventfd [--pause] [VALUE]
 *   VALUE is the number to write, decimal or 0x-hex, 1..0xfffffffffffffffe
 *   (default 0x1020304050607080).
 *
 * What to inspect (with --pause, from another terminal)
 *   created   cat /proc/PID/fdinfo/FD   -> eventfd-count 0
 *             ls -l /proc/PID/fd        -> FD -> anon_inode:[eventfd]
 *   written   eventfd-count is VALUE in hex
 *   read      eventfd-count is back to 0
 *   hex-written  eventfd-count is deadbeef (3735928559 in decimal)
 *
 * Kernel: eventfd2() since Linux 2.6.27; eventfd-count in fdinfo since 3.8,
 * eventfd-id since 5.2.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "course.h"

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    what to write: 1..0xfffffffffffffffe, decimal or 0x-hex\n"
    "           (default 0x1020304050607080)\n";

/* A new eventfd: one 64-bit counter kept by the kernel, starting at 0, in
 * blocking mode (no flags). Exits with "eventfd: <error>" if it cannot. */
int create_counter(void)
{
    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    return efd;
}

/* Adds 'value' to the counter. Always exactly 8 bytes, the size of the
 * counter: any other size is refused with EINVAL. */
void add_to_count(int efd, uint64_t value)
{
    if (write(efd, &value, sizeof value) != sizeof value)
        err(EXIT_FAILURE, "write");
}

/* Returns the counter and resets it to 0; at 0 it sleeps until a write. */
uint64_t read_count(int efd)
{
    uint64_t count;
    ssize_t n;
    while ((n = read(efd, &count, sizeof count)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): read again */
    if (n != sizeof count)
        err(EXIT_FAILURE, "read");
    return count;
}

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    uint64_t value = 0x1020304050607080;
    if (argc - first_operand > 1)
        usage_error("too many arguments");
    if (argc - first_operand == 1)
        /* 0 would leave the counter at 0, and read() would then block forever.
         * 0xffffffffffffffff is the one value write() always refuses (EINVAL). */
        value = parse_u64(argv[first_operand], "VALUE", 1, UINT64_MAX - 1);

    int efd = create_counter();
    printf("created an eventfd: fd %d, counter 0\n", efd);
    show_fdinfo(efd);
    checkpoint("created", efd);

    add_to_count(efd, value);
    printf("wrote %zu bytes: 0x%" PRIx64 " (%" PRIu64 ")\n", sizeof value, value, value);
    show_fdinfo(efd);
    checkpoint("written", efd);

    uint64_t received = read_count(efd);
    printf("read %zu bytes: 0x%" PRIx64 " (%" PRIu64 ")\n", sizeof received, received, received);
    show_fdinfo(efd);
    checkpoint("read", efd);

    /* A value with hex letters, so that fdinfo's count is plainly hex. */
    uint64_t lettered = 0xdeadbeef;
    add_to_count(efd, lettered);
    printf("wrote 8 bytes: 0x%" PRIx64 " (%" PRIu64 "): with letters, fdinfo's count is "
           "plainly hex\n", lettered, lettered);
    show_fdinfo(efd);
    checkpoint("hex-written", efd);
    received = read_count(efd);
    printf("read 8 bytes: 0x%" PRIx64 " (%" PRIu64 ")\n", received, received);

    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
