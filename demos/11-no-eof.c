/* 11-no-eof — an eventfd has no end-of-file: with every writer gone, a read would wait forever.
 *
 * What it shows
 *   A pipe knows its writers: once the last write end is closed, read()
 *   returns 0, end of file. An eventfd has no ends: every descriptor can read
 *   and write, and the reader's own descriptor keeps the object alive, so the
 *   kernel can never tell the reader that nobody is left to write. Here a
 *   child writes to a pipe and to an eventfd, then exits; the parent reaps
 *   it, reads what was sent, and then: the pipe's read() returns 0, while
 *   poll() on the eventfd, given a bounded timeout (default 200 ms), returns
 *   0: nothing ready, and no hang-up either. A plain read() there would block
 *   forever. (The timeout bounds the demonstration; nothing waits on it.)
 *   Three remedies:
 *   - a sentinel: the writer's last write is a value no sum of ordinary
 *     notifications can reach (1 << 32 here, since writes add up); the
 *     reader stops when a read returns at least that much. It needs a writer
 *     that lives long enough to send it;
 *   - a pidfd: poll() the eventfd together with pidfd_open(child), which
 *     becomes readable when the child exits, however it ends; then look at
 *     the eventfd one last time, for a write made just before the exit;
 *   - a timeout, as in the first part: the reader wakes up now and then and
 *     decides for itself whether to go on waiting.
 *
 * How to run
 *   build/11-no-eof [--pause] [--timeout MS]
 *   MS: how long poll() waits on the eventfd once no writer is left,
 *   1..10000 (default 200).
 *
 * What to inspect (with --pause)
 *   created        ls -l /proc/PID/fd: two pipe:[INODE] ends, one [eventfd]
 *   writers-gone   the writer is reaped, the pipe said end of file, the
 *                  eventfd's poll() timed out: eventfd-count 0, no child;
 *                  /proc/PID/fd still shows the parent's own [eventfd]
 *   sentinel-seen  the reader stopped at the sentinel: eventfd-count 0
 *   exit-seen      the pidfd said the writer exited: eventfd-count 0;
 *                  ls -l /proc/PID/fd shows anon_inode:[pidfd]
 *
 * Kernel: pidfd_open() since Linux 5.3 (without it the lesson says so and
 * reaps the writer with waitpid() instead).
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

#define NOTIFICATIONS 3

static const char usage[] =
    "[--pause] [--timeout MS]\n"
    "  --timeout MS  how long poll() waits on the eventfd once no writer is\n"
    "                left: 1..10000 (default 200)\n";

static uint64_t timeout_ms = 200;

static void on_option(int val, const char *arg)
{
    if (val == 't')
        timeout_ms = parse_u64(arg, "--timeout", 1, 10000);
}

/* A descriptor that becomes readable when process 'pid' (a child of ours)
 * exits, however it ends. pidfd_open(2) has no glibc wrapper before 2.36.
 * Returns -1 with errno set: ENOSYS before Linux 5.3. */
int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int) syscall(SYS_pidfd_open, pid, 0);
#else
    (void) pid;
    errno = ENOSYS;
    return -1;
#endif
}

/* A writer, in a forked child: 'count' notifications of 1, then 'last'
 * unless it is 0, then it exits. A forked child ends with _exit, not exit,
 * also after a failure: no atexit handler of the parent runs, and stdio
 * buffers copied from the parent are not written a second time. */
_Noreturn void notify_and_exit(int efd, int count, uint64_t last)
{
    uint64_t one = 1;
    for (int i = 0; i < count; i++)
        if (write(efd, &one, sizeof one) != sizeof one) {
            warn("write");
            _exit(EXIT_FAILURE);
        }
    if (last != 0 && write(efd, &last, sizeof last) != sizeof last) {
        warn("write");
        _exit(EXIT_FAILURE);
    }
    if (close(efd) == -1) {
        warn("close");
        _exit(EXIT_FAILURE);
    }
    _exit(EXIT_SUCCESS);
}

/* In a forked child: one byte into the pipe, then the write end is closed:
 * the last write end closed is the pipe's end of file. A failure ends the
 * child with _exit, as above. */
