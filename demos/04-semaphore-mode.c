/* 04-semaphore-mode — EFD_SEMAPHORE: every read takes exactly one token.
 *
 * What it shows
 *   With EFD_SEMAPHORE the counter is a pool of tokens: read() returns 1 and
 *   subtracts 1, instead of returning the whole count and resetting it. The
 *   parent creates the eventfd with N tokens (the initial value, an unsigned
 *   int) and forks several children; each child takes its share of the tokens
 *   with blocking reads, every one of which returns 1. Which child gets which
 *   token depends on the scheduler; that all N are taken, each exactly once,
 *   does not. fdinfo shows "eventfd-semaphore: 1". For contrast, a normal
 *   eventfd created with the same N gives all N to a single read. Last, a
 *   normal eventfd created with UINT_MAX, the largest initial value an
 *   unsigned int holds: fdinfo shows ffffffff.
 *
 *   The code to copy: create_semaphore(), read_eventfd() and take_token()
 *   (a child's read of one token); reap() and end_children() as in
 *   lesson 03.
 *
 * How to run
 *   build/04-semaphore-mode [--pause] [--tokens N] [--children K]
 *   N: 1..1000000 (default 3); K: 2..64 and at most N (default 2).
 *
 * What to inspect (with --pause)
 *   created      eventfd-count N, eventfd-semaphore 1
 *   took         (in a child, after each read) the count, one token less
 *   all-taken    (children reaped) eventfd-count 0
 *   plain-created  a normal eventfd with count N, eventfd-semaphore 0; both
 *                  eventfds are open now: two eventfd-ids, one inode number
 *   plain-read     one read took all N: eventfd-count 0
 *   largest-initval  eventfd(0xffffffff, 0): eventfd-count ffffffff
 *
 * Kernel: EFD_SEMAPHORE since Linux 2.6.30; eventfd-semaphore appears in
 * fdinfo since Linux 6.5.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
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

#define MAX_TOKENS 1000000   /* eventfd() takes up to UINT_MAX; this keeps runs short */
#define MAX_CHILDREN 64

static const char usage[] =
    "[--pause] [--tokens N] [--children K]\n"
    "  --tokens N    initial value of the semaphore: 1..1000000 (default 3)\n"
    "  --children K  children taking tokens: 2..64, at most N (default 2)\n";

static uint64_t tokens = 3;
static uint64_t children = 2;

static void on_option(int val, const char *arg)
{
    if (val == 't')
        tokens = parse_u64(arg, "--tokens", 1, MAX_TOKENS);
    else if (val == 'c')
        children = parse_u64(arg, "--children", 2, MAX_CHILDREN);
}

/* A semaphore of 'tokens' tokens: an eventfd made with EFD_SEMAPHORE, whose
 * initial count (an unsigned int) is the number of tokens. */
int create_semaphore(unsigned int tokens)
{
    int efd = eventfd(tokens, EFD_SEMAPHORE);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    return efd;
}

