/* tests/exercise-wrong/01-after-fork.c — a typical wrong solution of exercise 01-notify-child.
 * The eventfd is created after fork(): parent and child each have their own,
 * and the child waits forever for a write that goes to the other one.
 * check-exercise says: expected the program to end by itself
 * with efd-trace it also says: every process of it was asleep where only another of them could wake it
 * with efd-trace it also says: created its own
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

/* VALUE from the command line: a decimal number 1..UINT64_MAX - 1. */
static uint64_t parse_value(const char *text)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-'
            || value == 0 || value == UINT64_MAX)
        errx(2, "VALUE must be 1..18446744073709551614, not '%s'", text);
    return (uint64_t) value;
}

/* The child's side: sleeps in read() until the count is non-zero and
 * returns it. A failure ends the child with _exit(): exit() would run the
 * parent's atexit handlers and flush the copied stdio buffers again. */
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

/* The parent's side: adds 'value' to the count, which wakes the reader.
 * Returns false after the message: the caller has a child to end. */
bool notify(int efd, uint64_t value)
{
    if (write(efd, &value, sizeof value) != sizeof value) {
        warn("write");
        return false;
    }
    return true;
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

/* The parent failed while 'child' lives: kill it and reap it. */
void end_child(pid_t child)
{
    if (kill(child, SIGKILL) == -1)
        warn("kill");
    reap(child, NULL);
}

int main(int argc, char *argv[])
{
    if (argc != 2)
        errx(2, "usage: %s VALUE", argv[0]);
    uint64_t value = parse_value(argv[1]);

    pid_t child = fork();
    int efd = eventfd(0, 0);            /* wrong: after fork, one each */
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");
    case 0: {
        uint64_t received = wait_for_notification(efd);
        printf("child %ld: received %" PRIu64 "\n", (long) getpid(), received);
        if (fflush(stdout) == EOF) {    /* _exit() flushes nothing */
            warn("fflush");
            _exit(EXIT_FAILURE);
        }
        _exit(EXIT_SUCCESS);
    }
    default:
        break;
    }

    if (!notify(efd, value)) {
        end_child(child);
        return EXIT_FAILURE;
    }
    int status;
    if (!reap(child, &status)) {
        end_child(child);
        return EXIT_FAILURE;
    }
    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
