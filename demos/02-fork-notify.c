/* 02-fork-notify — the parent notifies its child through one shared eventfd.
 *
 * What it shows
 *   The fork-shared pattern: the parent creates the eventfd *before* fork(), so
 *   the child inherits a descriptor for the very same kernel object. The child
 *   blocks in read() until the parent write()s a notification; it prints what
 *   it received and exits; the parent reaps it with waitpid() and reports how
 *   it ended. Both /proc/PID/fdinfo files show the same eventfd-id: one object,
 *   two descriptors. A notification written before the child reads is not lost:
 *   the counter simply holds it until the read.
 *
 *   The code to copy: wait_for_notification() (the child's side: a failure
 *   ends in warn + _exit), notify() (the parent's side: a failure returns
 *   false), and reap()/end_child(): a parent that fails while its child
 *   lives kills it and reaps it, in main, before it exits 1.
 *
 * How to run
 *   build/02-fork-notify [--pause] [VALUE]
 *   VALUE is the notification, 1..0xfffffffffffffffe (default 1).
 *
 * What to inspect (with --pause)
 *   created    the parent's fdinfo: eventfd-count 0, and its eventfd-id
 *   received   the child has read the value, so eventfd-count is 0 again;
 *              cat /proc/CHILD/fdinfo/FD and /proc/PARENT/fdinfo/FD show the
 *              same eventfd-id (the parent is blocked in waitpid meanwhile)
 *   reaped     the parent has no child left: /proc/PARENT/task/PARENT/children
 *              is empty
 *
 * Kernel: eventfd-id appears in fdinfo since Linux 5.2; before that the lesson
 * says so instead of comparing ids.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    the notification to send: 1..0xfffffffffffffffe (default 1)\n";

/* The child's side: sleeps in read() until the counter is non-zero, then
 * returns it (the counter is 0 again). It runs in a forked child, so a
 * failure ends in _exit(): exit() would run the parent's atexit handlers and
 * flush a second time the stdio buffers the child copied from the parent. */
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

/* The parent's side: adds 'value' to the counter, which wakes the reader.
 * Returns false (after the message) on failure: the caller has a child to
 * end before it may exit. */
bool notify(int efd, uint64_t value)
{
    if (write(efd, &value, sizeof value) != sizeof value) {
        warn("write");
        return false;
    }
    return true;
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

/* The parent failed while 'child' lives: kill it and reap it, so that it is
 * left neither running nor a zombie. The caller then exits with status 1. */
void end_child(pid_t child)
{
    if (kill(child, SIGKILL) == -1)
        warn("kill");
    reap(child, NULL);
}

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    uint64_t value = 1;
    if (argc - first_operand > 1)
        usage_error("too many arguments");
    if (argc - first_operand == 1)
        value = parse_u64(argv[first_operand], "VALUE", 1, UINT64_MAX - 1);

    /* Created before fork(): the child inherits a descriptor for it. */
    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    say("created eventfd fd %d\n", efd);
    show_fdinfo(efd);
    checkpoint("created", efd);

    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");

    case 0: {                                   /* child */
        say("waiting in read()\n");
        uint64_t received = wait_for_notification(efd);
        say("received 0x%" PRIx64 " (%" PRIu64 ")\n", received, received);
        show_fdinfo(efd);

        char mine[32], parents[32];
        if (fdinfo_field(0, efd, "eventfd-id", mine, sizeof mine)
                && fdinfo_field(getppid(), efd, "eventfd-id", parents, sizeof parents))
            say("my eventfd-id is %s, my parent's is %s: %s\n", mine, parents,
                strcmp(mine, parents) == 0 ? "one kernel object" : "two objects?!");
        else
            say("this kernel shows no eventfd-id (it needs Linux 5.2)\n");
        checkpoint("received", efd);

        if (close(efd) == -1) {
            warn("close");
            _exit(EXIT_FAILURE);                /* a child: see wait_for_notification */
        }
        _exit(EXIT_SUCCESS);
    }

    default: {                                  /* parent */
        if (!notify(efd, value)) {
            end_child(child);
            return EXIT_FAILURE;
        }
        say("wrote 0x%" PRIx64 " (%" PRIu64 ") for child %ld\n", value, value, (long) child);

        int status;
        if (!reap(child, &status)) {
            end_child(child);
            return EXIT_FAILURE;
        }
        say("child %ld %s\n", (long) child, describe_status(status));
        show_fdinfo(efd);
        checkpoint("reaped", efd);

        if (close(efd) == -1)
            err(EXIT_FAILURE, "close");         /* no child left to orphan */
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    }
    }
}
