/* tests/exercise-wrong/04-sleep.c — a typical wrong solution of exercise 04-asleep-in-read.
 * The parent sleeps instead of looking at /proc: time orders nothing.
 * with efd-trace it also says: called clock_nanosleep
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
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ASLEEP_DEADLINE_MS 5000     /* a child that never reads: give up */

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

/* The child's side: sleeps in read() until the count is non-zero. A
 * failure ends the child with _exit() (no parent's atexit handlers, no
 * second flush of copied stdio buffers). */
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

/* True when /proc says 'pid' sleeps (state S) in read(fd): the third field
 * of /proc/PID/stat is the state (the second, "(comm)", may hold spaces:
 * look after the last ')'), and /proc/PID/syscall starts with the number
 * of the call it is in and its first argument, in hexadecimal. */
bool asleep_in_read(pid_t pid, int fd)
{
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long) pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    char *paren = strrchr(stat, ')');
    if (paren == NULL || paren[1] != ' ' || paren[2] != 'S')
        return false;

    snprintf(path, sizeof path, "/proc/%ld/syscall", (long) pid);
    f = fopen(path, "r");
    if (f == NULL)
        return false;
    long nr = -1;
    unsigned long arg0 = 0;
    int got = fscanf(f, "%ld %lx", &nr, &arg0);
    fclose(f);
    return got == 2 && nr == SYS_read && arg0 == (unsigned long) fd;
}

/* Looks at /proc every millisecond until 'pid' is asleep in read(fd), at
 * most 'deadline_ms'. The short nap between looks is not ordering by time:
 * the condition decides, the nap only keeps the loop from spinning. */
bool wait_until_asleep(pid_t pid, int fd, int deadline_ms)
{
    const struct timespec one_ms = { 0, 1000000 };
    for (int waited = 0; waited < deadline_ms; waited++) {
        if (asleep_in_read(pid, fd))
            return true;
        nanosleep(&one_ms, NULL);
    }
    errno = ETIMEDOUT;
    warn("child %ld never slept in read", (long) pid);
    return false;
}

/* The parent's side: adds 'value' to the count, which wakes the reader. */
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

    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    fflush(stdout);

    pid_t child = fork();
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

    /* wrong: "surely asleep by now". (A third of a second, not the usual
     * sleep(1): the check sees any sleep, and a short one keeps the suite fast.) */
    const struct timespec a_while = { 0, 300000000 };
    nanosleep(&a_while, NULL);
    printf("parent %ld: child %ld is asleep in read\n", (long) getpid(), (long) child);
    fflush(stdout);
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
