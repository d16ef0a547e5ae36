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
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
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

/* What poll() says about 'efd' right now (timeout 0: no waiting): POLLIN
 * while the count is above 0, POLLOUT while a write of 1 would not block
 * (the count is below 0xfffffffffffffffe). Made before any fork: a failure
 * ends the program. It never sleeps, so no signal interrupts it: no EINTR
 * loop (lesson 15). */
short readiness(int efd)
{
    struct pollfd pfd = { .fd = efd, .events = POLLIN | POLLOUT };
    if (poll(&pfd, 1, 0) == -1)
        err(EXIT_FAILURE, "poll");
    return pfd.revents;
}

/* Adds 'value' to the count. Made before any fork: a failure ends the
 * program. */
void notify(int efd, uint64_t value)
{
    if (write(efd, &value, sizeof value) != sizeof value)
        err(EXIT_FAILURE, "write");
}

/* Registers 'fd' with the epoll instance 'epfd' (op EPOLL_CTL_ADD), changes
 * its registration (EPOLL_CTL_MOD) or removes it (EPOLL_CTL_DEL). 'events'
 * is what to report: EPOLLIN, plus EPOLLET for edge-triggered. 'data' comes
 * back unchanged in the epoll_event that epoll_wait() returns for 'fd': a
 * number of your choice (here the child's), a pointer, or the fd itself.
 * Made before any fork: a failure ends the program. */
void set_watch(int epfd, int op, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event event = { .events = events, .data.u64 = data };
    if (epoll_ctl(epfd, op, fd, &event) == -1)
        err(EXIT_FAILURE, "epoll_ctl %s",
            op == EPOLL_CTL_ADD ? "ADD" : op == EPOLL_CTL_MOD ? "MOD" : "DEL");
}

/* How many registered descriptors epoll_wait() reports ready at this moment
 * (timeout 0: no waiting). Made before any fork: a failure ends the program.
 * It never sleeps, so no signal interrupts it: no EINTR loop (lesson 15). */
int ready_now(int epfd)
{
    struct epoll_event event;
    int n = epoll_wait(epfd, &event, 1, 0);
    if (n == -1)
        err(EXIT_FAILURE, "epoll_wait");
    return n;
}

/* Child number 'n' (1..count): adds n to its own eventfd, efds[n - 1], then
 * closes every descriptor it inherited and exits. A forked child ends with
 * _exit, not exit: no atexit handler of the parent runs, and stdio buffers
 * copied from the parent are not written a second time. */
_Noreturn void signal_parent(int epfd, const int *efds, size_t count, size_t n)
{
    uint64_t value = n;
    if (write(efds[n - 1], &value, sizeof value) != sizeof value) {
        warn("write");
        _exit(EXIT_FAILURE);
    }
    for (size_t i = 0; i < count; i++)
        if (close(efds[i]) == -1) {
            warn("close");
            _exit(EXIT_FAILURE);
        }
    if (close(epfd) == -1) {
        warn("close");
        _exit(EXIT_FAILURE);
    }
    _exit(EXIT_SUCCESS);
}

/* Takes the whole count into '*count'. The parent reads while children live,
 * so a failure is not the end of the program: warns, returns false. */
