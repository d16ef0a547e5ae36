/* 12-vs-pipe — the same notifications through a pipe and through an eventfd.
 *
 * What it shows
 *   A pipe is the classic way to wake another process; an eventfd does the
 *   same job with less:
 *   - descriptors: a pipe has two, a read end and a write end (both
 *     pipe:[INODE] in /proc/PID/fd); an eventfd has one, for both directions;
 *   - what is kept: each notification through the pipe is a byte that waits
 *     in the pipe's buffer, so N notifications are N bytes to read; through
 *     the eventfd they are added to one counter, so N notifications of 1
 *     coalesce into one 8-byte read() that returns N;
 *   - room: a pipe holds F_GETPIPE_SZ bytes (65536 by default) before write()
 *     blocks; write() fills an eventfd's counter up to 0xfffffffffffffffe
 *     before it blocks (lesson 08; only the kernel's own posts take the
 *     count one higher, to 0xffffffffffffffff: lesson 19);
 *   - what the kernel shows: a pipe's fdinfo has no eventfd-count (FIONREAD
 *     tells how many bytes wait); the eventfd's shows the pending count. Both
 *     have an "ino:" line since Linux 5.14.
 *   A child sends N quick notifications (default 10) both ways and exits; the
 *   parent reaps it first, so that everything has been sent, then reads.
 *   (A pipe also has an end of file, which an eventfd lacks: lesson 11.)
 *
 * How to run
 *   build/12-vs-pipe [--pause] [N]
 *   N: how many notifications, 1..4096 (default 10).
 *
 * What to inspect (with --pause)
 *   created   ls -l /proc/PID/fd: two pipe:[INODE] with the same INODE and one
 *             anon_inode:[eventfd]; cat /proc/PID/fdinfo/ for each: only the
 *             eventfd has eventfd-count (0)
 *   all-sent  the writer is reaped: eventfd-count N in hex; the pipe holds N
 *             bytes (FIONREAD); the parent holds only the pipe's read end
 *   read      the pipe gave N bytes and then end of file; the eventfd gave N in
 *             one read: eventfd-count 0
 *
 * Kernel: F_GETPIPE_SZ since Linux 2.6.35; eventfd-count in fdinfo since 3.8.
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
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

#define MAX_NOTIFICATIONS 4096   /* fits in any pipe: the writer never blocks */

static const char usage[] =
    "[--pause] [N]\n"
    "  N        how many notifications to send both ways: 1..4096 (default 10)\n";

/* In the writer, a forked child: one notification each way. Through the
 * pipe it is a byte that waits in the pipe's buffer; through the eventfd, 1
 * added to the count. A failure ends the child with _exit, not exit: no
 * atexit handler of the parent runs, and stdio buffers copied from the
 * parent are not written a second time. */
void notify_both(int pipe_write_end, int efd)
{
    char byte = 'n';
    uint64_t one = 1;
    if (write(pipe_write_end, &byte, 1) != 1) {
        warn("write pipe");
        _exit(EXIT_FAILURE);
    }
    if (write(efd, &one, sizeof one) != sizeof one) {
        warn("write eventfd");
        _exit(EXIT_FAILURE);
    }
}

/* read(2), made again when a signal interrupts it before anything is read.
 * Returns what read() returned. */
