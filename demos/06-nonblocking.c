/* 06-nonblocking — with EFD_NONBLOCK, read and write fail with EAGAIN instead of sleeping.
 *
 * What it shows
 *   An eventfd created with EFD_NONBLOCK never puts its caller to sleep.
 *   Where a blocking eventfd would wait, the call fails at once with EAGAIN
 *   and changes nothing:
 *     read()  at count 0;
 *     write() of a value that would take the count past 0xfffffffffffffffe,
 *             the largest count write() can make (a kernel post can go
 *             one further, to 0xffffffffffffffff: lesson 19).
 *   EFD_NONBLOCK is simply O_NONBLOCK on the open file: fcntl(F_GETFL) shows
 *   it, and so does the "flags:" line of /proc/PID/fdinfo/FD (octal; the
 *   O_NONBLOCK bit is 04000 on x86 and most architectures, not all). A child
 *   inherits the same open file, so its descriptor is non-blocking too. Here
 *   the parent's read finds nothing (EAGAIN); a child writes VALUE and exits;
 *   once the parent has reaped the child, its read gets VALUE. Then the
 *   parent fills the counter to the maximum, one more write of 1 fails with
 *   EAGAIN, and a read drains it all.
 *   Code using a non-blocking eventfd waits with poll/epoll, not by retrying.
 *
 *   Then what the flags cannot do, and what else never waits:
 *     - every eventfd is opened O_RDWR (F_GETFL & O_ACCMODE): eventfd2 takes
 *       EFD_CLOEXEC, EFD_NONBLOCK and EFD_SEMAPHORE and refuses any other bit
 *       with EINVAL, O_RDWR and 1 << 30 among them; O_WRONLY is not refused
 *       only because its value, 1, is EFD_SEMAPHORE's. There is no post-only
 *       handle: a child handed the descriptor to post can read, and its read
 *       drains the count;
 *     - a non-blocking semaphore read at count 0 fails with EAGAIN too;
 *     - on a *blocking* eventfd, one call can be made non-blocking with
 *       preadv2(..., RWF_NOWAIT): EAGAIN at count 0 (Linux 5.8+; before,
 *       EOPNOTSUPP). pwritev2(..., RWF_NOWAIT) is EOPNOTSUPP on every kernel:
 *       eventfd has no write_iter, and the per-call flags need one.
 *
 *   The code to copy: create_nonblocking(), status_flags(),
 *   read_count_nonblocking() and add_to_count_nonblocking(), which turn
 *   EAGAIN into "false" and any other error into exit; drain(), a child's
 *   read; create_nonblocking_semaphore(); read_count_nowait() and
 *   add_to_count_nowait(), the per-call RWF_NOWAIT.
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
 *   wronly-created  (eventfd(0, O_WRONLY)) flags: 02, O_RDWR;
 *                   eventfd-semaphore 1 (Linux 6.5+)
 *   posted          the parent posted VALUE: eventfd-count VALUE
 *   drained-by-child  (in the child) it read VALUE: eventfd-count 0
 *   semaphore-empty the semaphore's one token is taken, the next read was
 *                   EAGAIN: eventfd-count 0
 *   nowait-refused  a blocking eventfd (flags: 02, no 04000): preadv2
 *                   RWF_NOWAIT at count 0 failed at once; eventfd-count 0
 *
 * Kernel: EFD_NONBLOCK (eventfd2) since Linux 2.6.27; fdinfo "flags:" since
 * 2.6.22, eventfd-count in fdinfo since 3.8; preadv2 RWF_NOWAIT on an
 * eventfd since 5.8 (read_iter and FMODE_NOWAIT); EOPNOTSUPP before.
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
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

#define EVENTFD_MAX (UINT64_MAX - 1)    /* the largest count write() can make */

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
 * 0xfffffffffffffffe, the most write() may make (EAGAIN: the count is
 * unchanged; wait until a reader makes room). Any other error exits. */
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

/* In a forked child that was handed the descriptor to post: every eventfd is
 * O_RDWR, so it can read as well, and its read takes the whole count, which
 * was meant for someone else. Non-blocking: it never sleeps, so no EINTR
 * loop. A failure ends the child with _exit() (see notify). */
