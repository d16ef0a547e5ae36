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
 * count an eventfd can hold (the last write would block forever).
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

#define MAX_VALUES 64
#define EVENTFD_MAX (UINT64_MAX - 1)    /* the largest count an eventfd holds */

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

/* A writer: adds each of its values to the counter, then exits. */
static void write_values(int efd, const uint64_t *values, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (write(efd, &values[i], sizeof values[i]) != sizeof values[i])
            die("write");
        say("wrote 0x%" PRIx64 " (%" PRIu64 ")\n", values[i], values[i]);
        show_fdinfo(efd);
        checkpoint("wrote", efd);
    }
    if (close(efd) == -1)
        die("close");
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
                        "count an eventfd holds: the last write would block forever");
        sum += values[i];
    }
    if (sum == 0)
        usage_error("the values add up to 0: the counter would stay 0 and the "
                    "parent's read would block forever");

    int efd = eventfd(0, 0);
    if (efd == -1)
        die("eventfd");
    say("created eventfd fd %d\n", efd);
    show_fdinfo(efd);
    checkpoint("created", efd);

    size_t writers = one_child_per_value ? count : 1;
    for (size_t i = 0; i < writers; i++) {
        switch (fork()) {
        case -1:
            die("fork");
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
    for (size_t i = 0; i < writers; i++) {
        int status;
        pid_t pid = wait(&status);
        if (pid == -1)
            die("wait");
        say("writer %ld %s\n", (long) pid, describe_status(status));
        writers_ok = writers_ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    if (!writers_ok) {
        /* A value is missing: the read could wait for it forever. */
        say("a writer failed, so the sum is incomplete: no read\n");
        return EXIT_FAILURE;            /* exiting closes efd */
    }
    show_fdinfo(efd);
    checkpoint("all-written", efd);

    uint64_t total;
    ssize_t n;
    while ((n = read(efd, &total, sizeof total)) == -1 && errno == EINTR)
        continue;                       /* a signal handler ran: read again */
    if (n != sizeof total)
        die("read");
    say("read 0x%" PRIx64 " (%" PRIu64 "): the sum of %zu writes in one read\n",
        total, total, count);
    show_fdinfo(efd);
    checkpoint("read", efd);

    if (close(efd) == -1)
        die("close");
    return EXIT_SUCCESS;
}
