/* 15-signals-eintr — a signal interrupts a blocking read: EINTR, or a transparent restart with SA_RESTART.
 *
 * What it shows
 *   A read() asleep on an eventfd is an "interruptible sleep": when a signal
 *   with a handler arrives, the kernel stops the read, runs the handler, and
 *   then does one of two things, decided by how the handler was installed:
 *     without SA_RESTART  read() returns -1 with errno EINTR; nothing was
 *                         read and the count is untouched. Robust code
 *                         loops: on EINTR it simply calls read() again.
 *     with SA_RESTART     the kernel restarts the read by itself; the caller
 *                         never notices and read() returns the value that is
 *                         written later.
 *   (glibc's signal() installs handlers WITH SA_RESTART; sigaction() does
 *   what sa_flags says.) Two children show both, one after the other. Each
 *   installs a SIGUSR1 handler and blocks in read(). The parent waits until
 *   /proc says the child is asleep in read() on the eventfd, sends SIGUSR1
 *   with kill(), waits until /proc/CHILD/status no longer lists the signal
 *   as pending (it was delivered: the handler has run) and the child is
 *   asleep in read() again (the first child's loop called read() again; the
 *   second child's read was restarted by the kernel), and only then writes.
 *
 * How to run
 *   build/15-signals-eintr [--pause] [VALUE]
 *   VALUE: what the parent writes for each child, 1..0xfffffffffffffffe
 *   (default 7)
 *
 * What to inspect (with --pause)
 *   created             eventfd-count 0
 *   blocked             (twice: first child, then second child) the child is
 *                       asleep in read(): /proc/CHILD/stat state S,
 *                       /proc/CHILD/syscall "0 0x3 ..." on x86-64
 *   retrying            the first child got EINTR and is asleep in its next
 *                       read(); grep Pnd /proc/CHILD/status shows nothing
 *                       pending; eventfd-count 0
 *   first-reaped        the first child read VALUE and exited; count 0
 *   restarted           the second child's handler ran and the kernel put it
 *                       back to sleep in the same read(); count 0
 *   second-reaped       the second child read VALUE and exited; count 0
 *
 * Kernel: any Linux with eventfd; /proc/PID/syscall needs
 * CONFIG_HAVE_ARCH_TRACEHOOK (every common distribution kernel); without it
 * the lesson relies on the state letter.
 */
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "course.h"

#define TIMEOUT_MS 10000

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    what the parent writes for each child: 1..0xfffffffffffffffe\n"
    "           (default 7)\n";

static volatile sig_atomic_t handled;   /* how many times the handler ran */

static void on_sigusr1(int signo)
{
    (void) signo;
    handled = handled + 1;
}

/* A reader: installs the SIGUSR1 handler (with or without SA_RESTART),
 * reads the eventfd once, reports, exits. */
static _Noreturn void reader(int efd, bool restart)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_sigusr1;
    sigemptyset(&action.sa_mask);
    action.sa_flags = restart ? SA_RESTART : 0;
    if (sigaction(SIGUSR1, &action, NULL) == -1)
        die("sigaction");
    say("SIGUSR1 handler installed %s SA_RESTART; calling read()\n",
        restart ? "with" : "without");

    uint64_t value;
    ssize_t n;
    if (restart) {
        n = read(efd, &value, sizeof value);    /* a restart is invisible here */
    } else {
        int interrupted = 0;                    /* the robust loop: on EINTR, read again */
        while ((n = read(efd, &value, sizeof value)) == -1 && errno == EINTR)
            interrupted++;
        say("read() failed with EINTR %d time(s); the loop called it again\n", interrupted);
    }
    if (n != sizeof value)
        die("read");
    say("read() returned 0x%" PRIx64 " (%" PRIu64 "); the handler ran %d time(s)\n",
        value, value, (int) handled);
    if (close(efd) == -1)
        die("close");
    _exit(EXIT_SUCCESS);
}

/* True while /proc/PID/status lists signal 'signo' as pending, for the
 * thread (SigPnd) or the whole process (ShdPnd, where kill() puts it). */
