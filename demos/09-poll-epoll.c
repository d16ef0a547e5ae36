/* 09-poll-epoll — poll and epoll say when an eventfd is ready, and epoll says which one.
 *
 * What it shows
 *   Readiness. poll() reports an eventfd readable (POLLIN) exactly while its
 *   count is above 0, and writable (POLLOUT) while a write of 1 would not
 *   block, that is while the count is below 0xfffffffffffffffe, the most
 *   write(2) can make it (lesson 08). So at count 0 it is writable only,
 *   after a write it is both, and at 0xfffffffffffffffe it is readable only.
 *   select() follows the same rule: the eventfd is in the read set while the
 *   count is above 0, in the write set while it is below 0xfffffffffffffffe.
 *   (At 0xffffffffffffffff, a count only the kernel's own posts reach, poll()
 *   adds POLLERR and select() says readable and writable: lesson 19.)
 *   Level versus edge. Registered with epoll in the default, level-triggered
 *   mode, an eventfd is reported by every epoll_wait() until it is read. With
 *   EPOLLET it is reported once per write: a second epoll_wait() reports
 *   nothing although the count is still 1, but a second write reports it
 *   again although the count was already non-zero (the kernel wakes the
 *   eventfd's waiters on every write). Even a write of 0, which adds
 *   nothing, is a new edge while the count is above 0; at count 0 epoll
 *   finds the eventfd not readable and reports nothing. The calls use
 *   timeout 0, so what they return is decided by the writes made before
 *   them, not by timing.
 *   Which child. The parent gives each of K children an eventfd of its own,
 *   registers them all with one epoll instance, and stores the child's number
 *   in epoll_event.data: when epoll_wait() returns, data says who signalled.
 *   The epoll instance is itself a descriptor: /proc/PID/fd shows it as
 *   anon_inode:[eventpoll] beside the anon_inode:[eventfd]s, and both kinds
 *   are files of the kernel's one shared anonymous inode (same inode number).
 *   Its fdinfo lists a "tfd:" line per registered descriptor, whose "ino:"
 *   and "sdev:" are in hexadecimal (ino:406 is inode 1030), while the
 *   "ino:" line of every fdinfo (since Linux 5.14) is decimal.
 *   A write of 0 wakes every waiter. fs/eventfd.c wakes the eventfd's wait
 *   queue after every write that succeeds, whatever it added. Two children
 *   sleep on one eventfd at count 0, one in read(), one in epoll_wait(); a
 *   write of 0 wakes both (each one's voluntary_ctxt_switches in
 *   /proc/PID/status goes up), each finds the count still 0, and each goes
 *   back to sleep in the same call.
 *
 * How to run
 *   build/09-poll-epoll [--pause] [--children K]
 *   K: 1..64 (default 3).
 *
 * What to inspect (with --pause)
 *   created      eventfd-count 0; poll() said writable only
 *   full         eventfd-count 0xfffffffffffffffe; poll() said readable only
 *   second-write (edge-triggered) eventfd-count 2: two writes and a write of
 *                0, three events
 *   registered   ls -l /proc/PID/fd: [eventpoll] beside K [eventfd]s;
 *                stat -L -c %i on both kinds prints the same number;
 *                cat /proc/PID/fdinfo/EPOLL-FD: one "tfd:" line per eventfd,
 *                "events: 19" (the EPOLLIN asked for, plus EPOLLERR|EPOLLHUP,
 *                which epoll always adds), "data:" the child's number in hex,
 *                "ino:" and "sdev:" in hex
 *   reaped       every child heard and reaped: each eventfd-count is 0
 *   waiters-asleep  two children asleep on one semaphore eventfd, count 0:
 *                cat /proc/PID/task/PID/children, then for each child
 *                /proc/CHILD/syscall (read or epoll_wait) and the
 *                voluntary_ctxt_switches line of /proc/CHILD/status
 *   zero-woke    after a write of 0: eventfd-count still 0, both children
 *                asleep in the same call again, each voluntary_ctxt_switches
 *                higher
 *
 * Kernel: epoll_create1() since Linux 2.6.27; eventfd-count and the epoll
 * fdinfo "tfd:" lines since 3.8; the "ino:" line of every fdinfo since 5.14.
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
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "course.h"

#define MAX_CHILDREN 64
#define WRITE_LIMIT (UINT64_MAX - 1)    /* the largest count write(2) can make */
#define HEAR_TIMEOUT_MS 10000           /* a deadline for a child that never writes */
#define WAKE_TIMEOUT_MS 10000           /* a deadline for a sleeper to sleep, or wake */