bool take_count(int efd, uint64_t *count)
{
    ssize_t n;
    while ((n = read(efd, count, sizeof *count)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): read again */
    if (n != sizeof *count) {
        warn("read");
        return false;
    }
    return true;
}

/* Waits until at least one descriptor registered with 'epfd' is ready, at
 * most 'timeout_ms', and fills events[0..ready-1]; each one's data is what
 * set_watch() stored for it. Returns how many are ready, or -1 after a
 * warning, also when the time ran out (ETIMEDOUT: nobody signalled). */
int wait_for_signals(int epfd, struct epoll_event *events, int max, int timeout_ms)
{
    int ready;
    while ((ready = epoll_wait(epfd, events, max, timeout_ms)) == -1 && errno == EINTR)
        continue;       /* a handler ran, or a stop and continue (lesson 15): wait again */
    if (ready == 0) {
        errno = ETIMEDOUT;
        warn("epoll_wait: nobody signalled");
        return -1;
    }
    if (ready == -1)
        warn("epoll_wait");
    return ready;
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

/* The parent failed while children live: kill each one, then reap each one,
 * so that none is left running or a zombie. The caller then exits with 1. */
void end_children(const pid_t *children, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (kill(children[i], SIGKILL) == -1)
            warn("kill");
    for (size_t i = 0; i < count; i++)
        reap(children[i], NULL);
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

/* Part 1: readiness as poll() reports it, at count 0, 1 and the maximum.
 * Returns the eventfd, emptied again, for part 2. */
static int show_poll_readiness(void)
{
    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    say("created eventfd fd %d\n", efd);
    report_readiness(efd);
    checkpoint("created", efd);

    notify(efd, 1);
    report_readiness(efd);
    notify(efd, EVENTFD_MAX - 1);
    report_readiness(efd);
    show_fdinfo(efd);
    checkpoint("full", efd);
    uint64_t value;
    if (!take_count(efd, &value))
        exit(EXIT_FAILURE);
    say("read 0x%" PRIx64 " (%" PRIu64 ")\n", value, value);
    report_readiness(efd);
    return efd;
}

/* Part 2: level-triggered, then edge-triggered epoll on the same eventfd,
 * which it closes. Returns the epoll instance, for part 3. */
static int show_level_and_edge(int efd)
{
    int epfd = epoll_create1(0);
    if (epfd == -1)
        err(EXIT_FAILURE, "epoll_create1");
    set_watch(epfd, EPOLL_CTL_ADD, efd, EPOLLIN, 0);
    say("created epoll instance fd %d, registered fd %d level-triggered (EPOLLIN)\n",
        epfd, efd);
    uint64_t value;
    notify(efd, 1);
    say("wrote 1; epoll_wait(timeout 0) reports %d ready\n", ready_now(epfd));
    say("not read yet; epoll_wait(timeout 0) reports %d ready again (level-triggered)\n",
        ready_now(epfd));
    if (!take_count(efd, &value))
        exit(EXIT_FAILURE);
    say("read %" PRIu64 "; epoll_wait(timeout 0) reports %d ready: count 0\n",
        value, ready_now(epfd));

    set_watch(epfd, EPOLL_CTL_MOD, efd, EPOLLIN | EPOLLET, 0);
    say("switched fd %d to edge-triggered (EPOLLIN|EPOLLET)\n", efd);
    notify(efd, 1);
    say("wrote 1; epoll_wait(timeout 0) reports %d ready\n", ready_now(epfd));
    say("not read yet; epoll_wait(timeout 0) reports %d ready (edge-triggered: "
        "no new write, no new event)\n", ready_now(epfd));
    notify(efd, 1);
    say("wrote 1 more, count already non-zero; epoll_wait(timeout 0) reports %d ready: "
        "every write is a new edge\n", ready_now(epfd));
    show_fdinfo(efd);
    checkpoint("second-write", efd);
    if (!take_count(efd, &value))
        exit(EXIT_FAILURE);
    say("read %" PRIu64 ": both writes, one count\n", value);
    set_watch(epfd, EPOLL_CTL_DEL, efd, 0, 0);
    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return epfd;
}

/* Part 3: one eventfd per child, all registered with the epoll instance;
 * data.u64 (the whole union: no stray bytes) carries the child's number back
 * out of epoll_wait(). Returns the lesson's exit status. */
static int hear_children(int epfd, size_t count)
{
    int efds[MAX_CHILDREN] = { 0 };
    pid_t pids[MAX_CHILDREN] = { 0 };
    for (size_t i = 0; i < count; i++) {
        efds[i] = eventfd(0, 0);
        if (efds[i] == -1)
            err(EXIT_FAILURE, "eventfd");
        set_watch(epfd, EPOLL_CTL_ADD, efds[i], EPOLLIN, i + 1);
        say("eventfd fd %d registered with epoll fd %d, data.u64 = %zu (child number %zu)\n",
            efds[i], epfd, i + 1, i + 1);
    }
    checkpoint("registered", efds[0]);

    for (size_t i = 0; i < count; i++) {
        pids[i] = fork();
        switch (pids[i]) {
        case -1:
            warn("fork");
            end_children(pids, i);
            return EXIT_FAILURE;
        case 0:
            say("I am child number %zu: writing %zu to my eventfd, fd %d\n",
                i + 1, i + 1, efds[i]);
            signal_parent(epfd, efds, count, i + 1);
        default:
            break;
        }
    }

    struct epoll_event events[MAX_CHILDREN];
    size_t heard = 0;
    while (heard < count) {
        int ready = wait_for_signals(epfd, events, (int) count, HEAR_TIMEOUT_MS);
        if (ready == -1) {
            end_children(pids, count);
            return EXIT_FAILURE;
        }
        for (int j = 0; j < ready; j++) {
            uint64_t n = events[j].data.u64, value;
            if (!take_count(efds[n - 1], &value)) {
                end_children(pids, count);
                return EXIT_FAILURE;
            }
            say("epoll_wait: data.u64 = %" PRIu64 ", so child number %" PRIu64
                " (pid %ld) signalled; read %" PRIu64 " from fd %d\n",
                n, n, (long) pids[n - 1], value, efds[n - 1]);
            heard++;
        }
    }

    int failures = 0;
    for (size_t i = 0; i < count; i++) {
        int status;
        if (!reap(pids[i], &status)) {
            end_children(pids + i, count - i);
            return EXIT_FAILURE;
        }
        say("child number %zu (pid %ld) %s\n", i + 1, (long) pids[i], describe_status(status));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failures++;
    }
    say("heard from all %zu children\n", count);
    checkpoint("reaped", efds[0]);

    for (size_t i = 0; i < count; i++)
        if (close(efds[i]) == -1)
            err(EXIT_FAILURE, "close");
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
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

    int efd = show_poll_readiness();
    int epfd = show_level_and_edge(efd);
    int status = hear_children(epfd, (size_t) children);
    if (close(epfd) == -1)
        err(EXIT_FAILURE, "close");
    return status;
}
