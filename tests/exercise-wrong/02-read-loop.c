/* tests/exercise-wrong/02-read-loop.c — a typical wrong solution of exercise 02-sum-writers.
 * The parent reads once per writer, after reaping them: the first read takes
 * the whole sum, the second waits forever.
 * check-exercise says: expected the program to end by itself
 * with efd-trace it also says: every process of it was asleep where only another of them could wake it
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

#define MAX_WRITERS 20

/* N from the command line: a decimal number 1..MAX_WRITERS. */
static size_t parse_count(const char *text)
{
    char *end;
    errno = 0;
    long n = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || n < 1 || n > MAX_WRITERS)
        errx(2, "N must be 1..%d, not '%s'", MAX_WRITERS, text);
    return (size_t) n;
}

/* A writer child's whole life: adds 'value' to the count and exits. It
 * never returns (a returning child would go on forking in the parent's
 * loop); _exit(), not exit(): the parent's atexit handlers and copied stdio
 * buffers are not the child's to run. */
_Noreturn void add_and_exit(int efd, uint64_t value)
{
    if (write(efd, &value, sizeof value) != sizeof value) {
        warn("write");
        _exit(EXIT_FAILURE);
    }
    _exit(EXIT_SUCCESS);
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

/* Takes the whole count with one read: the sum of every write since the
 * last read. Called when no child is left: a failure ends the program. */
uint64_t take_sum(int efd)
{
    uint64_t sum;
    ssize_t n;
    while ((n = read(efd, &sum, sizeof sum)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): read again */
    if (n != sizeof sum)
        err(EXIT_FAILURE, "read");
    return sum;
}

int main(int argc, char *argv[])
{
    if (argc != 2)
        errx(2, "usage: %s N", argv[0]);
    size_t writers = parse_count(argv[1]);

    int efd = eventfd(0, 0);            /* before fork: every writer shares it */
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");

    pid_t pids[MAX_WRITERS];
    for (size_t i = 0; i < writers; i++) {
        pids[i] = fork();
        if (pids[i] == -1) {
            warn("fork");
            end_children(pids, i);
            return EXIT_FAILURE;
        }
        if (pids[i] == 0)
            add_and_exit(efd, i + 1);
    }

    /* Every writer reaped means every write made: now one read is the sum. */
    bool all_ok = true;
    for (size_t i = 0; i < writers; i++) {
        int status;
        if (!reap(pids[i], &status)) {
            end_children(&pids[i], writers - i);
            return EXIT_FAILURE;
        }
        all_ok = all_ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    if (!all_ok)
        errx(EXIT_FAILURE, "a writer failed");
    uint64_t sum = 0;
    for (size_t i = 0; i < writers; i++)     /* wrong: one read takes everything */
        sum += take_sum(efd);
    printf("parent %ld: sum %" PRIu64 "\n", (long) getpid(), sum);
    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
