/* 05-blocking-read — a read at count 0 sleeps until someone writes.
 *
 * What it shows
 *   In blocking mode (the default), read() on an eventfd whose counter is 0
 *   puts the caller to sleep until a write makes the counter non-zero. Here
 *   the child reads at once and falls asleep; the parent watches it through
 *   /proc until the kernel itself says the child is asleep in that read:
 *     /proc/CHILD/stat     state "S" (interruptible sleep)
 *     /proc/CHILD/syscall  "0 0x3 ..." = system call 0 (read on x86-64),
 *                          first argument 3 (the eventfd)
 *     /proc/CHILD/wchan    the kernel function it sleeps in: do_wait_intr_irq
 *                          since Linux 6.4 (eventfd_read waits with
 *                          wait_event_interruptible_locked_irq), eventfd_read
 *                          itself before
 *   Only then does the parent write, and the child wakes with the value.
 *   This is how you see, on any Linux, that a process is blocked and on what.
 *
 *   The code to copy is lesson 02's: wait_for_notification() in the child,
 *   notify() in the parent; checking that a process sleeps is the course's
 *   wait_until_blocked() (common/course.c), an inspection, not eventfd code.
 *
 * How to run
 *   build/05-blocking-read [--pause] [VALUE]
 *   VALUE: what the parent writes, 1..0xfffffffffffffffe (default 7)
 *
 * What to inspect (with --pause)
 *   created        eventfd-count 0
 *   child-blocked  the child is asleep in read(): cat /proc/CHILD/stat,
 *                  /proc/CHILD/syscall, /proc/CHILD/wchan; eventfd-count 0
 *   received       (in the child) the value arrived; eventfd-count 0
 *   reaped         the parent has no child left
 *
 * Kernel: /proc/PID/syscall needs CONFIG_HAVE_ARCH_TRACEHOOK (every common
 * distribution kernel); without it the lesson relies on the state letter.
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
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

#define BLOCK_TIMEOUT_MS 10000

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    what the parent writes: 1..0xfffffffffffffffe (default 7)\n";

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

    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");

    case 0: {
        say("calling read(): the counter is 0, so I will sleep\n");
        uint64_t received = wait_for_notification(efd);
        say("woke up with 0x%" PRIx64 " (%" PRIu64 ")\n", received, received);
        show_fdinfo(efd);
        checkpoint("received", efd);
        if (close(efd) == -1) {
            warn("close");
            _exit(EXIT_FAILURE);                /* a child: see wait_for_notification */
        }
        _exit(EXIT_SUCCESS);
    }

    default: {
        /* Wait on a condition the kernel reports, never on a guess of time. */
        if (!wait_until_blocked(child, SYS_read, efd, BLOCK_TIMEOUT_MS)) {
            warn("waiting for the child to block in read()");
            end_child(child);
            return EXIT_FAILURE;
        }
        char syscall_text[256] = "?", wchan[64] = "?";
        proc_text(child, "syscall", syscall_text, sizeof syscall_text);
        proc_text(child, "wchan", wchan, sizeof wchan);
        say("child %ld is asleep: state S, /proc/%ld/syscall \"%.40s...\" "
            "(system call %ld is read on this machine), wchan %s\n",
            (long) child, (long) child, syscall_text, (long) SYS_read, wchan);
        show_fdinfo(efd);
        checkpoint("child-blocked", efd);

        if (!notify(efd, value)) {
            end_child(child);
            return EXIT_FAILURE;
        }
        say("wrote 0x%" PRIx64 " (%" PRIu64 ")\n", value, value);

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