static bool signal_pending(pid_t pid, int signo)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", (long) pid);
    FILE *status = fopen(path, "r");
    if (status == NULL)
        die("open /proc/PID/status");
    bool pending = false;
    while (fgets(line, sizeof line, status)) {
        if (strncmp(line, "SigPnd:", 7) == 0 || strncmp(line, "ShdPnd:", 7) == 0)
            if (strtoull(line + 7, NULL, 16) & (1ULL << (signo - 1)))
                pending = true;
    }
    fclose(status);
    return pending;
}

/* Waits, up to timeout_ms, until signal 'signo' is no longer pending for
 * 'pid': the kernel has delivered it and the handler has been set running. */
static bool wait_until_delivered(pid_t pid, int signo, int timeout_ms)
{
    const struct timespec one_ms = { 0, 1000000 };
    for (int waited = 0; signal_pending(pid, signo); waited++) {
        if (waited >= timeout_ms)
            return false;
        nanosleep(&one_ms, NULL);   /* look again: the condition has a deadline */
    }
    return true;
}

/* Waits until 'child' sleeps in read() on the eventfd, or dies trying. */
static void await_read(pid_t child, int efd, const char *what)
{
    if (!wait_until_blocked(child, SYS_read, efd, TIMEOUT_MS)) {
        errno = ETIMEDOUT;
        die(what);
    }
}

/* Waits until SIGUSR1 has been delivered to 'child' and the child is asleep
 * in read() again: a new read() (its loop) or the same one, restarted. */
static void await_delivery(pid_t child, int efd)
{
    if (!wait_until_delivered(child, SIGUSR1, TIMEOUT_MS)) {
        errno = ETIMEDOUT;
        die("waiting for SIGUSR1 to be delivered");
    }
    await_read(child, efd, "waiting for the child to sleep in read() again");
}

static bool reap(pid_t child)
{
    int status;
    if (waitpid(child, &status, 0) == -1)
        die("waitpid");
    say("child %ld %s\n", (long) child, describe_status(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    uint64_t value = 7;
    if (argc - first_operand > 1)
        usage_error("too many arguments");
    if (argc - first_operand == 1)
        value = parse_u64(argv[first_operand], "VALUE", 1, UINT64_MAX - 1);

    int efd = eventfd(0, 0);
    if (efd == -1)
        die("eventfd");
    say("created eventfd fd %d\n", efd);
    show_fdinfo(efd);
    checkpoint("created", efd);

    /* --- first child: handler without SA_RESTART ------------------------- */
    pid_t first = fork();
    switch (first) {
    case -1:
        die("fork");
    case 0:
        reader(efd, false);
    default:
        break;
    }
    await_read(first, efd, "waiting for the first child to block in read()");
    say("child %ld is blocked in read()\n", (long) first);
    show_fdinfo(efd);
    checkpoint("blocked", efd);

    if (kill(first, SIGUSR1) == -1)
        die("kill");
    say("sent SIGUSR1 to child %ld\n", (long) first);
    await_delivery(first, efd);
    say("child %ld: SIGUSR1 delivered, and it is blocked in read() again\n", (long) first);
    show_fdinfo(efd);
    checkpoint("retrying", efd);

    if (write(efd, &value, sizeof value) != sizeof value)
        die("write");
    say("wrote 0x%" PRIx64 " (%" PRIu64 ")\n", value, value);
    bool first_ok = reap(first);
    show_fdinfo(efd);
    checkpoint("first-reaped", efd);

    /* --- second child: handler with SA_RESTART --------------------------- */
    pid_t second = fork();
    switch (second) {
    case -1:
        die("fork");
    case 0:
        reader(efd, true);
    default:
        break;
    }
    await_read(second, efd, "waiting for the second child to block in read()");
    say("child %ld is blocked in read()\n", (long) second);
    show_fdinfo(efd);
    checkpoint("blocked", efd);

    if (kill(second, SIGUSR1) == -1)
        die("kill");
    say("sent SIGUSR1 to child %ld\n", (long) second);
    await_delivery(second, efd);
    say("child %ld: SIGUSR1 delivered, and it is blocked in read() again\n", (long) second);
    show_fdinfo(efd);
    checkpoint("restarted", efd);

    if (write(efd, &value, sizeof value) != sizeof value)
        die("write");
    say("wrote 0x%" PRIx64 " (%" PRIu64 ")\n", value, value);
    bool second_ok = reap(second);
    show_fdinfo(efd);
    checkpoint("second-reaped", efd);

    if (close(efd) == -1)
        die("close");
    return first_ok && second_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
