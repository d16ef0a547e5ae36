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
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    the notification to send: 1..0xfffffffffffffffe (default 1)\n";

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
        die("eventfd");
    say("created eventfd fd %d\n", efd);
    show_fdinfo(efd);
    checkpoint("created", efd);

    pid_t child = fork();
    switch (child) {
    case -1:
        die("fork");

    case 0: {                                   /* child */
        uint64_t received;
        say("waiting in read()\n");
        ssize_t n;
        while ((n = read(efd, &received, sizeof received)) == -1 && errno == EINTR)
            continue;                   /* a signal handler ran: read again */
        if (n != sizeof received)
            die("read");
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

        if (close(efd) == -1)
            die("close");
        _exit(EXIT_SUCCESS);
    }

    default: {                                  /* parent */
        if (write(efd, &value, sizeof value) != sizeof value)
            die("write");
        say("wrote 0x%" PRIx64 " (%" PRIu64 ") for child %ld\n", value, value, (long) child);

        int status;
        if (waitpid(child, &status, 0) == -1)
            die("waitpid");
        say("child %ld %s\n", (long) child, describe_status(status));
        show_fdinfo(efd);
        checkpoint("reaped", efd);

        if (close(efd) == -1)
            die("close");
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    }
    }
}