uint64_t drain(int efd)
{
    uint64_t count;
    if (read(efd, &count, sizeof count) != sizeof count) {
        warn("read");
        _exit(EXIT_FAILURE);
    }
    return count;
}

/* A semaphore of 'tokens' tokens whose reads never sleep: at count 0 a read
 * fails with EAGAIN, as in normal mode. */
int create_nonblocking_semaphore(unsigned int tokens)
{
    int efd = eventfd(tokens, EFD_SEMAPHORE | EFD_NONBLOCK);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    return efd;
}

/* Reads the count of a *blocking* eventfd without waiting, for this one call:
 * preadv2() with RWF_NOWAIT. Returns 8 with the count (now 0), or -1 with
 * errno set: EAGAIN at count 0 (Linux 5.8+, where eventfd reads through
 * read_iter); EOPNOTSUPP before 5.8. Offset -1: the current position, as
 * read() does (an eventfd cannot seek). It never sleeps: no EINTR loop. */
ssize_t read_count_nowait(int efd, uint64_t *count)
{
    struct iovec iov = { count, sizeof *count };
    return preadv2(efd, &iov, 1, -1, RWF_NOWAIT);
}

/* The same for a write, pwritev2() with RWF_NOWAIT: -1 with EOPNOTSUPP on
 * every kernel, since eventfd has no write_iter and the per-call flags need
 * one. A write that must not sleep needs an EFD_NONBLOCK eventfd. */
