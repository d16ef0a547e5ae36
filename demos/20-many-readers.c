/* 20-many-readers — many readers on one eventfd: one write wakes them all, one takes the count.
 *
 * What it shows
 *   One write wakes every reader. A read that finds the count at 0 sleeps on
 *   the eventfd's wait queue, and fs/eventfd.c puts it there as a
 *   non-exclusive waiter (wait_event_interruptible_locked_irq since Linux
 *   6.4, an open-coded __add_wait_queue loop before), so a write wakes all
 *   of them. Each woken reader takes the kernel's lock and looks at
 *   the count again: the first takes it all (normal mode) and returns, the
 *   others find 0 and go back to sleep. The lesson shows it with K children
 *   asleep in read(): after one write exactly one child reports a value, and
 *   every other child is asleep in read() again, its voluntary_ctxt_switches
 *   (/proc/PID/status) one higher: it woke, found nothing, slept again.
 *   In semaphore mode K posts of 1 feed K readers exactly one token each.
 *   EPOLLEXCLUSIVE. A waiter that epoll put on the eventfd's queue with
 *   EPOLLEXCLUSIVE is an exclusive one, and an eventfd write wakes at most one
 *   exclusive waiter that has someone sleeping in epoll_wait: K children,
 *   each with its own epoll instance registered with EPOLLIN|EPOLLEXCLUSIVE,
 *   and K posts: each post wakes exactly one child, and the others do not
 *   even wake (their voluntary_ctxt_switches stay the same). The man page
 *   promises "one or more", so a woken child still reads without blocking
 *   and goes back to epoll_wait on EAGAIN.
 *   Nothing is lost. A read takes the count and resets it in one step under
 *   the eventfd's lock, the same lock every write takes to add, so no post
 *   can fall between "take" and "reset". The stress part proves it: W writer
 *   children post 1, 2, ..., P each, K reader children read concurrently,
 *   and the sum of everything read equals the sum posted.
 *
 * How to run
 *   build/20-many-readers [--pause] [--readers K] [--writers W] [--posts P]
 *   K: 2..16 (default 3); W: 1..8 (default 2); P: 1..1000000 (default 10000).
 *
 * What to inspect (with --pause; every checkpoint is the parent's)
 *   all-asleep       eventfd-count 0; each child (cat /proc/PID/task/PID/children)
 *                    in state S, /proc/CHILD/syscall "0 0x3 ..." (read, fd 3)
 *                    on x86-64; wchan eventfd_read (6.1) or do_wait_intr_irq
 *   one-took         after one write: eventfd-count 0; one child less, every
 *                    other child asleep in read() again
 *   tokens-awaited   the semaphore eventfd: eventfd-count 0, K children asleep
 *   all-fed          K posts taken, one each: eventfd-count 0, no child left
 *   exclusive-waiting  K children in epoll_wait; in a child,
 *                    cat /proc/CHILD/fdinfo/EPFD: "tfd: 3 events: 10000019"
 *                    (EPOLLEXCLUSIVE is 0x10000000)
 *   one-woken        after one post: one child less, the others still in
 *                    epoll_wait and never woken
 *   sums-match       the stress part: eventfd-count 0, the sums printed
 *
 * Kernel: eventfd since 2.6.22, EFD_SEMAPHORE since 2.6.30, EPOLLEXCLUSIVE
 * since 4.5; voluntary_ctxt_switches in /proc/PID/status since 2.6.23.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "course.h"

#define MAX_READERS 16
#define MAX_WRITERS 8
#define TIMEOUT_MS 10000

/* glibc's epoll_wait() is the epoll_wait system call where the architecture
 * has one, else epoll_pwait (arm64, riscv64): /proc/PID/syscall shows that. */
#ifdef SYS_epoll_wait
#define EPOLL_WAIT_NR SYS_epoll_wait
#else
#define EPOLL_WAIT_NR SYS_epoll_pwait
#endif

