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
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "course.h"

#define NOTIFICATIONS 3
#define SENTINEL (UINT64_C(1) << 32)   /* more than any sum of ordinary notifications */

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

/* pidfd_open(2) has no glibc wrapper before 2.36. */
static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int) syscall(SYS_pidfd_open, pid, 0);
#else
    (void) pid;
    errno = ENOSYS;
    return -1;
#endif
}

/* A writer: 'count' notifications of 1, then 'last' unless it is 0; exits. */
static _Noreturn void notify(int efd, int count, uint64_t last)
{
    say("writing %d notification%s of 1, %s, then exiting\n", count, count == 1 ? "" : "s",
        last != 0 ? "then the sentinel" : "no sentinel");
    uint64_t one = 1;
    for (int i = 0; i < count; i++)
        if (write(efd, &one, sizeof one) != sizeof one)
            die("write");
    if (last != 0 && write(efd, &last, sizeof last) != sizeof last)
        die("write");
    if (close(efd) == -1)
        die("close");
    _exit(EXIT_SUCCESS);
}

static int reap(pid_t child)
{
    int status;
    if (waitpid(child, &status, 0) == -1)
        die("waitpid");
    say("writer %ld %s\n", (long) child, describe_status(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* Milliseconds on the monotonic clock, for a deadline. */
static int64_t now_ms(void)
{
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
        die("clock_gettime");
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* poll() that waits at most 'limit_ms' in all: after a signal handler
 * interrupts it (EINTR) it waits only for the time that is left. */
static int poll_within(struct pollfd *fds, nfds_t count, int limit_ms)
{
    int64_t deadline = now_ms() + limit_ms;
    int left_ms = limit_ms, ready;
    while ((ready = poll(fds, count, left_ms)) == -1 && errno == EINTR) {
        int64_t left = deadline - now_ms();
        left_ms = left > 0 ? (int) left : 0;
    }
    if (ready == -1)
        die("poll");
    return ready;
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

    /* 1. One writer, a pipe and an eventfd; the writer exits. */
    int pipefd[2];
    if (pipe(pipefd) == -1)
        die("pipe");
    int efd = eventfd(0, 0);
    if (efd == -1)
        die("eventfd");
    say("created a pipe (read end fd %d, write end fd %d) and eventfd fd %d\n",
        pipefd[0], pipefd[1], efd);
    checkpoint("created", efd);

    int failures = 0;
    pid_t child = fork();
    switch (child) {
    case -1:
        die("fork");
    case 0: {
        char byte = 'x';
        say("writing one byte to the pipe\n");
        if (close(pipefd[0]) == -1)
            die("close");
        if (write(pipefd[1], &byte, 1) != 1)
            die("write");
        if (close(pipefd[1]) == -1)
            die("close");
        notify(efd, 1, 0);
    }
    default:
        break;
    }
    /* The parent's own write end would keep the pipe from ever ending. */
    if (close(pipefd[1]) == -1)
        die("close");
    if (reap(child) != 0) {
        /* Its notification may be missing: the read below could wait forever. */
        say("the writer failed, so its notification may be missing: no read\n");
        return EXIT_FAILURE;            /* exiting closes the pipe and efd */
    }

    char bytes[16];
    ssize_t got = read(pipefd[0], bytes, sizeof bytes);
    if (got == -1)
        die("read");
    say("pipe: read() returned %zd byte%s\n", got, got == 1 ? "" : "s");
    got = read(pipefd[0], bytes, sizeof bytes);
    if (got == -1)
        die("read");
    say("pipe: read() returned %zd: %s\n", got,
        got == 0 ? "end of file, no writer is left" : "more data?!");

    uint64_t value;
    ssize_t n;
    while ((n = read(efd, &value, sizeof value)) == -1 && errno == EINTR)
        continue;                       /* a signal handler ran: read again */
    if (n != sizeof value)
        die("read");
    say("eventfd: read() returned %" PRIu64 "\n", value);
    struct pollfd pfd = { .fd = efd, .events = POLLIN };
    int ready = poll_within(&pfd, 1, (int) timeout_ms);
    say("eventfd: poll(POLLIN, %" PRIu64 " ms) returned %d, revents 0x%x: %s\n",
        timeout_ms, ready, (unsigned) pfd.revents,
        ready == 0 ? "no writer is left, yet no end of file; read() would block forever"
                   : "ready?!");
    if (ready != 0)
        failures++;
    show_fdinfo(efd);
    checkpoint("writers-gone", efd);
    if (close(pipefd[0]) == -1)
        die("close");

    /* 2. Remedy: a sentinel value as the writer's last word. */
    child = fork();
    switch (child) {
    case -1:
        die("fork");
    case 0:
        notify(efd, NOTIFICATIONS, SENTINEL);
    default:
        break;
    }
    /* The sentinel's weakness: a writer that dies before sending it leaves
     * this loop waiting forever. The pidfd below has no such gap. */
    uint64_t notifications = 0;
    bool done = false;
    while (!done) {
        while ((n = read(efd, &value, sizeof value)) == -1 && errno == EINTR)
            continue;                   /* a signal handler ran: read again */
        if (n != sizeof value)
            die("read");
        done = value >= SENTINEL;
        notifications += value % SENTINEL;
    }
    say("sentinel: %" PRIu64 " notifications, then the sentinel 0x%" PRIx64 " (%" PRIu64 "): "
        "the writer is done\n", notifications, SENTINEL, SENTINEL);
    failures += reap(child);
    show_fdinfo(efd);
    checkpoint("sentinel-seen", efd);

    /* 3. Remedy: a pidfd that becomes readable when the writer exits. */
    child = fork();
    switch (child) {
    case -1:
        die("fork");
    case 0:
        notify(efd, NOTIFICATIONS, 0);
    default:
        break;
    }
    int pidfd = open_pidfd(child);
    if (pidfd == -1 && errno != ENOSYS)
        die("pidfd_open");
    if (pidfd == -1) {
        say("pidfd_open: ENOSYS: not available here (it needs Linux 5.3); "
            "reaping the writer with waitpid() instead\n");
        if (reap(child) != 0) {
            /* Its notifications may be missing: the read could wait forever. */
            say("the writer failed, so its notifications may be missing: no read\n");
            return EXIT_FAILURE;        /* exiting closes efd */
        }
        while ((n = read(efd, &value, sizeof value)) == -1 && errno == EINTR)
            continue;                   /* a signal handler ran: read again */
        if (n != sizeof value)
            die("read");
        say("waitpid: the writer exited; %" PRIu64 " notifications arrived before it did\n",
            value);
    } else {
        notifications = 0;
        struct pollfd fds[2] = {
            { .fd = efd, .events = POLLIN },
            { .fd = pidfd, .events = POLLIN },   /* readable once the child exits */
        };
        /* Read whatever is counted first; leave only when the writer has
         * exited and nothing is left to read: it can write no more. */
        for (;;) {
            while ((ready = poll(fds, 2, -1)) == -1 && errno == EINTR)
                continue;               /* a signal handler ran: poll again */
            if (ready == -1)
                die("poll");
            if (fds[0].revents & POLLIN) {
                while ((n = read(efd, &value, sizeof value)) == -1 && errno == EINTR)
                    continue;           /* a signal handler ran: read again */
                if (n != sizeof value)
                    die("read");
                notifications += value;
                continue;
            }
            if (fds[1].revents & POLLIN)
                break;
        }
        say("pidfd %d: the writer exited; %" PRIu64 " notifications arrived before it did\n",
            pidfd, notifications);
        failures += reap(child);
    }
    show_fdinfo(efd);
    checkpoint("exit-seen", efd);
    if (pidfd != -1 && close(pidfd) == -1)
        die("close");

    if (close(efd) == -1)
        die("close");
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