/* glibc's epoll_wait() is the epoll_wait system call where the architecture
 * has one, else epoll_pwait (arm64, riscv64): /proc/PID/syscall shows that. */
#ifdef SYS_epoll_wait
#define EPOLL_WAIT_NR SYS_epoll_wait
#else
#define EPOLL_WAIT_NR SYS_epoll_pwait
#endif

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

/* What select() says about 'efd' right now (timeout 0: no waiting), by the
 * same rule as poll(): in the read set while the count is above 0, in the
 * write set while a write of 1 would not block (the count is below
 * 0xfffffffffffffffe). An fd_set holds only descriptors below FD_SETSIZE
 * (1024); poll() has no such limit. Made before any fork: a failure ends the
 * program. It never sleeps, so no signal interrupts it: no EINTR loop. */
void select_readiness(int efd, bool *readable, bool *writable)
{
    if (efd >= FD_SETSIZE) {
        errno = EINVAL;
        err(EXIT_FAILURE, "select: fd %d is not below FD_SETSIZE", efd);
    }
    fd_set read_set, write_set;
    FD_ZERO(&read_set);
    FD_ZERO(&write_set);
    FD_SET(efd, &read_set);
    FD_SET(efd, &write_set);
    struct timeval no_wait = { 0, 0 };
    if (select(efd + 1, &read_set, &write_set, NULL, &no_wait) == -1)
        err(EXIT_FAILURE, "select");
    *readable = FD_ISSET(efd, &read_set);
    *writable = FD_ISSET(efd, &write_set);
}

/* Adds 'value' to the count. A write of 0 adds nothing, yet it wakes the
 * eventfd's waiters like any other write. Made before any fork: a failure
 * ends the program. */
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

/* Adds 'value' to the count while children live, so a failure is not the
 * end of the program: warns, returns false. The kernel wakes every waiter
 * after every write that succeeds, a write of 0 too (fs/eventfd.c calls
 * wake_up_locked_poll() whatever was added): each waiter then looks again
 * at what it waits for, and sleeps again if it is still missing. */
bool post(int efd, uint64_t value)
{
    if (write(efd, &value, sizeof value) != sizeof value) {
        warn("write");
        return false;
    }
    return true;
}

/* In a forked child: sleeps in read() until the count is above 0, then
 * takes it (one token, in semaphore mode). A failure ends the child with
 * _exit, not exit: no atexit handler of the parent runs, and stdio buffers
 * copied from the parent are not written a second time. */
