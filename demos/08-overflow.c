/* 08-overflow — write stops the count at 0xfffffffffffffffe; a writer past it waits for a read.
 *
 * What it shows
 *   write(2) never takes the count past 0xfffffffffffffffe: a blocking
 *   write() that would pass it sleeps until a read() in some other process
 *   (or thread) brings the count down, then adds its value. poll() shows the
 *   same limit: POLLOUT ("a write of 1 would not block") is reported while
 *   the count is below 0xfffffffffffffffe and vanishes when it reaches it.
 *   Here the parent takes the count to that limit; its child writes VALUE
 *   and falls asleep in write(); the parent waits until /proc says the child
 *   is asleep in write() on the eventfd, then reads the whole count; that
 *   read wakes the writer, whose VALUE then lands in the emptied counter.
 *   Once the parent has reaped the child, the count is VALUE and POLLOUT is
 *   back.
 *   The file keeps its old name, but nothing here overflows. The man page's
 *   "overflow" is another state: the count at 0xffffffffffffffff, one above
 *   write's limit, which only the kernel's own posts reach (an AIO
 *   completion, for one); poll() then reports POLLERR. Lesson 19 shows it.
 *
 * How to run
 *   build/08-overflow [--pause] [VALUE]
 *   VALUE: what the child writes, 1..0xfffffffffffffffd (default 5); below
 *   write's limit, so that POLLOUT can come back after the drain.
 *
 * What to inspect (with --pause)
 *   created         eventfd-count 0; poll says POLLOUT
 *   full            eventfd-count fffffffffffffffe; poll says POLLIN, no POLLOUT
 *   writer-blocked  the child is asleep in write(): cat /proc/CHILD/stat
 *                   (state S), /proc/CHILD/syscall ("1 0x3 ..." on x86-64:
 *                   write on fd 3), /proc/CHILD/wchan; the count is still
 *                   0xfffffffffffffffe
 *   write-done      (in the child) its write returned: eventfd-count VALUE
 *                   (the parent, which drained the count, waits in waitpid)
 *   reaped          eventfd-count VALUE; poll says POLLIN and POLLOUT again
 *   emptied         eventfd-count 0
 *
 * Kernel: any Linux with eventfd (2.6.22); /proc/PID/syscall needs
 * CONFIG_HAVE_ARCH_TRACEHOOK (every common distribution kernel).
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
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

#define WRITE_LIMIT (UINT64_MAX - 1)    /* the largest count write(2) can make */
#define BLOCK_TIMEOUT_MS 10000

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    what the child writes: 1..0xfffffffffffffffd (default 5)\n";

/* What poll() reports for the eventfd right now, without waiting (timeout 0):
 * POLLOUT while a write of 1 would not block, that is while the count is
 * below 0xfffffffffffffffe; POLLIN while it is above 0. Returns the revents
 * bits, or -1 after a warning (the caller may have a child to end first).
 * It never sleeps, so no signal interrupts it: no EINTR loop (lesson 15). */
int poll_now(int efd)
{
    struct pollfd p = { .fd = efd, .events = POLLIN | POLLOUT };
    if (poll(&p, 1, 0) == -1) {
        warn("poll");
        return -1;
    }
    return p.revents;
}

/* Takes the count to 0xfffffffffffffffe, the most write(2) can make it, in
 * one write (from count 0): from there on, a write of anything but 0 has to
 * wait for a read. (A post by the kernel can still add 1: lesson 19.) Made
 * before any fork: a failure ends the program. */
void fill_to_max(int efd)
{
    uint64_t max = UINT64_MAX - 1;
    if (write(efd, &max, sizeof max) != sizeof max)
        err(EXIT_FAILURE, "write");
}

/* Adds 'value' to the count. On a blocking eventfd, a write that would take
 * the count past 0xfffffffffffffffe sleeps until a read makes room, then
 * adds. Made in the forked child: a failure ends the child with _exit, not
 * exit: no atexit handler of the parent runs, and stdio buffers copied from
 * the parent are not written a second time. */