ssize_t read_retrying(int fd, void *buffer, size_t size)
{
    ssize_t n;
    while ((n = read(fd, buffer, size)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): read again */
    return n;
}

/* The pipe's reader: the bytes that wait, up to 'size' (one per
 * notification), or 0 at end of file, once no write end is left open.
 * Called when the writer is reaped: a failure ends the program. */
size_t read_pipe(int read_end, char *buffer, size_t size)
{
    ssize_t got = read_retrying(read_end, buffer, size);
    if (got == -1)
        err(EXIT_FAILURE, "read pipe");
    return (size_t) got;
}

/* The eventfd's reader: one 8-byte read takes every notification at once,
 * the sum of all writes, and resets the count to 0. Called when the writer
 * is reaped: a failure ends the program. */
uint64_t take_count(int efd)
{
    uint64_t count;
    if (read_retrying(efd, &count, sizeof count) != sizeof count)
        err(EXIT_FAILURE, "read eventfd");
    return count;
}

/* How many bytes wait in the pipe, as FIONREAD reports it. */
int pending_bytes(int fd)
{
    int pending;
    if (ioctl(fd, FIONREAD, &pending) == -1)
        err(EXIT_FAILURE, "ioctl FIONREAD");
    return pending;
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

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    uint64_t count = 10;
    if (argc - first_operand > 1)
        usage_error("too many arguments");
    if (argc - first_operand == 1)
        count = parse_u64(argv[first_operand], "N", 1, MAX_NOTIFICATIONS);

    int pipefd[2];
    if (pipe(pipefd) == -1)
        err(EXIT_FAILURE, "pipe");
    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    int capacity = fcntl(pipefd[0], F_GETPIPE_SZ);
    if (capacity == -1)
        err(EXIT_FAILURE, "fcntl F_GETPIPE_SZ");
    say("pipe: two descriptors, read end fd %d and write end fd %d\n", pipefd[0], pipefd[1]);
    say("eventfd: one descriptor, fd %d, for reading and writing\n", efd);
    say("pipe capacity (F_GETPIPE_SZ): %d bytes, so at most %d one-byte notifications "
        "wait before write() blocks\n", capacity, capacity);
    say("eventfd capacity: one 64-bit counter, up to 0xfffffffffffffffe (%" PRIu64 ")\n",
        UINT64_MAX - 1);
    say("eventfd: that is as far as write() goes before it blocks; only the kernel's own "
        "posts take the count one higher (lesson 19)\n");
    char field[32];
    say("pipe fd %d fdinfo: %s\n", pipefd[0],
        fdinfo_field(0, pipefd[0], "eventfd-count", field, sizeof field)
            ? "eventfd-count?!" : "no eventfd-count");
    show_fdinfo(efd);
    checkpoint("created", efd);

    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");

    case 0:                          /* the writer: N notifications each way */
        if (close(pipefd[0]) == -1) {
            warn("close");
            _exit(EXIT_FAILURE);     /* a child: _exit, as in notify_both */
        }
        for (uint64_t i = 0; i < count; i++)
            notify_both(pipefd[1], efd);
        say("sent %" PRIu64 " notifications through the pipe and %" PRIu64
            " through the eventfd\n", count, count);
        if (close(pipefd[1]) == -1 || close(efd) == -1) {
            warn("close");
            _exit(EXIT_FAILURE);
        }
        _exit(EXIT_SUCCESS);

    default:
        break;
    }

    if (close(pipefd[1]) == -1) {    /* the reader keeps only the read end */
        warn("close");
        end_child(child);
        return EXIT_FAILURE;
    }
    /* Reap the writer first: then every notification has been sent. */
    int status;
    if (!reap(child, &status)) {
        end_child(child);
        return EXIT_FAILURE;
    }
    say("writer %ld %s\n", (long) child, describe_status(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* Notifications are missing: the eventfd read could wait forever. */
        say("the writer failed, so notifications are missing: no read\n");
        return EXIT_FAILURE;            /* exiting closes the pipe and efd */
    }
    say("pipe: %d bytes wait to be read (FIONREAD)\n", pending_bytes(pipefd[0]));
    show_fdinfo(efd);
    checkpoint("all-sent", efd);

    char bytes[MAX_NOTIFICATIONS];
    size_t got;
    while ((got = read_pipe(pipefd[0], bytes, sizeof bytes)) > 0)
        say("pipe: read() returned %zu bytes: %zu notifications, one byte each\n", got, got);
    say("pipe: read() returned 0: end of file\n");

    uint64_t total = take_count(efd);
    say("eventfd: one read() of 8 bytes returned 0x%" PRIx64 " (%" PRIu64 "): "
        "%" PRIu64 " notifications in one count\n", total, total, total);
    show_fdinfo(efd);
    checkpoint("read", efd);

    if (close(pipefd[0]) == -1)
        err(EXIT_FAILURE, "close");
    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