uint64_t wait_for_notification(int efd)
{
    uint64_t value;
    ssize_t n;
    while ((n = read(efd, &value, sizeof value)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): read again */
    if (n != sizeof value) {
        warn("read");
        _exit(EXIT_FAILURE);
    }
    return value;
}

/* In a forked child: sleeps in epoll_wait() until a descriptor registered
 * with 'epfd' is reported ready, with no time limit. A failure ends the
 * child with _exit, as in wait_for_notification(). */
void wait_until_ready(int epfd)
{
    struct epoll_event event;
    int ready;
    while ((ready = epoll_wait(epfd, &event, 1, -1)) == -1 && errno == EINTR)
        continue;       /* a handler ran, or a stop and continue (lesson 15): wait again */
    if (ready == -1) {
        warn("epoll_wait");
        _exit(EXIT_FAILURE);
    }
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
    bool readable, writable;
    select_readiness(efd, &readable, &writable);
    say("count 0x%" PRIx64 " (%" PRIu64 "): select() reports it in %s\n", count, count,
        readable && writable ? "the read set and the write set"
        : readable ? "the read set only"
        : writable ? "the write set only" : "neither set");
}

/* voluntary_ctxt_switches from /proc/PID/status: how many times the process
 * went to sleep. 0 when it cannot be read (the process is gone). */
static uint64_t sleeps(pid_t pid)
{
    char path[64], line[256];
    uint64_t count = 0;
    snprintf(path, sizeof path, "/proc/%ld/status", (long) pid);
    FILE *status = fopen(path, "r");
    if (status == NULL)
        return 0;
    while (fgets(line, sizeof line, status))
        if (strncmp(line, "voluntary_ctxt_switches:", 24) == 0)
            count = strtoull(line + 24, NULL, 10);
    fclose(status);
    return count;
}

/* Waits until 'pid' has slept more than 'before' times and sleeps in system
 * call 'nr' on 'fd' again: it was woken, and went back to sleep. */
static bool woke_and_slept_again(pid_t pid, uint64_t before, long nr, int fd)
{
    const struct timespec one_ms = { 0, 1000000 };
    for (int waited = 0; sleeps(pid) <= before; waited++) {
        if (waited >= WAKE_TIMEOUT_MS) {
            errno = ETIMEDOUT;
            return false;
        }
        nanosleep(&one_ms, NULL);   /* look again: the condition has a deadline */
    }
    return wait_until_blocked(pid, nr, fd, WAKE_TIMEOUT_MS);
}

/* The line the epoll instance's fdinfo prints for 'fd', decoded: "ino:" and
 * "sdev:" are hexadecimal there (the kernel prints them with %lx and %x),
 * and sdev is the kernel's dev_t, major << 20 | minor. Set beside what
 * fstat() says of 'fd', in decimal. */
static void show_epoll_target(int epfd, int fd)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", epfd);
    FILE *info = fopen(path, "r");
    if (info == NULL)
        err(EXIT_FAILURE, "open %s", path);
    unsigned long ino = 0;
    unsigned int sdev = 0;
    bool found = false;
    while (!found && fgets(line, sizeof line, info)) {
        int tfd;
        const char *at = strstr(line, " ino:");
        found = sscanf(line, "tfd: %d", &tfd) == 1 && tfd == fd && at != NULL &&
                sscanf(at, " ino:%lx sdev:%x", &ino, &sdev) == 2;
    }
    fclose(info);
    struct stat st;
    if (fstat(fd, &st) == -1)
        err(EXIT_FAILURE, "fstat");
    if (!found) {
        say("epoll fd %d fdinfo: no ino: and sdev: in the tfd line of fd %d\n", epfd, fd);
        return;
    }
    say("epoll fd %d fdinfo, tfd %d: ino:%lx sdev:%x are hex: inode %lu, device %u:%u; "
        "fstat() of fd %d: inode %ju, device %u:%u\n", epfd, fd, ino, sdev, ino,
        sdev >> 20, sdev & 0xfffff, fd, (uintmax_t) st.st_ino, major(st.st_dev),
        minor(st.st_dev));
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
    notify(efd, WRITE_LIMIT - 1);
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
    say("no write since; epoll_wait(timeout 0) reports %d ready\n", ready_now(epfd));
    notify(efd, 0);
    say("wrote 0, which adds nothing; epoll_wait(timeout 0) reports %d ready: "
        "a write of 0 is a new edge too\n", ready_now(epfd));
    show_fdinfo(efd);
    checkpoint("second-write", efd);
    if (!take_count(efd, &value))
        exit(EXIT_FAILURE);
    say("read %" PRIu64 ": both writes, one count\n", value);
    notify(efd, 0);
    say("count 0, wrote 0; epoll_wait(timeout 0) reports %d ready: "
        "not readable, so no edge to report\n", ready_now(epfd));
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
    show_epoll_target(epfd, efds[0]);
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

/* Part 4: a write of 0 wakes every waiter. Two children sleep on one
 * eventfd at count 0, one in read(), one in epoll_wait(); after the write of
 * 0, each has been woken once and sleeps in the same call again. The
 * eventfd is a semaphore, so that one post of 2 at the end feeds both, one
 * token each, whichever wakes first. Returns the lesson's exit status. */
static int show_zero_write_wakes_all(void)
{
    int efd = eventfd(0, EFD_SEMAPHORE);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    int epfd = epoll_create1(0);
    if (epfd == -1)
        err(EXIT_FAILURE, "epoll_create1");
    set_watch(epfd, EPOLL_CTL_ADD, efd, EPOLLIN, 0);
    say("created semaphore eventfd fd %d and epoll fd %d watching it (EPOLLIN)\n", efd, epfd);

    static const char *const calls[2] = { "read()", "epoll_wait()" };
    const long call_nrs[2] = { SYS_read, EPOLL_WAIT_NR };
    const int call_fds[2] = { efd, epfd };
    pid_t pids[2] = { 0 };
    uint64_t before[2];
    for (size_t i = 0; i < 2; i++) {
        pids[i] = fork();
        switch (pids[i]) {
        case -1:
            warn("fork");
            end_children(pids, i);
            return EXIT_FAILURE;
        case 0:
            say("sleeping in %s on fd %d\n", calls[i], call_fds[i]);
            if (i == 1) {
                wait_until_ready(epfd);
                say("epoll_wait() reported fd %d ready\n", efd);
            }
            /* Blocking: should the other child take the token first, this
             * read sleeps until the next post. */
            uint64_t value = wait_for_notification(efd);
            say("read %" PRIu64 "\n", value);
            if (close(epfd) == -1 || close(efd) == -1) {
                warn("close");
                _exit(EXIT_FAILURE);
            }
            _exit(EXIT_SUCCESS);
        default:
            break;
        }
    }
    for (size_t i = 0; i < 2; i++) {
        if (!wait_until_blocked(pids[i], call_nrs[i], call_fds[i], WAKE_TIMEOUT_MS)) {
            warn("waiting for child %ld to sleep in %s", (long) pids[i], calls[i]);
            end_children(pids, 2);
            return EXIT_FAILURE;
        }
        before[i] = sleeps(pids[i]);
        say("child %ld sleeps in %s on fd %d: voluntary_ctxt_switches %" PRIu64 "\n",
            (long) pids[i], calls[i], call_fds[i], before[i]);
    }
    show_fdinfo(efd);
    checkpoint("waiters-asleep", efd);

    if (!post(efd, 0)) {
        end_children(pids, 2);
        return EXIT_FAILURE;
    }
    say("wrote 0\n");
    for (size_t i = 0; i < 2; i++) {
        if (!woke_and_slept_again(pids[i], before[i], call_nrs[i], call_fds[i])) {
            warn("waiting for child %ld to wake and sleep again", (long) pids[i]);
            end_children(pids, 2);
            return EXIT_FAILURE;
        }
        say("child %ld woke (voluntary_ctxt_switches %" PRIu64 " -> %" PRIu64 "), "
            "found the count 0 and sleeps in %s again\n",
            (long) pids[i], before[i], sleeps(pids[i]), calls[i]);
    }
    say("a write of 0 woke both sleepers and added nothing\n");
    show_fdinfo(efd);
    checkpoint("zero-woke", efd);

    if (!post(efd, 2)) {
        end_children(pids, 2);
        return EXIT_FAILURE;
    }
    say("wrote 2: one token for each child\n");
    int failures = 0;
    for (size_t i = 0; i < 2; i++) {
        int status;
        if (!reap(pids[i], &status)) {
            end_children(pids + i, 2 - i);
            return EXIT_FAILURE;
        }
        say("child %ld %s\n", (long) pids[i], describe_status(status));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failures++;
    }
    if (close(epfd) == -1 || close(efd) == -1)
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
    if (status != EXIT_SUCCESS)
        return status;
    return show_zero_write_wakes_all();
}
