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
 *   The rule the whole course follows comes from here: a blocking call (a
 *   read of an eventfd, a pipe or a socket; a write that waits for room;
 *   recvmsg; poll and epoll_wait; waitpid) that a signal interrupts is made
 *   again. Each lesson writes the loop out once per kind of call, inside the
 *   small function that makes the call, with one short comment at the loop
 *   (read_retrying here; reap() for waitpid, which end_child() uses too). A
 *   call that cannot sleep (a non-blocking descriptor, a timeout of 0) has
 *   no loop, and its comment says why. A program with no handler of its own
 *   may still need the loop: a library may install one without SA_RESTART;
 *   poll and epoll_wait are never restarted, SA_RESTART or not; and
 *   epoll_wait fails with EINTR even after a mere stop and continue (SIGSTOP
 *   and SIGCONT, a debugger). See signal(7).
 *   signal(7) lists the calls SA_RESTART restarts without naming eventfd;
 *   the evidence that a read of an eventfd is one of them is fs/eventfd.c:
 *   a signal that ends its sleep makes it return -ERESTARTSYS, which the
 *   kernel turns into a restart when the handler has SA_RESTART and into
 *   EINTR when it has not. poll() and epoll_wait() are never restarted:
 *   they always fail with EINTR.
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

/* Installs 'handler' for 'signo' with sigaction(). sa_flags decides what a
 * blocking call the handler interrupts does afterwards: without SA_RESTART it
 * fails with EINTR, with SA_RESTART the kernel makes it again by itself.
 * Runs in a child: on failure, _exit() (not exit(): the parent's atexit
 * handlers and its copied stdio buffers are not the child's to run). */
void catch_signal(int signo, void (*handler)(int), bool restart)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = restart ? SA_RESTART : 0;
    if (sigaction(signo, &action, NULL) == -1) {
        warn("sigaction");
        _exit(EXIT_FAILURE);
    }
}

/* read(2), made again when a signal interrupts it before anything is read:
 * the course's one EINTR rule. Nothing was read and the count is untouched,
 * so reading again loses nothing. *interrupted counts how often it happened.
 * Returns what read() returned. */
ssize_t read_retrying(int fd, void *buffer, size_t size, unsigned *interrupted)
{
    ssize_t n;
    while ((n = read(fd, buffer, size)) == -1 && errno == EINTR)
        ++*interrupted; /* a handler without SA_RESTART ran (lesson 15): read again */
    return n;
}

/* Adds 'value' to the eventfd's count. The parent calls it while a child
 * lives: on failure it warns and returns false, and the caller ends the
 * child before it exits. */
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

/* 1 while /proc/PID/status lists signal 'signo' as pending, for the thread
 * (SigPnd) or the whole process (ShdPnd, where kill() puts it); 0 once it has
 * been delivered; -1 with errno when the file cannot be read. */
static int signal_pending(pid_t pid, int signo)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", (long) pid);
    FILE *status = fopen(path, "r");
    if (status == NULL)
        return -1;
    int pending = 0;
    while (fgets(line, sizeof line, status)) {
        if (strncmp(line, "SigPnd:", 7) == 0 || strncmp(line, "ShdPnd:", 7) == 0)
            if (strtoull(line + 7, NULL, 16) & (1ULL << (signo - 1)))
                pending = 1;
    }
    if (ferror(status))
        pending = -1;
    fclose(status);
    return pending;
}

/* Waits until signal 'signo' is no longer pending for 'pid': the kernel has
 * delivered it and set the handler running. The deadline is timeout_ms on
 * CLOCK_MONOTONIC, as in the harness's wait_until_blocked(). Returns false
 * with errno ETIMEDOUT when it passes, or with the errno of the failed read
 * of /proc. */
static bool wait_until_delivered(pid_t pid, int signo, int timeout_ms)
{
    const struct timespec one_ms = { 0, 1000000 };
    struct timespec deadline, now;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long) (timeout_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    for (;;) {
        int pending = signal_pending(pid, signo);
        if (pending != 1)
            return pending == 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > deadline.tv_sec ||
            (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec)) {
            errno = ETIMEDOUT;
            return false;
        }
        nanosleep(&one_ms, NULL);   /* look again: the condition has a deadline */
    }
}