void send_byte_and_close(int write_end)
{
    char byte = 'x';
    if (write(write_end, &byte, 1) != 1) {
        warn("write");
        _exit(EXIT_FAILURE);
    }
    if (close(write_end) == -1) {
        warn("close");
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

/* Takes the whole count into '*count'; at count 0 it waits for a write. The
 * parent reads while a writer lives, so a failure is not the end of the
 * program: warns, returns false. */
bool take_count(int efd, uint64_t *count)
{
    if (read_retrying(efd, count, sizeof *count) != sizeof *count) {
        warn("read");
        return false;
    }
    return true;
}

/* poll(2), made again when a signal interrupts it: the wait then starts
 * again, whole (the timeout is a bound, not a measurement). Returns how many
 * descriptors are ready, 0 when the time ran out, or -1 after a warning. */
int poll_retrying(struct pollfd *fds, nfds_t count, int timeout_ms)
{
    int ready;
    while ((ready = poll(fds, count, timeout_ms)) == -1 && errno == EINTR)
        continue;       /* a handler ran, SA_RESTART or not (lesson 15): poll again */
    if (ready == -1)
        warn("poll");
    return ready;
}

/* The timeout remedy: waits at most 'timeout_ms' for 'fd' to become
 * readable, so that a reader with no writer left wakes up and can decide for
 * itself. Stores poll()'s revents in '*revents'. Returns 1 (readable), 0
 * (time ran out), or -1 after a warning. */
int wait_readable(int fd, int timeout_ms, short *revents)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int ready = poll_retrying(&pfd, 1, timeout_ms);
    *revents = pfd.revents;
    return ready;
}

/* The sentinel remedy: the writer's last word is SENTINEL, a value that no
 * sum of ordinary notifications reaches (writes add up, so one read may
 * return some notifications and the sentinel together). Reads until it
 * comes; stores how many ordinary notifications came in '*notifications'.
 * Returns false after a warning. A writer that dies before its sentinel
 * leaves this loop waiting forever: the pidfd remedy has no such gap. */
#define SENTINEL (UINT64_C(1) << 32)

bool read_until_sentinel(int efd, uint64_t *notifications)
{
    uint64_t value;
    *notifications = 0;
    do {
        if (!take_count(efd, &value))
            return false;
        *notifications += value % SENTINEL;
    } while (value < SENTINEL);
    return true;
}

/* The pidfd remedy: polls the eventfd together with a pidfd of the writer.
 * Whatever the eventfd counts is read first; the loop ends only when the
 * writer has exited and nothing is left to read: an exited writer writes no
 * more, and a write made just before the exit is not lost. Stores the sum
 * of what was read in '*notifications'. Returns false after a warning. */
bool read_until_exit(int efd, int pidfd, uint64_t *notifications)
{
    struct pollfd fds[2] = {
        { .fd = efd, .events = POLLIN },
        { .fd = pidfd, .events = POLLIN },   /* readable once the child exits */
    };
    *notifications = 0;
    for (;;) {
        if (poll_retrying(fds, 2, -1) == -1)
            return false;
        if (fds[0].revents & POLLIN) {
            uint64_t value;
            if (!take_count(efd, &value))
                return false;
            *notifications += value;
            continue;
        }
        if (fds[1].revents & POLLIN)
            return true;
    }
}

/* read() on the pipe: the bytes that wait, or 0 at end of file, once no
 * write end is left open. Returns -1 after a warning. */
ssize_t read_pipe(int read_end, void *buffer, size_t size)
{
    ssize_t got = read_retrying(read_end, buffer, size);
    if (got == -1)
        warn("read");
    return got;
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

/* Reaps the writer and says how it ended. Returns 0 if it exited with
 * status 0, else 1. If the reap fails, ends the writer and exits 1. */
static int reap_writer(pid_t child)
{
    int status;
    if (!reap(child, &status)) {
        end_child(child);
        exit(EXIT_FAILURE);
    }
    say("writer %ld %s\n", (long) child, describe_status(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* Part 1: one writer, on a pipe and on the eventfd; it exits. The pipe says
 * end of file, the eventfd says nothing. Returns the failures seen. */
static int show_no_eof(int pipefd[2], int efd)
{
    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");
    case 0:
        say("writing one byte to the pipe\n");
        if (close(pipefd[0]) == -1) {
            warn("close");
            _exit(EXIT_FAILURE);                /* a child: _exit, as above */
        }
        send_byte_and_close(pipefd[1]);
        say("writing 1 notification of 1, no sentinel, then exiting\n");
        notify_and_exit(efd, 1, 0);
    default:
        break;
    }
    /* The parent's own write end would keep the pipe from ever ending. */
    if (close(pipefd[1]) == -1) {
        warn("close");
        end_child(child);
        exit(EXIT_FAILURE);
    }
    if (reap_writer(child) != 0) {
        /* Its notification may be missing: the read below could wait forever. */
        say("the writer failed, so its notification may be missing: no read\n");
        exit(EXIT_FAILURE);             /* exiting closes the pipe and efd */
    }

    char bytes[16];
    ssize_t got = read_pipe(pipefd[0], bytes, sizeof bytes);
    if (got == -1)
        exit(EXIT_FAILURE);
    say("pipe: read() returned %zd byte%s\n", got, got == 1 ? "" : "s");
    if ((got = read_pipe(pipefd[0], bytes, sizeof bytes)) == -1)
        exit(EXIT_FAILURE);
    say("pipe: read() returned %zd: %s\n", got,
        got == 0 ? "end of file, no writer is left" : "more data?!");

    uint64_t value;
    if (!take_count(efd, &value))
        exit(EXIT_FAILURE);
    say("eventfd: read() returned %" PRIu64 "\n", value);
    short revents;
    int ready = wait_readable(efd, (int) timeout_ms, &revents);
    if (ready == -1)
        exit(EXIT_FAILURE);
    say("eventfd: poll(POLLIN, %" PRIu64 " ms) returned %d, revents 0x%x: %s\n",
        timeout_ms, ready, (unsigned) revents,
        ready == 0 ? "no writer is left, yet no end of file; read() would block forever"
                   : "ready?!");
    show_fdinfo(efd);
    checkpoint("writers-gone", efd);
    if (close(pipefd[0]) == -1)
        err(EXIT_FAILURE, "close");
    return ready == 0 ? 0 : 1;
}

/* Part 2, a remedy: a sentinel value as the writer's last word. Returns the
 * failures seen. */
static int stop_at_sentinel(int efd)
{
    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");
    case 0:
        say("writing %d notifications of 1, then the sentinel, then exiting\n", NOTIFICATIONS);
        notify_and_exit(efd, NOTIFICATIONS, SENTINEL);
    default:
        break;
    }
    uint64_t notifications;
    if (!read_until_sentinel(efd, &notifications)) {
        end_child(child);
        exit(EXIT_FAILURE);
    }
    say("sentinel: %" PRIu64 " notifications, then the sentinel 0x%" PRIx64 " (%" PRIu64 "): "
        "the writer is done\n", notifications, SENTINEL, SENTINEL);
    int failures = reap_writer(child);
    show_fdinfo(efd);
    checkpoint("sentinel-seen", efd);
    return failures;
}

/* Part 3, a remedy: a pidfd that becomes readable when the writer exits.
 * Returns the failures seen. */
static int stop_at_exit(int efd)
{
    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");
    case 0:
        say("writing %d notifications of 1, no sentinel, then exiting\n", NOTIFICATIONS);
        notify_and_exit(efd, NOTIFICATIONS, 0);
    default:
        break;
    }
    int failures = 0;
    uint64_t notifications;
    int pidfd = open_pidfd(child);
    if (pidfd == -1 && errno != ENOSYS) {
        warn("pidfd_open");
        end_child(child);
        exit(EXIT_FAILURE);
    }
    if (pidfd == -1) {
        say("pidfd_open: ENOSYS: not available here (it needs Linux 5.3); "
            "reaping the writer with waitpid() instead\n");
        if (reap_writer(child) != 0) {
            /* Its notifications may be missing: the read could wait forever. */
            say("the writer failed, so its notifications may be missing: no read\n");
            exit(EXIT_FAILURE);         /* exiting closes efd */
        }
        if (!take_count(efd, &notifications))
            exit(EXIT_FAILURE);
        say("waitpid: the writer exited; %" PRIu64 " notifications arrived before it did\n",
            notifications);
    } else {
        if (!read_until_exit(efd, pidfd, &notifications)) {
            end_child(child);
            exit(EXIT_FAILURE);
        }
        say("pidfd %d: the writer exited; %" PRIu64 " notifications arrived before it did\n",
            pidfd, notifications);
        failures = reap_writer(child);
    }
    show_fdinfo(efd);
    checkpoint("exit-seen", efd);
    if (pidfd != -1 && close(pidfd) == -1)
        err(EXIT_FAILURE, "close");
    return failures;
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "timeout", required_argument, NULL, 't' },
        { NULL, 0, NULL, 0 }
    };
    int first_operand = course_options(argc, argv, usage, options, on_option);
    if (argc > first_operand)
        usage_error("too many arguments");

    int pipefd[2];
    if (pipe(pipefd) == -1)
        err(EXIT_FAILURE, "pipe");
    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    say("created a pipe (read end fd %d, write end fd %d) and eventfd fd %d\n",
        pipefd[0], pipefd[1], efd);
    checkpoint("created", efd);

    int failures = show_no_eof(pipefd, efd);
    failures += stop_at_sentinel(efd);
    failures += stop_at_exit(efd);

    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