static const char usage[] =
    "[--pause] [--readers K] [--writers W] [--posts P]\n"
    "  --readers K  children that read one eventfd together: 2..16 (default 3)\n"
    "  --writers W  children that post in the stress part: 1..8 (default 2)\n"
    "  --posts P    posts per writer, of 1, 2, ..., P: 1..1000000 (default 10000)\n";

static uint64_t readers = 3;
static uint64_t writers = 2;
static uint64_t posts = 10000;

static void on_option(int val, const char *arg)
{
    if (val == 'r')
        readers = parse_u64(arg, "--readers", 2, MAX_READERS);
    else if (val == 'w')
        writers = parse_u64(arg, "--writers", 1, MAX_WRITERS);
    else if (val == 'p')
        posts = parse_u64(arg, "--posts", 1, 1000000);
}

/* Makes CALL again for as long as it fails with EINTR, and leaves its result
 * in RESULT. A signal handler installed without SA_RESTART (perhaps by a
 * library) makes a sleeping read() or waitpid() fail with EINTR; poll() and
 * epoll_wait() fail with EINTR after any handler, and after a stop and
 * continue too (signal(7)). Nothing happened: make the call again. */
#define RETRY_ON_EINTR(result, call) \
    do (result) = (call); while ((result) == -1 && errno == EINTR)

/* Adds 'value' to the count and wakes every reader asleep on the eventfd.
 * Returns false (errno says why) when the write fails. */
bool notify(int efd, uint64_t value)
{
    return write(efd, &value, sizeof value) == sizeof value;
}

/* A reader in a forked child: sleeps until the count is above 0, then takes
 * it all (or one token, in semaphore mode). Woken together with the other
 * readers, it may find the count taken already: then the kernel puts it back
 * to sleep inside this same read(). A failure ends the child with _exit():
 * exit() would run the parent's atexit handlers and flush a second time the
 * stdio buffers the child copied from the parent. */
uint64_t wait_for_notification(int efd)
{
    uint64_t value;
    ssize_t n;
    RETRY_ON_EINTR(n, read(efd, &value, sizeof value));
    if (n != sizeof value) {
        warn("read");
        _exit(EXIT_FAILURE);
    }
    return value;
}

/* An epoll instance whose only interest is 'efd', registered with
 * EPOLLEXCLUSIVE: of all the epoll instances registered so on one eventfd,
 * a write wakes one (the man page says "one or more") that has a waiter.
 * Returns the epoll descriptor, or -1 after a message. */
int watch_exclusively(int efd)
{
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd == -1) {
        warn("epoll_create1");
        return -1;
    }
    struct epoll_event event = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = efd };
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &event) == -1) {
        warn("epoll_ctl");
        close(epfd);
        return -1;
    }
    return epfd;
}

/* In a forked child: sleeps in epoll_wait() until 'efd', a non-blocking
 * eventfd, is readable, then takes the count. When another waiter took it
 * first (EAGAIN), it waits again. On failure: a message and _exit(), as in
 * wait_for_notification(). */
uint64_t wait_exclusively(int epfd, int efd)
{
    for (;;) {
        struct epoll_event event;
        int ready;
        RETRY_ON_EINTR(ready, epoll_wait(epfd, &event, 1, -1));
        if (ready == -1) {
            warn("epoll_wait");
            _exit(EXIT_FAILURE);
        }
        uint64_t value;
        ssize_t n;
        RETRY_ON_EINTR(n, read(efd, &value, sizeof value));
        if (n == sizeof value)
            return value;
        if (n == -1 && errno == EAGAIN)
            continue;                   /* another waiter took it: wait again */
        warn("read");
        _exit(EXIT_FAILURE);
    }
}

/* A stress reader in a forked child: takes whatever the non-blocking eventfd
 * 'efd' holds, as often as poll() says it is readable, and adds it up, until
 * 'stop' is readable and 'efd' is empty. The parent posts to 'stop' only
 * after every writer has finished, so an empty 'efd' then means that nothing
 * is left. Returns the sum and, in *reads, how many reads took something. */
