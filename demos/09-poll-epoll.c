/* 09-poll-epoll — poll and epoll say when an eventfd is ready, and epoll says which one.
 *
 * What it shows
 *   Readiness. poll() reports an eventfd readable (POLLIN) exactly while its
 *   count is above 0, and writable (POLLOUT) while a write of 1 would not
 *   block, that is while the count is below 0xfffffffffffffffe, the largest
 *   count it holds. So at count 0 it is writable only, after a write it is
 *   both, and at 0xfffffffffffffffe it is readable only.
 *   Level versus edge. Registered with epoll in the default, level-triggered
 *   mode, an eventfd is reported by every epoll_wait() until it is read. With
 *   EPOLLET it is reported once per write: a second epoll_wait() reports
 *   nothing although the count is still 1, but a second write reports it
 *   again although the count was already non-zero (the kernel wakes the
 *   eventfd's waiters on every write). The calls use timeout 0, so what they
 *   return is decided by the writes made before them, not by timing.
 *   Which child. The parent gives each of K children an eventfd of its own,
 *   registers them all with one epoll instance, and stores the child's number
 *   in epoll_event.data: when epoll_wait() returns, data says who signalled.
 *   The epoll instance is itself a descriptor: /proc/PID/fd shows it as
 *   anon_inode:[eventpoll] beside the anon_inode:[eventfd]s, and both kinds
 *   are files of the kernel's one shared anonymous inode (same inode number).
 *   Its fdinfo lists a "tfd:" line per registered descriptor.
 *
 * How to run
 *   build/09-poll-epoll [--pause] [--children K]
 *   K: 1..64 (default 3).
 *
 * What to inspect (with --pause)
 *   created      eventfd-count 0; poll() said writable only
 *   full         eventfd-count 0xfffffffffffffffe; poll() said readable only
 *   second-write (edge-triggered) eventfd-count 2: two writes, two events
 *   registered   ls -l /proc/PID/fd: [eventpoll] beside K [eventfd]s;
 *                stat -L -c %i on both kinds prints the same number;
 *                cat /proc/PID/fdinfo/EPOLL-FD: one "tfd:" line per eventfd,
 *                "events: 19" (the EPOLLIN asked for, plus EPOLLERR|EPOLLHUP,
 *                which epoll always adds), "data:" the child's number in hex
 *   reaped       every child heard and reaped: each eventfd-count is 0
 *
 * Kernel: epoll_create1() since Linux 2.6.27; eventfd-count and the epoll
 * fdinfo "tfd:" lines since 3.8.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

#define MAX_CHILDREN 64
#define EVENTFD_MAX (UINT64_MAX - 1)    /* the largest count an eventfd holds */
#define HEAR_TIMEOUT_MS 10000           /* a deadline for a child that never writes */

static const char usage[] =
    "[--pause] [--children K]\n"
    "  --children K  children that each signal on an eventfd of their own:\n"
    "                1..64 (default 3)\n";

static uint64_t children = 3;

static void on_option(int val, const char *arg)
{
    if (val == 'c')
        children = parse_u64(arg, "--children", 1, MAX_CHILDREN);
}

/* What poll() says about 'efd' right now (timeout 0: no waiting). */
static short readiness(int efd)
{
    struct pollfd pfd = { .fd = efd, .events = POLLIN | POLLOUT };
    if (poll(&pfd, 1, 0) == -1)
        die("poll");
    return pfd.revents;
}

static void report_readiness(int efd)
{
    char text[32] = "0";
    fdinfo_field(0, efd, "eventfd-count", text, sizeof text);
    uint64_t count = strtoull(text, NULL, 16);   /* the kernel prints it in hex */
    short revents = readiness(efd);
    say("count 0x%" PRIx64 " (%" PRIu64 "): poll() reports %s%s%s: %s, %s\n", count, count,
        revents & POLLIN ? "POLLIN" : "",
        (revents & POLLIN) && (revents & POLLOUT) ? "|" : "",
        revents & POLLOUT ? "POLLOUT" : "",
        revents & POLLIN ? "readable" : "not readable",
        revents & POLLOUT ? "writable" : "not writable (a write of 1 would block)");
}

/* epoll_wait() with timeout 0: how many events are ready at this moment. */
static int ready_now(int epfd)
{
    struct epoll_event event;
    int n = epoll_wait(epfd, &event, 1, 0);
    if (n == -1)
        die("epoll_wait");
    return n;
}

