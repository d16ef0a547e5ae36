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
 *   eventfd created with the same N gives all N to a single read.
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
 *
 * Kernel: EFD_SEMAPHORE since Linux 2.6.30; eventfd-semaphore appears in
 * fdinfo since Linux 6.5.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
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

/* A child: takes 'share' tokens, one blocking read each, then exits. */
static void take_tokens(int efd, uint64_t share)
{
    for (uint64_t taken = 1; taken <= share; taken++) {
        uint64_t token;
        ssize_t n;
        while ((n = read(efd, &token, sizeof token)) == -1 && errno == EINTR)
            continue;                   /* a signal handler ran: read again */
        if (n != sizeof token)
            die("read");
        say("took a token (read returned %" PRIu64 "), %" PRIu64 " of my %" PRIu64 "\n",
            token, taken, share);
        show_fdinfo(efd);
        checkpoint("took", efd);
        if (token != 1) {
            say("expected 1 from a semaphore-mode read\n");
            _exit(EXIT_FAILURE);
        }
    }
    if (close(efd) == -1)
        die("close");
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

    int efd = eventfd((unsigned int) tokens, EFD_SEMAPHORE);
    if (efd == -1)
        die("eventfd");
    say("created a semaphore eventfd fd %d with %" PRIu64 " tokens\n", efd, tokens);
    show_fdinfo(efd);
    checkpoint("created", efd);

    /* Shares are fixed before the children start, so the total is always N. */
    for (uint64_t i = 0; i < children; i++) {
        uint64_t share = tokens / children + (i < tokens % children ? 1 : 0);
        switch (fork()) {
        case -1:
            die("fork");
        case 0:
            take_tokens(efd, share);
        default:
            break;
        }
    }

    bool children_ok = true;
    for (uint64_t i = 0; i < children; i++) {
        int status;
        pid_t pid = wait(&status);
        if (pid == -1)
            die("wait");
        say("child %ld %s\n", (long) pid, describe_status(status));
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
        die("eventfd");
    say("created a normal eventfd fd %d with %" PRIu64 "\n", plain, tokens);
    show_fdinfo(plain);
    checkpoint("plain-created", plain);

    uint64_t all;
    ssize_t n;
    while ((n = read(plain, &all, sizeof all)) == -1 && errno == EINTR)
        continue;                       /* a signal handler ran: read again */
    if (n != sizeof all)
        die("read");
    say("one read of the normal eventfd returned %" PRIu64 "\n", all);
    show_fdinfo(plain);
    checkpoint("plain-read", plain);
    if (close(plain) == -1 || close(efd) == -1)
        die("close");

    return EXIT_SUCCESS;
}