uint64_t read_until_stopped(int efd, int stop, uint64_t *reads)
{
    struct pollfd fds[2] = { { .fd = efd, .events = POLLIN }, { .fd = stop, .events = POLLIN } };
    uint64_t sum = 0;
    *reads = 0;
    for (;;) {
        int ready;
        RETRY_ON_EINTR(ready, poll(fds, 2, -1));
        if (ready == -1) {
            warn("poll");
            _exit(EXIT_FAILURE);
        }
        uint64_t value;
        ssize_t n;
        RETRY_ON_EINTR(n, read(efd, &value, sizeof value));
        if (n == sizeof value) {
            sum += value;
            ++*reads;
        } else if (n == -1 && errno == EAGAIN) {
            if (fds[1].revents & POLLIN)
                return sum;             /* stopped, and nothing left */
        } else {
            warn("read");
            _exit(EXIT_FAILURE);
        }
    }
}

/* A stress writer in a forked child: posts 1, 2, ..., count, one write each,
 * and returns their sum. On failure: a message and _exit(). */
uint64_t post_many(int efd, uint64_t count)
{
    uint64_t sum = 0;
    for (uint64_t value = 1; value <= count; value++) {
        if (!notify(efd, value)) {
            warn("write");
            _exit(EXIT_FAILURE);
        }
        sum += value;
    }
    return sum;
}

/* waitpid() for one child (or any, with -1), retried on EINTR. */
pid_t wait_for_child(pid_t child, int *status)
{
    pid_t pid;
    RETRY_ON_EINTR(pid, waitpid(child, status, 0));
    return pid;
}

/* When the parent fails while children live: kill each one still running
 * and wait for it, so that none is left running or a zombie. A reaped child
 * has pid 0 in 'children'. The caller then exits with 1. */
void end_children(pid_t *children, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (children[i] > 0 && kill(children[i], SIGKILL) == -1)
            warn("kill");
    for (size_t i = 0; i < count; i++)
        if (children[i] > 0 && wait_for_child(children[i], NULL) == -1)
            warn("waitpid");
}

/* --- the lesson's own plumbing ------------------------------------------- */

/* A child's end: closes its descriptors (-1: none) and _exit()s, for the
 * reason given at wait_for_notification(). */
