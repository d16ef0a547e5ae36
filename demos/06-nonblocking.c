/* 06-nonblocking — with EFD_NONBLOCK, read and write fail with EAGAIN instead of sleeping.
 *
 * What it shows
 *   An eventfd created with EFD_NONBLOCK never puts its caller to sleep.
 *   Where a blocking eventfd would wait, the call fails at once with EAGAIN
 *   and changes nothing:
 *     read()  at count 0;
 *     write() of a value that would take the count past 0xfffffffffffffffe,
 *             the largest count an eventfd holds.
 *   EFD_NONBLOCK is simply O_NONBLOCK on the open file: fcntl(F_GETFL) shows
 *   it, and so does the "flags:" line of /proc/PID/fdinfo/FD (octal, the
 *   O_NONBLOCK bit is 04000). A child inherits the same open file, so its
 *   descriptor is non-blocking too. Here the parent's read finds nothing
 *   (EAGAIN); a child writes VALUE and exits; once the parent has reaped the
 *   child, its read gets VALUE. Then the parent fills the counter to the
 *   maximum, one more write of 1 fails with EAGAIN, and a read drains it all.
 *   Code using a non-blocking eventfd waits with poll/epoll, not by retrying.
 *
 * How to run
 *   build/06-nonblocking [--pause] [VALUE]
 *   VALUE: what the child writes, 1..0xfffffffffffffffe (default 3)
 *
 * What to inspect (with --pause)
 *   created         eventfd-count 0; fdinfo "flags:" has the 04000 bit
 *                   (O_NONBLOCK)
 *   read-refused    read() failed with EAGAIN; eventfd-count still 0
 *   wrote           (in the child) eventfd-count VALUE; the child's fdinfo
 *                   "flags:" has 04000 too: one open file, shared by fork()
 *   child-reaped    the child wrote VALUE and is gone: eventfd-count VALUE
 *   read            the parent read VALUE: eventfd-count 0
 *   full            eventfd-count fffffffffffffffe, the maximum
 *   write-refused   write(1) failed with EAGAIN; the count is still the maximum
 *   drained         one read took 0xfffffffffffffffe: eventfd-count 0
 *
 * Kernel: EFD_NONBLOCK (eventfd2) since Linux 2.6.27; fdinfo "flags:" since
 * 2.6.22, eventfd-count in fdinfo since 3.8.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

#define EVENTFD_MAX (UINT64_MAX - 1)    /* the largest count an eventfd holds */

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    what the child writes: 1..0xfffffffffffffffe (default 3)\n";

/* Says whether fcntl(F_GETFL) reports O_NONBLOCK for this descriptor. */
static void show_nonblock(int efd)
{
    int flags = fcntl(efd, F_GETFL);
    if (flags == -1)
        die("fcntl F_GETFL");
    say("fcntl(F_GETFL) = 0%o: O_NONBLOCK (0%o) is %s\n", (unsigned) flags,
        (unsigned) O_NONBLOCK, flags & O_NONBLOCK ? "set" : "NOT set");
}

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    uint64_t value = 3;
    if (argc - first_operand > 1)
        usage_error("too many arguments");
    if (argc - first_operand == 1)
        value = parse_u64(argv[first_operand], "VALUE", 1, EVENTFD_MAX);

    int efd = eventfd(0, EFD_NONBLOCK);
    if (efd == -1)
        die("eventfd");
    say("created eventfd fd %d with EFD_NONBLOCK\n", efd);
    show_nonblock(efd);
    show_fdinfo(efd);
    checkpoint("created", efd);

    /* Count 0: a blocking read would sleep here; this one fails at once. */
    uint64_t received;
    if (read(efd, &received, sizeof received) != -1 || errno != EAGAIN)
        die("read at count 0 (expected EAGAIN)");
    say("read() at count 0 failed with EAGAIN instead of blocking\n");
    show_fdinfo(efd);
    checkpoint("read-refused", efd);

    pid_t child = fork();
    switch (child) {
    case -1:
        die("fork");

    case 0:                                     /* child */
        show_nonblock(efd);                     /* the same open file: inherited */
        if (write(efd, &value, sizeof value) != sizeof value)
            die("write");
        say("wrote 0x%" PRIx64 " (%" PRIu64 ")\n", value, value);
        show_fdinfo(efd);
        checkpoint("wrote", efd);
        if (close(efd) == -1)
            die("close");
        _exit(EXIT_SUCCESS);

    default:                                    /* parent */
        break;
    }

    /* Reap the writer first, so the count below is its value, not a race. */
    int status;
    if (waitpid(child, &status, 0) == -1)
        die("waitpid");
    say("child %ld %s\n", (long) child, describe_status(status));
    show_fdinfo(efd);
    checkpoint("child-reaped", efd);

    if (read(efd, &received, sizeof received) != sizeof received)
        die("read");
    say("read 0x%" PRIx64 " (%" PRIu64 ")\n", received, received);
    show_fdinfo(efd);
    checkpoint("read", efd);

    uint64_t fill = EVENTFD_MAX;
    if (write(efd, &fill, sizeof fill) != sizeof fill)
        die("write");
    say("wrote 0x%" PRIx64 " (%" PRIu64 "): the counter is full\n", fill, fill);
    show_fdinfo(efd);
    checkpoint("full", efd);

    /* Full: a blocking write would sleep until a read; this one fails. */
    uint64_t one = 1;
    if (write(efd, &one, sizeof one) != -1 || errno != EAGAIN)
        die("write past the maximum (expected EAGAIN)");
    say("write(1) at the maximum failed with EAGAIN; the count is unchanged\n");
    show_fdinfo(efd);
    checkpoint("write-refused", efd);

    if (read(efd, &received, sizeof received) != sizeof received)
        die("read");
    say("read 0x%" PRIx64 " (%" PRIu64 ")\n", received, received);
    show_fdinfo(efd);
    checkpoint("drained", efd);

    if (close(efd) == -1)
        die("close");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
