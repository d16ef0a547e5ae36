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
 *   The code to copy: create_nonblocking(), status_flags(),
 *   read_count_nonblocking() and add_to_count_nonblocking(), which turn
 *   EAGAIN into "false" and any other error into exit.
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
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

#define EVENTFD_MAX (UINT64_MAX - 1)    /* the largest count an eventfd holds */

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    what the child writes: 1..0xfffffffffffffffe (default 3)\n";

/* A new eventfd whose read() and write() never sleep: EFD_NONBLOCK sets
 * O_NONBLOCK on the open file. */
int create_nonblocking(void)
{
    int efd = eventfd(0, EFD_NONBLOCK);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    return efd;
}

/* The open file's status flags (fcntl F_GETFL): O_NONBLOCK among them is what
 * EFD_NONBLOCK set. -1 after a message if fcntl fails; parent and child
 * both ask, and each ends in its own way. */
int status_flags(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1)
        warn("fcntl F_GETFL");
    return flags;
}

/* Reads the count without waiting: true with the count (now reset to 0), or
 * false when it was 0 (EAGAIN: nothing yet; wait for it with poll or epoll,
 * lesson 09). It never sleeps, so no signal interrupts it: no EINTR loop
 * (lesson 15). Any other error exits. */
bool read_count_nonblocking(int efd, uint64_t *count)
{
    if (read(efd, count, sizeof *count) == sizeof *count)
        return true;
    if (errno != EAGAIN)
        err(EXIT_FAILURE, "read");
    return false;
}

/* Adds 'value' without waiting: true, or false when the count would pass
 * 0xfffffffffffffffe (EAGAIN: the count is unchanged; wait until a reader
 * makes room). Any other error exits. */
bool add_to_count_nonblocking(int efd, uint64_t value)
{
    if (write(efd, &value, sizeof value) == sizeof value)
        return true;
    if (errno != EAGAIN)
        err(EXIT_FAILURE, "write");
    return false;
}

/* The child's notification: adds 'value' to the count. A failure ends the
 * child with _exit(): exit() would run the parent's atexit handlers and flush
 * a second time the stdio buffers the child copied from the parent. */
void notify(int efd, uint64_t value)
{
    if (write(efd, &value, sizeof value) != sizeof value) {
        warn("write");
        _exit(EXIT_FAILURE);
    }
}

/* Waits for 'child' to end and stores how it ended in *status (nothing if
 * status is NULL). Returns false after "waitpid: <error>" on failure. */
bool reap(pid_t child, int *status)
{
    pid_t pid;
    while ((pid = waitpid(child, status, 0)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): wait again */
    if (pid == -1) {
        warn("waitpid");
        return false;
    }
    return true;
}

/* The parent failed while 'child' lives: kill it and reap it, so that it is
 * left neither running nor a zombie. The caller then exits with status 1. */
void end_child(pid_t child)
{
    if (kill(child, SIGKILL) == -1)
        warn("kill");
    reap(child, NULL);
}

/* Says whether the flags have O_NONBLOCK. */
static void say_nonblock(int flags)
{
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

    int efd = create_nonblocking();
    say("created eventfd fd %d with EFD_NONBLOCK\n", efd);
    int flags = status_flags(efd);
    if (flags == -1)
        return EXIT_FAILURE;
    say_nonblock(flags);
    show_fdinfo(efd);
    checkpoint("created", efd);

    /* Count 0: a blocking read would sleep here; this one fails at once. */
    uint64_t received;
    if (read_count_nonblocking(efd, &received))
        errx(EXIT_FAILURE, "read at count 0 returned 0x%" PRIx64 " (expected EAGAIN)",
             received);
    say("read() at count 0 failed with EAGAIN instead of blocking\n");
    show_fdinfo(efd);
    checkpoint("read-refused", efd);

    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");

    case 0:                                     /* child */
        flags = status_flags(efd);              /* the same open file: inherited */
        if (flags == -1)
            _exit(EXIT_FAILURE);                /* a child: see notify */
        say_nonblock(flags);
        notify(efd, value);
        say("wrote 0x%" PRIx64 " (%" PRIu64 ")\n", value, value);
        show_fdinfo(efd);
        checkpoint("wrote", efd);
        if (close(efd) == -1) {
            warn("close");
            _exit(EXIT_FAILURE);
        }
        _exit(EXIT_SUCCESS);

    default:                                    /* parent */
        break;
    }

    /* Reap the writer first, so the count below is its value, not a race. */
    int status;
    if (!reap(child, &status)) {
        end_child(child);
        return EXIT_FAILURE;
    }
    say("child %ld %s\n", (long) child, describe_status(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        say("the child failed, so its value never came: no read\n");
        return EXIT_FAILURE;                    /* exiting closes efd */
    }
    show_fdinfo(efd);
    checkpoint("child-reaped", efd);

    /* No child is left from here on: a failure may simply exit. */
    if (!read_count_nonblocking(efd, &received))
        errx(EXIT_FAILURE, "read: the child's value is not there (EAGAIN)");
    say("read 0x%" PRIx64 " (%" PRIu64 ")\n", received, received);
    show_fdinfo(efd);
    checkpoint("read", efd);

    uint64_t fill = EVENTFD_MAX;
    if (!add_to_count_nonblocking(efd, fill))
        errx(EXIT_FAILURE, "write: the empty counter refused 0x%" PRIx64 " (EAGAIN)", fill);
    say("wrote 0x%" PRIx64 " (%" PRIu64 "): the counter is full\n", fill, fill);
    show_fdinfo(efd);
    checkpoint("full", efd);

    /* Full: a blocking write would sleep until a read; this one fails. */
    if (add_to_count_nonblocking(efd, 1))
        errx(EXIT_FAILURE, "write(1) at the maximum succeeded (expected EAGAIN)");
    say("write(1) at the maximum failed with EAGAIN; the count is unchanged\n");
    show_fdinfo(efd);
    checkpoint("write-refused", efd);

    if (!read_count_nonblocking(efd, &received))
        errx(EXIT_FAILURE, "read: the full counter is empty (EAGAIN)");
    say("read 0x%" PRIx64 " (%" PRIu64 ")\n", received, received);
    show_fdinfo(efd);
    checkpoint("drained", efd);

    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