/* One read of an eventfd into *value; false (errno says why) on failure. */
bool read_eventfd(int efd, uint64_t *value)
{
    ssize_t n;
    while ((n = read(efd, value, sizeof *value)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): read again */
    return n == sizeof *value;
}

/* Takes one token, in a forked child: a read in semaphore mode returns 1 and
 * takes 1 from the count; at count 0 it sleeps until a token is added. A
 * failure ends the child with _exit(): exit() would run the parent's atexit
 * handlers and flush a second time the stdio buffers the child copied from
 * the parent. */
uint64_t take_token(int efd)
{
    uint64_t token;
    if (!read_eventfd(efd, &token)) {
        warn("read");
        _exit(EXIT_FAILURE);
    }
    return token;
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

/* A child's part of the story: takes 'share' tokens, one blocking read each,
 * then exits. It never returns: a returning child would go on in the
 * parent's fork loop and fork children of its own. */
static _Noreturn void take_tokens(int efd, uint64_t share)
{
    for (uint64_t taken = 1; taken <= share; taken++) {
        uint64_t token = take_token(efd);
        say("took a token (read returned %" PRIu64 "), %" PRIu64 " of my %" PRIu64 "\n",
            token, taken, share);
        show_fdinfo(efd);
        checkpoint("took", efd);
        if (token != 1) {
            say("expected 1 from a semaphore-mode read\n");
            _exit(EXIT_FAILURE);
        }
    }
    if (close(efd) == -1) {
        warn("close");
        _exit(EXIT_FAILURE);            /* a child: see take_token */
    }
    _exit(EXIT_SUCCESS);
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "tokens", required_argument, NULL, 't' },
        { "children", required_argument, NULL, 'c' },
        { NULL, 0, NULL, 0 }
    };
    if (course_options(argc, argv, usage, options, on_option) != argc)
        usage_error("this lesson takes no arguments, only options");
    if (children > tokens)
        usage_error("%" PRIu64 " children cannot each take one of %" PRIu64 " tokens",
                    children, tokens);

    int efd = create_semaphore((unsigned int) tokens);
    say("created a semaphore eventfd fd %d with %" PRIu64 " tokens\n", efd, tokens);
    show_fdinfo(efd);
    checkpoint("created", efd);

    /* Shares are fixed before the children start, so the total is always N. */
    pid_t pids[MAX_CHILDREN];
    for (uint64_t i = 0; i < children; i++) {
        uint64_t share = tokens / children + (i < tokens % children ? 1 : 0);
        pids[i] = fork();
        switch (pids[i]) {
        case -1:
            warn("fork");
            end_children(pids, (size_t) i);
            return EXIT_FAILURE;
        case 0:
            take_tokens(efd, share);
        default:
            break;
        }
    }

    bool children_ok = true;
    for (uint64_t i = 0; i < children; i++) {
        int status;
        if (!reap(pids[i], &status)) {
            end_children(&pids[i], (size_t) (children - i));
            return EXIT_FAILURE;
        }
        say("child %ld %s\n", (long) pids[i], describe_status(status));
        children_ok = children_ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    if (!children_ok) {
        say("a child failed, so not every token was taken\n");
        return EXIT_FAILURE;            /* exiting closes efd */
    }
    say("all %" PRIu64 " tokens taken by %" PRIu64 " children\n", tokens, children);
    show_fdinfo(efd);
    checkpoint("all-taken", efd);

    /* The contrast: without EFD_SEMAPHORE one read takes everything. */
    int plain = eventfd((unsigned int) tokens, 0);
    if (plain == -1)
        err(EXIT_FAILURE, "eventfd");
    say("created a normal eventfd fd %d with %" PRIu64 "\n", plain, tokens);
    show_fdinfo(plain);
    checkpoint("plain-created", plain);

    uint64_t all;
    if (!read_eventfd(plain, &all))
        err(EXIT_FAILURE, "read");      /* no child left to orphan */
    say("one read of the normal eventfd returned %" PRIu64 "\n", all);
    show_fdinfo(plain);
    checkpoint("plain-read", plain);
    if (close(plain) == -1 || close(efd) == -1)
        err(EXIT_FAILURE, "close");

    /* initval is an unsigned int: UINT_MAX is the most an eventfd starts at. */
    int widest = eventfd(UINT_MAX, 0);
    if (widest == -1)
        err(EXIT_FAILURE, "eventfd");
    say("created a normal eventfd fd %d with UINT_MAX, 0x%x (%u): the largest initial value\n",
        widest, UINT_MAX, UINT_MAX);
    show_fdinfo(widest);
    checkpoint("largest-initval", widest);
    if (!read_eventfd(widest, &all))
        err(EXIT_FAILURE, "read");
    say("one read of it returned 0x%" PRIx64 " (%" PRIu64 ")\n", all, all);
    if (close(widest) == -1)
        err(EXIT_FAILURE, "close");

    return EXIT_SUCCESS;
}