/* A child: installs the SIGUSR1 handler (with or without SA_RESTART), reads
 * the eventfd once (as many read() calls as signals make it), reports, exits. */
static _Noreturn void reader(int efd, bool restart)
{
    catch_signal(SIGUSR1, on_sigusr1, restart);
    say("SIGUSR1 handler installed %s SA_RESTART; calling read()\n",
        restart ? "with" : "without");

    uint64_t value;
    unsigned interrupted = 0;
    if (read_retrying(efd, &value, sizeof value, &interrupted) != sizeof value) {
        warn("read");
        _exit(EXIT_FAILURE);    /* a child: leave the parent's stdio and atexit alone */
    }
    if (!restart)
        say("read() failed with EINTR %u time(s); the loop called it again\n", interrupted);
    say("read() returned 0x%" PRIx64 " (%" PRIu64 "); the handler ran %d time(s)\n",
        value, value, (int) handled);
    if (close(efd) == -1) {
        warn("close");
        _exit(EXIT_FAILURE);
    }
    _exit(EXIT_SUCCESS);
}

/* One round: a child blocks in read(), the parent interrupts it with SIGUSR1,
 * sees it blocked in read() again, writes 'value' and reaps it. The
 * checkpoints are named by what happened to the read: "retrying" (the loop
 * called read() again) or "restarted" (the kernel did). Returns true if the
 * child exited with status 0. */
static bool interrupt_a_reader(int efd, uint64_t value, bool restart)
{
    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");      /* no other child is alive */
    case 0:
        reader(efd, restart);
    default:
        break;
    }

    /* wait_until_blocked() says why it failed in errno: ETIMEDOUT, or ESRCH
     * when the child has ended. */
    if (!wait_until_blocked(child, SYS_read, efd, TIMEOUT_MS)) {
        warn("waiting for the %s child to block in read()", restart ? "second" : "first");
        end_child(child);
        exit(EXIT_FAILURE);
    }
    say("child %ld is blocked in read()\n", (long) child);
    show_fdinfo(efd);
    checkpoint("blocked", efd);

    if (kill(child, SIGUSR1) == -1) {
        warn("kill");
        end_child(child);
        exit(EXIT_FAILURE);
    }
    say("sent SIGUSR1 to child %ld\n", (long) child);
    if (!wait_until_delivered(child, SIGUSR1, TIMEOUT_MS)) {
        warn("waiting for SIGUSR1 to be delivered");
        end_child(child);
        exit(EXIT_FAILURE);
    }
    if (!wait_until_blocked(child, SYS_read, efd, TIMEOUT_MS)) {
        warn("waiting for the child to sleep in read() again");
        end_child(child);
        exit(EXIT_FAILURE);
    }
    say("child %ld: SIGUSR1 delivered, and it is blocked in read() again\n", (long) child);
    show_fdinfo(efd);
    checkpoint(restart ? "restarted" : "retrying", efd);

    if (!notify(efd, value)) {
        end_child(child);
        exit(EXIT_FAILURE);
    }
    say("wrote 0x%" PRIx64 " (%" PRIu64 ")\n", value, value);
    int status;
    if (!reap(child, &status)) {
        end_child(child);
        exit(EXIT_FAILURE);
    }
    say("child %ld %s\n", (long) child, describe_status(status));
    show_fdinfo(efd);
    checkpoint(restart ? "second-reaped" : "first-reaped", efd);
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
        err(EXIT_FAILURE, "eventfd");
    say("created eventfd fd %d\n", efd);
    show_fdinfo(efd);
    checkpoint("created", efd);

    bool first_ok = interrupt_a_reader(efd, value, false);     /* EINTR, and a loop */
    bool second_ok = interrupt_a_reader(efd, value, true);     /* the kernel restarts */

    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return first_ok && second_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