/* Child number 'n' (1..count): signals the parent once, on its own eventfd. */
static _Noreturn void signal_parent(int epfd, const int *efds, size_t count, size_t n)
{
    uint64_t value = n;
    say("I am child number %zu: writing %" PRIu64 " to my eventfd, fd %d\n",
        n, value, efds[n - 1]);
    if (write(efds[n - 1], &value, sizeof value) != sizeof value)
        die("write");
    for (size_t i = 0; i < count; i++)
        if (close(efds[i]) == -1)
            die("close");
    if (close(epfd) == -1)
        die("close");
    _exit(EXIT_SUCCESS);
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "children", required_argument, NULL, 'c' },
        { NULL, 0, NULL, 0 }
    };
    int first_operand = course_options(argc, argv, usage, options, on_option);
    if (argc > first_operand)
        usage_error("too many arguments");

    /* 1. Readiness, as poll() reports it. */
    int efd = eventfd(0, 0);
    if (efd == -1)
        die("eventfd");
    say("created eventfd fd %d\n", efd);
    report_readiness(efd);
    checkpoint("created", efd);

    uint64_t one = 1, rest = EVENTFD_MAX - 1, value;
    ssize_t got;
    if (write(efd, &one, sizeof one) != sizeof one)
        die("write");
    report_readiness(efd);
    if (write(efd, &rest, sizeof rest) != sizeof rest)
        die("write");
    report_readiness(efd);
    show_fdinfo(efd);
    checkpoint("full", efd);
    while ((got = read(efd, &value, sizeof value)) == -1 && errno == EINTR)
        continue;                       /* a signal handler ran: read again */
    if (got != sizeof value)
        die("read");
    say("read 0x%" PRIx64 " (%" PRIu64 ")\n", value, value);
    report_readiness(efd);

    /* 2. Level-triggered, then edge-triggered epoll on the same eventfd. */
    int epfd = epoll_create1(0);
    if (epfd == -1)
        die("epoll_create1");
    struct epoll_event event = { .events = EPOLLIN, .data.fd = efd };
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &event) == -1)
        die("epoll_ctl ADD");
    say("created epoll instance fd %d, registered fd %d level-triggered (EPOLLIN)\n",
        epfd, efd);
    if (write(efd, &one, sizeof one) != sizeof one)
        die("write");
    say("wrote 1; epoll_wait(timeout 0) reports %d ready\n", ready_now(epfd));
    say("not read yet; epoll_wait(timeout 0) reports %d ready again (level-triggered)\n",
        ready_now(epfd));
    while ((got = read(efd, &value, sizeof value)) == -1 && errno == EINTR)
        continue;                       /* a signal handler ran: read again */
    if (got != sizeof value)
        die("read");
    say("read %" PRIu64 "; epoll_wait(timeout 0) reports %d ready: count 0\n",
        value, ready_now(epfd));

    event.events = EPOLLIN | EPOLLET;
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, efd, &event) == -1)
        die("epoll_ctl MOD");
    say("switched fd %d to edge-triggered (EPOLLIN|EPOLLET)\n", efd);
    if (write(efd, &one, sizeof one) != sizeof one)
        die("write");
    say("wrote 1; epoll_wait(timeout 0) reports %d ready\n", ready_now(epfd));
    say("not read yet; epoll_wait(timeout 0) reports %d ready (edge-triggered: "
        "no new write, no new event)\n", ready_now(epfd));
    if (write(efd, &one, sizeof one) != sizeof one)
        die("write");
    say("wrote 1 more, count already non-zero; epoll_wait(timeout 0) reports %d ready: "
        "every write is a new edge\n", ready_now(epfd));
    show_fdinfo(efd);
    checkpoint("second-write", efd);
    while ((got = read(efd, &value, sizeof value)) == -1 && errno == EINTR)
        continue;                       /* a signal handler ran: read again */
    if (got != sizeof value)
        die("read");
    say("read %" PRIu64 ": both writes, one count\n", value);
    if (epoll_ctl(epfd, EPOLL_CTL_DEL, efd, NULL) == -1)
        die("epoll_ctl DEL");
    if (close(efd) == -1)
        die("close");

    /* 3. One eventfd per child, all registered with the epoll instance;
     *    data.u64 (the whole union: no stray bytes) carries the child's
     *    number back out of epoll_wait(). */
    size_t count = (size_t) children;
    int efds[MAX_CHILDREN] = { 0 };
    pid_t pids[MAX_CHILDREN] = { 0 };
    for (size_t i = 0; i < count; i++) {
        efds[i] = eventfd(0, 0);
        if (efds[i] == -1)
            die("eventfd");
        struct epoll_event child_event = { .events = EPOLLIN, .data.u64 = i + 1 };
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, efds[i], &child_event) == -1)
            die("epoll_ctl ADD");
        say("eventfd fd %d registered with epoll fd %d, data.u64 = %zu (child number %zu)\n",
            efds[i], epfd, i + 1, i + 1);
    }
    checkpoint("registered", efds[0]);

    for (size_t i = 0; i < count; i++) {
        pids[i] = fork();
        switch (pids[i]) {
        case -1:
            die("fork");
        case 0:
            signal_parent(epfd, efds, count, i + 1);
        default:
            break;
        }
    }

    struct epoll_event events[MAX_CHILDREN];
    size_t heard = 0;
    while (heard < count) {
        int ready;
        while ((ready = epoll_wait(epfd, events, (int) count, HEAR_TIMEOUT_MS)) == -1
               && errno == EINTR)
            continue;                   /* a signal, or a stop and continue: wait again */
        if (ready == -1)
            die("epoll_wait");
        if (ready == 0) {
            errno = ETIMEDOUT;
            die("epoll_wait: a child never signalled");
        }
        for (int j = 0; j < ready; j++) {
            uint64_t n = events[j].data.u64;
            while ((got = read(efds[n - 1], &value, sizeof value)) == -1 && errno == EINTR)
                continue;               /* a signal handler ran: read again */
            if (got != sizeof value)
                die("read");
            say("epoll_wait: data.u64 = %" PRIu64 ", so child number %" PRIu64
                " (pid %ld) signalled; read %" PRIu64 " from fd %d\n",
                n, n, (long) pids[n - 1], value, efds[n - 1]);
            heard++;
        }
    }

    int failures = 0;
    for (size_t i = 0; i < count; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) == -1)
            die("waitpid");
        say("child number %zu (pid %ld) %s\n", i + 1, (long) pids[i], describe_status(status));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failures++;
    }
    say("heard from all %zu children\n", count);
    checkpoint("reaped", efds[0]);

    for (size_t i = 0; i < count; i++)
        if (close(efds[i]) == -1)
            die("close");
    if (close(epfd) == -1)
        die("close");
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
