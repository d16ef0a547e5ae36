/* tests/exercise-wrong/05-after-fork.c — a typical wrong solution of exercise 05-epoll-children.
 * Each child creates its own eventfd after fork(): the parent's stay silent.
 * check-exercise says: expected the program to end by itself
 * with efd-trace it also says: created its own
 * time limit: 1 s
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
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

#define MAX_CHILDREN 16
#define HEAR_DEADLINE_MS 10000      /* a child that never writes: give up */

/* K from the command line: a decimal number 1..MAX_CHILDREN. */
static size_t parse_count(const char *text)
{
    char *end;
    errno = 0;
    long n = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || n < 1 || n > MAX_CHILDREN)
        errx(2, "K must be 1..%d, not '%s'", MAX_CHILDREN, text);
    return (size_t) n;
}

/* A child's whole life: writes its pid to its own eventfd, exits. _exit(),
 * not exit(): the parent's atexit handlers and copied stdio buffers are not
 * the child's to run. */
_Noreturn void announce_and_exit(int efd)
{
    efd = eventfd(0, 0);                /* wrong: nobody watches this one */
    uint64_t me = (uint64_t) getpid();
    if (write(efd, &me, sizeof me) != sizeof me) {
        warn("write");
        _exit(EXIT_FAILURE);
    }
    _exit(EXIT_SUCCESS);
}

/* Reads everything 'efd' holds without sleeping (it is EFD_NONBLOCK): the
 * sum of the writes so far, 0 if none. Returns false after a warning. */
bool drain(int efd, uint64_t *total)
{
    *total = 0;
    for (;;) {
        uint64_t value;
        ssize_t n = read(efd, &value, sizeof value);
        if (n == sizeof value) {
            *total += value;
            continue;
        }
        if (n == -1 && errno == EAGAIN)
            return true;            /* empty now: drained */
        if (n == -1 && errno == EINTR)
            continue;               /* a handler without SA_RESTART ran (lesson 15) */
        warn("read");
        return false;
    }
}

/* Sleeps until a registered eventfd is ready; returns how many are, or -1
 * after a warning (also when nobody signalled within 'timeout_ms'). */
int wait_for_events(int epfd, struct epoll_event *events, int max, int timeout_ms)
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

/* Waits for 'child' to end; its status goes to *status (if not NULL). */
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

/* The parent failed while children live: kill each, then reap each. */
void end_children(const pid_t *children, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (kill(children[i], SIGKILL) == -1)
            warn("kill");
    for (size_t i = 0; i < count; i++)
        reap(children[i], NULL);
}

/* Hears every child once: epoll says which eventfd is ready (data.u64 is
 * the child's index), a non-blocking drain takes what it holds. */
static bool hear_all(int epfd, const int *efds, size_t count)
{
    size_t heard = 0;
    while (heard < count) {
        struct epoll_event events[MAX_CHILDREN];
        int ready = wait_for_events(epfd, events, MAX_CHILDREN, HEAR_DEADLINE_MS);
        if (ready == -1)
            return false;
        for (int i = 0; i < ready; i++) {
            uint64_t value;
            if (!drain(efds[events[i].data.u64], &value))
                return false;
            if (value == 0)
                continue;           /* already drained: nothing new */
            printf("parent %ld: heard %" PRIu64 "\n", (long) getpid(), value);
            heard++;
        }
    }
    return true;
}

int main(int argc, char *argv[])
{
    if (argc != 2)
        errx(2, "usage: %s K", argv[0]);
    size_t count = parse_count(argv[1]);

    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd == -1)
        err(EXIT_FAILURE, "epoll_create1");
    int efds[MAX_CHILDREN];
    for (size_t i = 0; i < count; i++) {
        efds[i] = eventfd(0, EFD_NONBLOCK);
        if (efds[i] == -1)
            err(EXIT_FAILURE, "eventfd");
        struct epoll_event event = { .events = EPOLLIN, .data.u64 = i };
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, efds[i], &event) == -1)
            err(EXIT_FAILURE, "epoll_ctl");
    }
    fflush(stdout);

    pid_t pids[MAX_CHILDREN];
    for (size_t i = 0; i < count; i++) {
        pids[i] = fork();
        if (pids[i] == -1) {
            warn("fork");
            end_children(pids, i);
            return EXIT_FAILURE;
        }
        if (pids[i] == 0)
            announce_and_exit(efds[i]);
    }

    if (!hear_all(epfd, efds, count)) {
        end_children(pids, count);
        return EXIT_FAILURE;
    }
    bool all_ok = true;
    for (size_t i = 0; i < count; i++) {
        int status;
        if (!reap(pids[i], &status)) {
            end_children(&pids[i], count - i);
            return EXIT_FAILURE;
        }
        all_ok = all_ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    for (size_t i = 0; i < count; i++)
        if (close(efds[i]) == -1)
            err(EXIT_FAILURE, "close");
    if (close(epfd) == -1)
        err(EXIT_FAILURE, "close");
    return all_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
