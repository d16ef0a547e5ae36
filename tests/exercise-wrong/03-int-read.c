/* tests/exercise-wrong/03-int-read.c — a typical wrong solution of exercise 03-token-pool.
 * A worker reads a token into an int: the read fails with EINVAL.
 * check-exercise says: lines "worker PID: took N"
 * with efd-trace it also says: move 8 bytes
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

#define MAX_WORKERS 16
#define MAX_TOKENS 1000

/* A number from the command line, 1..max. */
static unsigned parse_number(const char *text, const char *name, long max)
{
    char *end;
    errno = 0;
    long n = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || n < 1 || n > max)
        errx(2, "%s must be 1..%ld, not '%s'", name, max, text);
    return (unsigned) n;
}

/* A pool of 'tokens' tokens: in semaphore mode every read takes one.
 * Non-blocking, so that a read of the empty pool says EAGAIN instead of
 * sleeping: nobody adds tokens later, so empty means done. */
int create_pool(unsigned tokens)
{
    int efd = eventfd(tokens, EFD_SEMAPHORE | EFD_NONBLOCK);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    return efd;
}

/* Takes one token: true, or false when the pool is empty (EAGAIN). In a
 * forked child: another failure ends it with _exit(), not exit() (the
 * parent's atexit handlers and copied stdio buffers are not the child's). */
bool take_token(int efd)
{
    int token;      /* wrong: an eventfd reads 8 bytes */
    ssize_t n;
    while ((n = read(efd, &token, sizeof token)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): read again */
    if (n == -1 && errno == EAGAIN)
        return false;
    if (n != sizeof token) {
        warn("read");
        _exit(EXIT_FAILURE);
    }
    return true;
}

/* A worker's whole life: takes tokens until the pool is empty, says how
 * many, exits. It never returns to the parent's fork loop. */
static _Noreturn void work(int efd)
{
    unsigned taken = 0;
    while (take_token(efd))
        taken++;
    printf("worker %ld: took %u\n", (long) getpid(), taken);
    if (fflush(stdout) == EOF) {        /* _exit() flushes nothing */
        warn("fflush");
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

int main(int argc, char *argv[])
{
    if (argc != 3)
        errx(2, "usage: %s K M", argv[0]);
    size_t workers = parse_number(argv[1], "K", MAX_WORKERS);
    unsigned tokens = parse_number(argv[2], "M", MAX_TOKENS);

    int efd = create_pool(tokens);      /* before fork: one pool for all */
    fflush(stdout);                     /* nothing buffered for the children to copy */

    pid_t pids[MAX_WORKERS];
    for (size_t i = 0; i < workers; i++) {
        pids[i] = fork();
        if (pids[i] == -1) {
            warn("fork");
            end_children(pids, i);
            return EXIT_FAILURE;
        }
        if (pids[i] == 0)
            work(efd);
    }

    bool all_ok = true;
    for (size_t i = 0; i < workers; i++) {
        int status;
        if (!reap(pids[i], &status)) {
            end_children(&pids[i], workers - i);
            return EXIT_FAILURE;
        }
        all_ok = all_ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return all_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
