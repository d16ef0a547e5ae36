/* 03-counter-adds — writes add up; one read returns the sum and resets it.
 *
 * What it shows
 *   An eventfd holds a single 64-bit counter, not a queue of messages: each
 *   write() adds its value to the counter, and one read() returns the whole
 *   sum and sets the counter back to 0. A child writes the values (or, with
 *   --children, one child per value, all at once); fdinfo shows the running
 *   sum after every write; the parent waits for the writers to exit, then
 *   reads once. The default values are the man page's: 1 2 4 7 14, sum 28.
 *   The order of the writes does not matter: addition does not care.
 *
 *   The code to copy: add_to_count() (a writer, in a child), read_count()
 *   (the parent, once no writer is left), reap() and end_children(), which
 *   a parent that fails uses to kill and reap the writers it has started
 *   before it exits 1.
 *
 * How to run
 *   build/03-counter-adds [--pause] [--children] [VALUE...]
 *
 * What to inspect (with --pause)
 *   created      eventfd-count 0
 *   wrote        (in a writer, after each write) the running sum so far
 *   all-written  (in the parent, writers reaped) the whole sum, 0x1c = 28
 *   read         eventfd-count 0: the read took everything
 *
 * Refused before anything is created: values that add up to 0 (the parent's
 * read would block forever) or to more than 0xfffffffffffffffe, the largest
 * count write() can make (the last write would block forever; only a post by
 * the kernel itself goes one further, to 0xffffffffffffffff: lesson 19).
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
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

#define MAX_VALUES 64
#define EVENTFD_MAX (UINT64_MAX - 1)    /* the largest count write() can make */

static const char usage[] =
    "[--pause] [--children] [VALUE...]\n"
    "  VALUE       a number to write: 0..0xfffffffffffffffe, at most 64 of them\n"
    "              (default 1 2 4 7 14); their sum must be 1..0xfffffffffffffffe\n"
    "  --children  one child per value, writing concurrently\n";

static bool one_child_per_value;

static void on_option(int val, const char *arg)
{
    (void) arg;
    if (val == 'c')
        one_child_per_value = true;
}

/* A writer's one step, in a forked child: adds 'value' to the counter. The
 * counter adds it to whatever is there; nothing queues. A failure ends the
 * child with _exit(): exit() would run the parent's atexit handlers and flush
 * a second time the stdio buffers the child copied from the parent. */
void add_to_count(int efd, uint64_t value)
{
    if (write(efd, &value, sizeof value) != sizeof value) {
        warn("write");
        _exit(EXIT_FAILURE);
    }
}

/* Returns the counter and resets it to 0: the sum of every write since the
 * last read, in one read. Called when no child is left, so err() may exit. */
uint64_t read_count(int efd)
{
    uint64_t count;
    ssize_t n;
    while ((n = read(efd, &count, sizeof count)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): read again */
    if (n != sizeof count)
        err(EXIT_FAILURE, "read");
    return count;
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

/* A writer's part of the story: adds each of its values, shows the running
 * sum after each one, then exits. It never returns: a returning child would
 * go on in the parent's fork loop and fork writers of its own. */
static _Noreturn void write_values(int efd, const uint64_t *values, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        add_to_count(efd, values[i]);
        say("wrote 0x%" PRIx64 " (%" PRIu64 ")\n", values[i], values[i]);
        show_fdinfo(efd);
        checkpoint("wrote", efd);
    }
    if (close(efd) == -1) {
        warn("close");
        _exit(EXIT_FAILURE);            /* a child: see add_to_count */
    }
    _exit(EXIT_SUCCESS);
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "children", no_argument, NULL, 'c' },
        { NULL, 0, NULL, 0 }
    };
    int first_operand = course_options(argc, argv, usage, options, on_option);

    uint64_t values[MAX_VALUES] = { 1, 2, 4, 7, 14 };
    size_t count = 5;
    if (argc - first_operand > MAX_VALUES)
        usage_error("too many values (at most %d)", MAX_VALUES);
    if (argc > first_operand) {
        count = (size_t) (argc - first_operand);
        for (size_t i = 0; i < count; i++)
            values[i] = parse_u64(argv[first_operand + (int) i], "VALUE", 0, EVENTFD_MAX);
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        if (values[i] > EVENTFD_MAX - sum)
            usage_error("the values add up to more than 0xfffffffffffffffe, the largest "
                        "count write() can make: the last write would block forever");
        sum += values[i];
    }
    if (sum == 0)
        usage_error("the values add up to 0: the counter would stay 0 and the "
                    "parent's read would block forever");

    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    say("created eventfd fd %d\n", efd);
    show_fdinfo(efd);
    checkpoint("created", efd);

    pid_t writers[MAX_VALUES];
    size_t started = one_child_per_value ? count : 1;
    for (size_t i = 0; i < started; i++) {
        writers[i] = fork();
        switch (writers[i]) {
        case -1:
            warn("fork");
            end_children(writers, i);
            return EXIT_FAILURE;
        case 0:
            if (one_child_per_value)
                write_values(efd, &values[i], 1);
            else
                write_values(efd, values, count);
        default:
            break;
        }
    }

    /* Reap every writer first: then all the writes are done, and the one
     * read below sees their whole sum, whatever order they ran in. */
    bool writers_ok = true;
    for (size_t i = 0; i < started; i++) {
        int status;
        if (!reap(writers[i], &status)) {
            end_children(&writers[i], started - i);
            return EXIT_FAILURE;
        }
        say("writer %ld %s\n", (long) writers[i], describe_status(status));
        writers_ok = writers_ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    if (!writers_ok) {
        /* A value is missing: the read could wait for it forever. */
        say("a writer failed, so the sum is incomplete: no read\n");
        return EXIT_FAILURE;            /* exiting closes efd */
    }
    show_fdinfo(efd);
    checkpoint("all-written", efd);

    uint64_t total = read_count(efd);
    say("read 0x%" PRIx64 " (%" PRIu64 "): the sum of %zu writes in one read\n",
        total, total, count);
    show_fdinfo(efd);
    checkpoint("read", efd);

    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
