/* 07-exec-only-intended — a reference solution: an exec'd helper gets the
 * one eventfd meant for it, and no other (EFD_CLOEXEC on the rest).
 *
 * usage: 07-exec-only-intended VALUE    (VALUE 1..18446744073709551614)
 * The parent holds two eventfds: 'private', its own, and 'doorbell', for
 * the helper. Its child execs this same program (/proc/self/exe) as
 * "PROGRAM helper FD VALUE"; the helper writes VALUE to FD, prints
 * "helper PID: wrote VALUE to fd FD" and exits. The parent reaps it, reads
 * the doorbell and prints "parent PID: the helper wrote VALUE".
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

/* A decimal number from the command line, min..max. */
static uint64_t parse_number(const char *text, uint64_t min, uint64_t max)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || n < min || n > max)
        errx(2, "expected a number %" PRIu64 "..%" PRIu64 ", not '%s'", min, max, text);
    return (uint64_t) n;
}

/* An eventfd that no exec'd program gets: EFD_CLOEXEC sets close-on-exec
 * from its creation on. */
int private_eventfd(void)
{
    int efd = eventfd(0, EFD_CLOEXEC);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    return efd;
}

/* An eventfd that an exec'd program keeps under the same number. */
int inherited_eventfd(void)
{
    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    return efd;
}

/* In the forked child: becomes "this program helper FD VALUE". execv()
 * returns only on failure; then _exit() (no parent's atexit handlers, no
 * second flush of copied stdio buffers). */
_Noreturn void exec_helper(int efd, uint64_t value)
{
    char fd_text[16], value_text[24];
    snprintf(fd_text, sizeof fd_text, "%d", efd);
    snprintf(value_text, sizeof value_text, "%" PRIu64, value);
    char *args[] = { "helper", "helper", fd_text, value_text, NULL };
    execv("/proc/self/exe", args);
    warn("execv");
    _exit(EXIT_FAILURE);
}

/* The helper: a program of its own after exec, so exit() is right here. */
static int helper(const char *fd_text, const char *value_text)
{
    int fd = (int) parse_number(fd_text, 0, 1000000);
    uint64_t value = parse_number(value_text, 1, UINT64_MAX - 1);
    if (write(fd, &value, sizeof value) != sizeof value)
        err(EXIT_FAILURE, "write fd %d", fd);
    if (close(fd) == -1)                /* leave nothing open behind */
        err(EXIT_FAILURE, "close fd %d", fd);
    printf("helper %ld: wrote %" PRIu64 " to fd %d\n", (long) getpid(), value, fd);
    return EXIT_SUCCESS;
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

/* Takes the whole count; called with no child left: failure ends it. */
uint64_t take_count(int efd)
{
    uint64_t count;
    ssize_t n;
    while ((n = read(efd, &count, sizeof count)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): read again */
    if (n != sizeof count)
        err(EXIT_FAILURE, "read");
    return count;
}

int main(int argc, char *argv[])
{
    if (argc == 4 && strcmp(argv[1], "helper") == 0)
        return helper(argv[2], argv[3]);
    if (argc != 2)
        errx(2, "usage: %s VALUE", argv[0]);
    uint64_t value = parse_number(argv[1], 1, UINT64_MAX - 1);

    int private = private_eventfd();    /* the parent's own: closed on exec */
    int doorbell = inherited_eventfd(); /* the helper's: kept across exec */
    fflush(stdout);

    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");
    case 0:
        exec_helper(doorbell, value);
    default:
        break;
    }

    int status;
    if (!reap(child, &status))
        exit(EXIT_FAILURE);             /* waitpid failed: no child to kill */
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        errx(EXIT_FAILURE, "the helper failed (wait status 0x%x)", (unsigned) status);
    printf("parent %ld: the helper wrote %" PRIu64 "\n", (long) getpid(), take_count(doorbell));
    if (close(doorbell) == -1 || close(private) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
