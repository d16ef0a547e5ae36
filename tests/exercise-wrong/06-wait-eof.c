/* tests/exercise-wrong/06-wait-eof.c — a typical wrong solution of exercise 06-no-eof-shutdown.
 * The reader reads until end-of-file, which an eventfd never gives.
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

#define MAX_WRITERS 16
#define NOTIFICATIONS 3
#define SENTINEL (UINT64_C(1) << 32)   /* no sum of notifications reaches it */

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

/* Adds 'value' to the count, in a forked child: a failure ends it with
 * _exit() (no parent's atexit handlers, no second flush of stdio). */
void notify(int efd, uint64_t value)
{
    if (write(efd, &value, sizeof value) != sizeof value) {
        warn("write");
        _exit(EXIT_FAILURE);
    }
}

/* Takes the whole count (sleeping while it is 0), in a forked child. */
uint64_t take_count(int efd)
{
    uint64_t count;
    ssize_t n;
    while ((n = read(efd, &count, sizeof count)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): read again */
    if (n != sizeof count) {
        warn("read");
        _exit(EXIT_FAILURE);
    }
    return count;
}

/* Reads until 'writers' sentinels have come: the low 32 bits of each read
 * count notifications, the high bits sentinels. Returns the notifications. */
uint64_t read_until_sentinels(int efd, uint64_t writers)
{
    uint64_t notifications = 0, sentinels = 0;
    while (sentinels < writers) {
        uint64_t count = take_count(efd);
        sentinels += count / SENTINEL;
        notifications += count % SENTINEL;
    }
    return notifications;
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

static _Noreturn void reader(int efd, size_t writers)
{
    (void) writers;
    uint64_t total = 0;
    for (;;) {                          /* wrong: waits for EOF, which never comes */
        uint64_t count;
        if (read(efd, &count, sizeof count) <= 0)
            break;
        total += count % SENTINEL;
    }
    printf("reader %ld: %" PRIu64 " notifications\n", (long) getpid(), total);
    if (fflush(stdout) == EOF) {        /* _exit() flushes nothing */
        warn("fflush");
        _exit(EXIT_FAILURE);
    }
    _exit(EXIT_SUCCESS);
}

static _Noreturn void writer(int efd)
{
    for (int i = 0; i < NOTIFICATIONS; i++)
        notify(efd, 1);
    notify(efd, SENTINEL);              /* the last word: "I am done" */
    _exit(EXIT_SUCCESS);
}

int main(int argc, char *argv[])
{
    if (argc != 2)
        errx(2, "usage: %s N", argv[0]);
    size_t writers = parse_count(argv[1]);

    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    fflush(stdout);

    pid_t pids[1 + MAX_WRITERS];        /* the reader, then the writers */
    for (size_t i = 0; i < 1 + writers; i++) {
        pids[i] = fork();
        if (pids[i] == -1) {
            warn("fork");
            end_children(pids, i);
            return EXIT_FAILURE;
        }
        if (pids[i] == 0) {
            if (i == 0)
                reader(efd, writers);
            writer(efd);
        }
    }

    bool all_ok = true;
    for (size_t i = 0; i < 1 + writers; i++) {
        int status;
        if (!reap(pids[i], &status)) {
            end_children(&pids[i], 1 + writers - i);
            return EXIT_FAILURE;
        }
        all_ok = all_ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return all_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