static _Noreturn void leave(int status, int fd1, int fd2)
{
    if ((fd1 != -1 && close(fd1) == -1) || (fd2 != -1 && close(fd2) == -1)) {
        warn("close");
        _exit(EXIT_FAILURE);
    }
    _exit(status);
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

/* Waits until 'pid' has slept more than 'before' times and is asleep in
 * system call 'nr' on 'fd' again: it was woken, and went back to sleep. */
static bool woke_and_slept_again(pid_t pid, uint64_t before, long nr, int fd)
{
    const struct timespec one_ms = { 0, 1000000 };
    for (int waited = 0; sleeps(pid) <= before; waited++) {
        if (waited >= TIMEOUT_MS) {
            errno = ETIMEDOUT;
            return false;
        }
        nanosleep(&one_ms, NULL);   /* look again: the condition has a deadline */
    }
    return wait_until_blocked(pid, nr, fd, TIMEOUT_MS);
}

/* Waits until every live child in 'pids' sleeps in system call 'nr' on 'fd'. */
static bool all_asleep(const pid_t *pids, size_t count, long nr, int fd)
{
    for (size_t i = 0; i < count; i++)
        if (pids[i] > 0 && !wait_until_blocked(pids[i], nr, fd, TIMEOUT_MS)) {
            warn("waiting for child %ld to sleep", (long) pids[i]);
            return false;
        }
    return true;
}

/* Reaps one child, any of 'pids', and marks it reaped (pid 0). Returns its
 * pid, or -1 after a message; *ok is false when it did not exit with 0. */
static pid_t reap_one(pid_t *pids, size_t count, bool *ok)
{
    int status;
    pid_t pid = wait_for_child(-1, &status);
    if (pid == -1) {
        warn("waitpid");
        return -1;
    }
    for (size_t i = 0; i < count; i++)
        if (pids[i] == pid)
            pids[i] = 0;
    say("child %ld %s\n", (long) pid, describe_status(status));
    *ok = *ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    return pid;
}

/* A part of the lesson failed: says what failed ('format', as warn() does;
 * NULL when the failing function has said it), ends the children that live
 * (end_children, above) and returns false, so that main exits 1. */
static bool give_up(pid_t *pids, size_t count, const char *format, ...)
{
    if (format != NULL) {
        va_list args;
        va_start(args, format);
        vwarn(format, args);
        va_end(args);
    }
    end_children(pids, count);
    return false;
}

/* --- part 1: one write wakes every reader; one takes the count ------------ */

static bool one_write_wakes_all(size_t k)
{
    pid_t pids[MAX_READERS] = { 0 };
    uint64_t before[MAX_READERS] = { 0 };
    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    say("part 1: created eventfd fd %d; forking %zu readers\n", efd, k);
    show_fdinfo(efd);
    for (size_t i = 0; i < k; i++) {
        pids[i] = fork();
        if (pids[i] == -1)
            return give_up(pids, k, "fork");
        if (pids[i] == 0) {
            uint64_t value = wait_for_notification(efd);
            say("read %" PRIu64 "\n", value);
            leave(EXIT_SUCCESS, efd, -1);
        }
    }
    if (!all_asleep(pids, k, SYS_read, efd))
        return give_up(pids, k, NULL);
    for (size_t i = 0; i < k; i++)
        before[i] = sleeps(pids[i]);
    say("all %zu readers are asleep in read() on fd %d\n", k, efd);
    show_fdinfo(efd);
    checkpoint("all-asleep", efd);

    say("writing 1, once\n");
    if (!notify(efd, 1))
        return give_up(pids, k, "write");
    bool ok = true;
    pid_t taker = reap_one(pids, k, &ok);
    if (taker == -1)
        return give_up(pids, k, NULL);
    for (size_t i = 0; i < k; i++) {
        if (pids[i] == 0)
            continue;
        if (!woke_and_slept_again(pids[i], before[i], SYS_read, efd))
            return give_up(pids, k, "waiting for child %ld to wake and sleep again",
                           (long) pids[i]);
        say("child %ld woke too (voluntary_ctxt_switches %" PRIu64 " -> %" PRIu64
            "), found the count 0 and sleeps in read() again\n",
            (long) pids[i], before[i], sleeps(pids[i]));
    }
    say("one write woke %zu readers: child %ld took the count, %zu sleep again\n",
        k, (long) taker, k - 1);
    show_fdinfo(efd);
    checkpoint("one-took", efd);

    /* Each further write wakes all the readers left; one of them takes it. */
    for (size_t left = k - 1; left > 0; left--) {
        if (!notify(efd, 1))
            return give_up(pids, k, "write");
        if (reap_one(pids, k, &ok) == -1)
            return give_up(pids, k, NULL);
    }
    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return ok;
}

/* --- part 2: semaphore mode, K posts feed K readers one each -------------- */

static bool posts_feed_readers(size_t k)
{
    pid_t pids[MAX_READERS] = { 0 };
    int sem = eventfd(0, EFD_SEMAPHORE);
    if (sem == -1)
        err(EXIT_FAILURE, "eventfd");
    say("part 2: created semaphore eventfd fd %d; forking %zu readers\n", sem, k);
    for (size_t i = 0; i < k; i++) {
        pids[i] = fork();
        if (pids[i] == -1)
            return give_up(pids, k, "fork");
        if (pids[i] == 0) {
            uint64_t token = wait_for_notification(sem);
            say("took a token (read returned %" PRIu64 ")\n", token);
            leave(token == 1 ? EXIT_SUCCESS : EXIT_FAILURE, sem, -1);
        }
    }
    if (!all_asleep(pids, k, SYS_read, sem))
        return give_up(pids, k, NULL);
    say("all %zu readers are asleep in read() on fd %d\n", k, sem);
    show_fdinfo(sem);
    checkpoint("tokens-awaited", sem);

    say("posting 1, %zu times\n", k);
    for (size_t i = 0; i < k; i++)
        if (!notify(sem, 1))
            return give_up(pids, k, "write");
    bool ok = true;
    for (size_t i = 0; i < k; i++)
        if (reap_one(pids, k, &ok) == -1)
            return give_up(pids, k, NULL);
    say("%zu posts fed %zu readers, one token each\n", k, k);
    show_fdinfo(sem);
    checkpoint("all-fed", sem);
    if (close(sem) == -1)
        err(EXIT_FAILURE, "close");
    return ok;
}

/* --- part 3: EPOLLEXCLUSIVE, one post wakes one epoll waiter -------------- */

static bool exclusive_waiters(size_t k)
{
    pid_t pids[MAX_READERS] = { 0 };
    int epfds[MAX_READERS];
    uint64_t before[MAX_READERS] = { 0 };
    int efd = eventfd(0, EFD_NONBLOCK);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    say("part 3: created non-blocking eventfd fd %d; forking %zu epoll waiters\n", efd, k);
    for (size_t i = 0; i < k; i++) {
        /* The instance is made here, so that the parent knows its number. */
        int epfd = watch_exclusively(efd);
        if (epfd == -1)
            return give_up(pids, k, NULL);
        epfds[i] = epfd;
        pids[i] = fork();
        if (pids[i] == -1)
            return give_up(pids, k, "fork");
        if (pids[i] == 0) {
            say("waiting in epoll_wait() on epoll fd %d (EPOLLIN|EPOLLEXCLUSIVE on fd %d)\n",
                epfd, efd);
            uint64_t value = wait_exclusively(epfd, efd);
            say("epoll_wait() woke me; read %" PRIu64 "\n", value);
            leave(EXIT_SUCCESS, epfd, efd);
        }
        if (close(epfd) == -1)          /* the child holds it; later children must not */
            return give_up(pids, k, "close");
    }
    for (size_t i = 0; i < k; i++)
        if (!wait_until_blocked(pids[i], EPOLL_WAIT_NR, epfds[i], TIMEOUT_MS))
            return give_up(pids, k, "waiting for child %ld to sleep in epoll_wait", (long) pids[i]);
    say("all %zu children are asleep in epoll_wait()\n", k);
    show_fdinfo(efd);
    checkpoint("exclusive-waiting", efd);

    bool ok = true;
    for (size_t post = 1; post <= k; post++) {
        for (size_t i = 0; i < k; i++)
            before[i] = pids[i] > 0 ? sleeps(pids[i]) : 0;
        if (!notify(efd, 1))
            return give_up(pids, k, "write");
        pid_t woken = reap_one(pids, k, &ok);
        if (woken == -1)
            return give_up(pids, k, NULL);
        /* The post's wake-ups were made inside write(): a child woken by it
         * would be running or would have slept once more by now. */
        size_t slept_on = 0;
        for (size_t i = 0; i < k; i++) {
            if (pids[i] == 0)
                continue;
            if (!wait_until_blocked(pids[i], EPOLL_WAIT_NR, epfds[i], TIMEOUT_MS))
                return give_up(pids, k, "waiting for child %ld to sleep in epoll_wait",
                               (long) pids[i]);
            if (sleeps(pids[i]) == before[i])
                slept_on++;
        }
        say("post %zu of %zu: one child woke (%ld); %zu of the %zu others never woke\n",
            post, k, (long) woken, slept_on, k - post);
        if (slept_on != k - post)
            ok = false;
        if (post == 1) {
            show_fdinfo(efd);
            checkpoint("one-woken", efd);
        }
    }
    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return ok;
}

/* --- part 4: stress, the sum read equals the sum posted ------------------- */

static bool nothing_lost(size_t k, size_t w, uint64_t p)
{
    pid_t pids[MAX_READERS + MAX_WRITERS] = { 0 };
    /* Each reader leaves its sum and its number of reads here for the parent. */
    struct { uint64_t sum, reads; } *results = mmap(NULL, MAX_READERS * sizeof *results,
                                                    PROT_READ | PROT_WRITE,
                                                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (results == MAP_FAILED)
        err(EXIT_FAILURE, "mmap");
    int efd = eventfd(0, EFD_NONBLOCK);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    int stop = eventfd(0, 0);
    if (stop == -1)
        err(EXIT_FAILURE, "eventfd");
    say("part 4: eventfd fd %d; %zu readers and %zu writers posting 1..%" PRIu64 " each\n",
        efd, k, w, p);
    for (size_t i = 0; i < k + w; i++) {
        pids[i] = fork();
        if (pids[i] == -1)
            return give_up(pids, k + w, "fork");
        if (i < k && pids[i] == 0) {
            uint64_t reads;
            uint64_t sum = read_until_stopped(efd, stop, &reads);
            results[i].sum = sum;
            results[i].reads = reads;
            say("reader: read %" PRIu64 " in %" PRIu64 " reads\n", sum, reads);
            leave(EXIT_SUCCESS, efd, stop);
        }
        if (pids[i] == 0) {
            uint64_t sum = post_many(efd, p);
            say("writer: posted 1..%" PRIu64 ", %" PRIu64 " in all\n", p, sum);
            leave(EXIT_SUCCESS, efd, stop);
        }
    }
    bool ok = true;
    for (size_t i = k; i < k + w; i++) {
        int status;
        if (wait_for_child(pids[i], &status) == -1)
            return give_up(pids, k + w, "waitpid");
        pids[i] = 0;
        ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    say("every writer has finished; posting to the stop eventfd fd %d\n", stop);
    if (!notify(stop, 1))
        return give_up(pids, k + w, "write");
    for (size_t i = 0; i < k; i++) {
        int status;
        if (wait_for_child(pids[i], &status) == -1)
            return give_up(pids, k + w, "waitpid");
        pids[i] = 0;
        ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    uint64_t posted = w * (p * (p + 1) / 2), read = 0, reads = 0;
    for (size_t i = 0; i < k; i++) {
        read += results[i].sum;
        reads += results[i].reads;
    }
    say("posted %" PRIu64 " in %" PRIu64 " writes; read %" PRIu64 " in %" PRIu64 " reads: %s\n",
        posted, w * p, read, reads, read == posted ? "nothing lost" : "LOST POSTS");
    show_fdinfo(efd);
    checkpoint("sums-match", efd);
    if (close(efd) == -1 || close(stop) == -1)
        err(EXIT_FAILURE, "close");
    if (munmap(results, MAX_READERS * sizeof *results) == -1)
        err(EXIT_FAILURE, "munmap");
    return ok && read == posted;
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "readers", required_argument, NULL, 'r' },
        { "writers", required_argument, NULL, 'w' },
        { "posts", required_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 }
    };
    if (course_options(argc, argv, usage, options, on_option) != argc)
        usage_error("this lesson takes no arguments, only options");
    size_t k = (size_t) readers;
    if (!one_write_wakes_all(k))
        return EXIT_FAILURE;
    if (!posts_feed_readers(k))
        return EXIT_FAILURE;
    if (!exclusive_waiters(k))
        return EXIT_FAILURE;
    if (!nothing_lost(k, (size_t) writers, posts))
        return EXIT_FAILURE;
    return EXIT_SUCCESS;
}