void add_waiting_for_room(int efd, uint64_t value)
{
    ssize_t written;
    while ((written = write(efd, &value, sizeof value)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): write again */
    if (written != sizeof value) {
        warn("write");
        _exit(EXIT_FAILURE);
    }
}

/* Takes the whole count into '*count'; a blocking read at count 0 would wait
 * for a write. Returns false after a warning. */
bool take_count(int efd, uint64_t *count)
{
    ssize_t n;
    while ((n = read(efd, count, sizeof *count)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): read again */
    if (n != sizeof *count) {
        warn("read");
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

static void show_poll(int revents)
{
    say("poll: %s%s%s\n", revents & POLLIN ? "POLLIN " : "",
        revents & POLLOUT ? "POLLOUT" : "no POLLOUT",
        revents & ~(POLLIN | POLLOUT) ? " (and other bits)" : "");
}

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    uint64_t value = 5;
    if (argc - first_operand > 1)
        usage_error("too many arguments");
    if (argc - first_operand == 1)
        value = parse_u64(argv[first_operand], "VALUE", 1, WRITE_LIMIT - 1);

    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    say("created eventfd fd %d\n", efd);
    show_fdinfo(efd);
    int revents = poll_now(efd);
    if (revents == -1)
        return EXIT_FAILURE;
    show_poll(revents);
    checkpoint("created", efd);

    fill_to_max(efd);
    say("wrote 0x%" PRIx64 " (%" PRIu64 "): the count is at write's limit\n",
        WRITE_LIMIT, WRITE_LIMIT);
    show_fdinfo(efd);
    if ((revents = poll_now(efd)) == -1)
        return EXIT_FAILURE;
    show_poll(revents);
    checkpoint("full", efd);

    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");

    case 0:                                     /* child: the writer */
        say("calling write(0x%" PRIx64 "): the count is at write's limit, so I will sleep\n",
            value);
        add_waiting_for_room(efd, value);
        say("write returned: 0x%" PRIx64 " (%" PRIu64 ") added\n", value, value);
        show_fdinfo(efd);
        checkpoint("write-done", efd);
        if (close(efd) == -1) {
            warn("close");
            _exit(EXIT_FAILURE);                /* a child: _exit, as above */
        }
        _exit(EXIT_SUCCESS);

    default:                                    /* parent */
        break;
    }

    /* Wait on a condition the kernel reports, never on a guess of time. */
    if (!wait_until_blocked(child, SYS_write, efd, BLOCK_TIMEOUT_MS)) {
        warn("waiting for the child to block in write()");
        end_child(child);
        return EXIT_FAILURE;
    }
    char syscall_text[256] = "?", wchan[64] = "?";
    proc_text(child, "syscall", syscall_text, sizeof syscall_text);
    proc_text(child, "wchan", wchan, sizeof wchan);
    say("child %ld is blocked in write(): state S, /proc/%ld/syscall \"%.40s...\" "
        "(system call %ld is write on this machine), wchan %s\n",
        (long) child, (long) child, syscall_text, (long) SYS_write, wchan);
    show_fdinfo(efd);
    if ((revents = poll_now(efd)) == -1) {
        end_child(child);
        return EXIT_FAILURE;
    }
    show_poll(revents);
    checkpoint("writer-blocked", efd);

    /* Draining the count makes room: the sleeping write completes. */
    uint64_t received;
    if (!take_count(efd, &received)) {
        end_child(child);
        return EXIT_FAILURE;
    }
    say("read 0x%" PRIx64 " (%" PRIu64 "): that wakes the writer\n", received, received);

    int status;
    if (!reap(child, &status)) {
        end_child(child);
        return EXIT_FAILURE;
    }
    say("child %ld %s\n", (long) child, describe_status(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* Its VALUE never arrived: the read below would wait forever. */
        say("the writer failed, so its value is missing: no read\n");
        return EXIT_FAILURE;            /* exiting closes efd */
    }
    show_fdinfo(efd);
    if ((revents = poll_now(efd)) == -1)
        return EXIT_FAILURE;
    show_poll(revents);
    checkpoint("reaped", efd);

    if (!take_count(efd, &received))
        return EXIT_FAILURE;
    say("read 0x%" PRIx64 " (%" PRIu64 "): the child's value\n", received, received);
    show_fdinfo(efd);
    checkpoint("emptied", efd);

    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