ssize_t add_to_count_nowait(int efd, uint64_t value)
{
    struct iovec iov = { &value, sizeof value };
    return pwritev2(efd, &iov, 1, -1, RWF_NOWAIT);
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

/* Says what eventfd(0, flags) did: refused with EINVAL (as it must for any
 * bit but EFD_CLOEXEC, EFD_NONBLOCK and EFD_SEMAPHORE), or made something. */
static void try_flags(int flags, const char *name)
{
    int fd = eventfd(0, flags);
    if (fd != -1)
        errx(EXIT_FAILURE, "eventfd(0, %s) made fd %d (expected EINVAL)", name, fd);
    if (errno != EINVAL)
        err(EXIT_FAILURE, "eventfd(0, %s)", name);
    say("eventfd(0, %s) failed with EINVAL: not an eventfd flag\n", name);
}

/* Every eventfd is O_RDWR: the access mode of 'efd', the flags eventfd2
 * refuses, and O_WRONLY, which it takes as EFD_SEMAPHORE. */
static void no_post_only_handle(int efd)
{
    int flags = status_flags(efd);
    if (flags == -1)
        exit(EXIT_FAILURE);
    say("F_GETFL & O_ACCMODE = %d: O_RDWR (%d), the access mode of every eventfd\n",
        flags & O_ACCMODE, O_RDWR);
    try_flags(O_RDWR, "O_RDWR");
    try_flags(1 << 30, "1 << 30");

    int wronly = eventfd(0, O_WRONLY);
    if (wronly == -1)
        err(EXIT_FAILURE, "eventfd(0, O_WRONLY)");
    flags = status_flags(wronly);
    if (flags == -1)
        exit(EXIT_FAILURE);
    say("eventfd(0, O_WRONLY) made fd %d, access mode %s: O_WRONLY is %d, the value "
        "of EFD_SEMAPHORE (%d)\n", wronly,
        (flags & O_ACCMODE) == O_RDWR ? "O_RDWR" : "NOT O_RDWR", O_WRONLY, EFD_SEMAPHORE);
    show_fdinfo(wronly);
    checkpoint("wronly-created", wronly);
    if ((flags & O_ACCMODE) != O_RDWR)
        errx(EXIT_FAILURE, "eventfd(0, O_WRONLY) is not O_RDWR");
    if (close(wronly) == -1)
        err(EXIT_FAILURE, "close");
}

/* A child given the descriptor to post reads instead, and takes the count. */
static void any_holder_drains(int efd, uint64_t value)
{
    if (!add_to_count_nonblocking(efd, value))
        errx(EXIT_FAILURE, "write: the empty counter refused 0x%" PRIx64 " (EAGAIN)", value);
    say("posted 0x%" PRIx64 " (%" PRIu64 ") for whoever reads it\n", value, value);
    show_fdinfo(efd);
    checkpoint("posted", efd);

    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");
    case 0: {                                   /* child */
        uint64_t taken = drain(efd);
        say("I was to post, but my descriptor reads too: I took 0x%" PRIx64 " (%" PRIu64
            ")\n", taken, taken);
        show_fdinfo(efd);
        checkpoint("drained-by-child", efd);
        if (close(efd) == -1) {
            warn("close");
            _exit(EXIT_FAILURE);                /* a child: see notify */
        }
        _exit(EXIT_SUCCESS);
    }
    default:
        break;
    }
    int status;
    if (!reap(child, &status)) {
        end_child(child);
        exit(EXIT_FAILURE);
    }
    say("child %ld %s\n", (long) child, describe_status(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        exit(EXIT_FAILURE);
    uint64_t left;
    if (read_count_nonblocking(efd, &left))
        errx(EXIT_FAILURE, "read: 0x%" PRIx64 " was left (expected EAGAIN)", left);
    say("the child drained it: my read at count 0 failed with EAGAIN\n");
}

/* A non-blocking semaphore: one token, one read of 1, then EAGAIN. */
static void semaphore_eagain(void)
{
    int sem = create_nonblocking_semaphore(1);
    uint64_t token;
    if (!read_count_nonblocking(sem, &token))
        errx(EXIT_FAILURE, "read: the semaphore's one token is missing (EAGAIN)");
    say("semaphore fd %d (EFD_SEMAPHORE | EFD_NONBLOCK, 1 token): read returned %" PRIu64
        "\n", sem, token);
    if (read_count_nonblocking(sem, &token))
        errx(EXIT_FAILURE, "read of the empty semaphore returned %" PRIu64, token);
    say("semaphore read at count 0 failed with EAGAIN instead of blocking\n");
    show_fdinfo(sem);
    checkpoint("semaphore-empty", sem);
    if (close(sem) == -1)
        err(EXIT_FAILURE, "close");
}

/* On a blocking eventfd: RWF_NOWAIT makes one read non-blocking; a write
 * cannot be made so. */
static void nowait_per_call(uint64_t value)
{
    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    int flags = status_flags(efd);
    if (flags == -1)
        exit(EXIT_FAILURE);
    say("created a blocking eventfd fd %d: O_NONBLOCK is %s\n", efd,
        flags & O_NONBLOCK ? "set" : "not set");

    uint64_t count;
    if (read_count_nowait(efd, &count) != -1)
        errx(EXIT_FAILURE, "preadv2 RWF_NOWAIT at count 0 returned 0x%" PRIx64, count);
    if (errno != EAGAIN && errno != EOPNOTSUPP)
        err(EXIT_FAILURE, "preadv2");
    say("preadv2(RWF_NOWAIT) at count 0 failed with %s instead of blocking\n",
        errno == EAGAIN ? "EAGAIN" : "EOPNOTSUPP (before Linux 5.8)");
    show_fdinfo(efd);
    checkpoint("nowait-refused", efd);

    if (add_to_count_nowait(efd, value) != -1)
        errx(EXIT_FAILURE, "pwritev2 RWF_NOWAIT succeeded (expected EOPNOTSUPP)");
    if (errno != EOPNOTSUPP)
        err(EXIT_FAILURE, "pwritev2");
    say("pwritev2(RWF_NOWAIT) failed with EOPNOTSUPP: eventfd has no write_iter\n");

    if (write(efd, &value, sizeof value) != sizeof value)
        err(EXIT_FAILURE, "write");
    if (read_count_nowait(efd, &count) != sizeof count) {
        if (errno != EOPNOTSUPP)
            err(EXIT_FAILURE, "preadv2");
        say("preadv2(RWF_NOWAIT) is EOPNOTSUPP on this kernel even at count 0x%" PRIx64
            " (before Linux 5.8)\n", value);
    } else {
        say("wrote 0x%" PRIx64 "; preadv2(RWF_NOWAIT) returned 0x%" PRIx64 " (%" PRIu64
            ")\n", value, count, count);
    }
    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
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

    /* What the flags cannot do, and what else never waits. */
    no_post_only_handle(efd);
    any_holder_drains(efd, value);
    semaphore_eagain();
    nowait_per_call(value);

    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
