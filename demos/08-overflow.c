/* 08-overflow — a write that would pass 0xfffffffffffffffe sleeps until a read makes room.
 *
 * What it shows
 *   The counter never overflows: its maximum is 0xfffffffffffffffe, and a
 *   blocking write() that would take it past that sleeps until a read() in
 *   some other process (or thread) brings the count down. poll() shows the
 *   same limit: POLLOUT ("a write of 1 would not block") is reported while
 *   the count is below the maximum and vanishes when it reaches it.
 *   Here the parent fills the counter to the maximum; its child writes VALUE
 *   and falls asleep in write(); the parent waits until /proc says the child
 *   is asleep in write() on the eventfd, then reads the whole count; that
 *   read wakes the writer, whose VALUE then lands in the emptied counter.
 *   Once the parent has reaped the child, the count is VALUE and POLLOUT is
 *   back.
 *
 * How to run
 *   build/08-overflow [--pause] [VALUE]
 *   VALUE: what the child writes, 1..0xfffffffffffffffd (default 5); below
 *   the maximum, so that POLLOUT can come back after the drain.
 *
 * What to inspect (with --pause)
 *   created         eventfd-count 0; poll says POLLOUT
 *   full            eventfd-count fffffffffffffffe; poll says POLLIN, no POLLOUT
 *   writer-blocked  the child is asleep in write(): cat /proc/CHILD/stat
 *                   (state S), /proc/CHILD/syscall ("1 0x3 ..." on x86-64:
 *                   write on fd 3), /proc/CHILD/wchan; the count is still the
 *                   maximum
 *   write-done      (in the child) its write returned: eventfd-count VALUE
 *                   (the parent, which drained the count, waits in waitpid)
 *   reaped          eventfd-count VALUE; poll says POLLIN and POLLOUT again
 *   emptied         eventfd-count 0
 *
 * Kernel: any Linux with eventfd (2.6.22); /proc/PID/syscall needs
 * CONFIG_HAVE_ARCH_TRACEHOOK (every common distribution kernel).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

#define EVENTFD_MAX (UINT64_MAX - 1)    /* the largest count an eventfd holds */
#define BLOCK_TIMEOUT_MS 10000

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    what the child writes: 1..0xfffffffffffffffd (default 5)\n";

/* What poll() reports for the eventfd right now, without waiting. */
static short poll_now(int efd)
{
    struct pollfd p = { .fd = efd, .events = POLLIN | POLLOUT };
    if (poll(&p, 1, 0) == -1)
        die("poll");
    return p.revents;
}

static void show_poll(short revents)
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
        value = parse_u64(argv[first_operand], "VALUE", 1, EVENTFD_MAX - 1);

    int efd = eventfd(0, 0);
    if (efd == -1)
        die("eventfd");
    say("created eventfd fd %d\n", efd);
    show_fdinfo(efd);
    show_poll(poll_now(efd));
    checkpoint("created", efd);

    uint64_t fill = EVENTFD_MAX;
    if (write(efd, &fill, sizeof fill) != sizeof fill)
        die("write");
    say("wrote 0x%" PRIx64 " (%" PRIu64 "): the counter is at its maximum\n", fill, fill);
    show_fdinfo(efd);
    show_poll(poll_now(efd));
    checkpoint("full", efd);

    pid_t child = fork();
    switch (child) {
    case -1:
        die("fork");

    case 0:                                     /* child: the writer */
        say("calling write(0x%" PRIx64 "): the counter is full, so I will sleep\n", value);
        ssize_t written;
        while ((written = write(efd, &value, sizeof value)) == -1 && errno == EINTR)
            continue;                   /* a signal handler ran: write again */
        if (written != sizeof value)
            die("write");
        say("write returned: 0x%" PRIx64 " (%" PRIu64 ") added\n", value, value);
        show_fdinfo(efd);
        checkpoint("write-done", efd);
        if (close(efd) == -1)
            die("close");
        _exit(EXIT_SUCCESS);

    default:                                    /* parent */
        break;
    }

    /* Wait on a condition the kernel reports, never on a guess of time. */
    if (!wait_until_blocked(child, SYS_write, efd, BLOCK_TIMEOUT_MS)) {
        errno = ETIMEDOUT;
        die("waiting for the child to block in write()");
    }
    char syscall_text[256] = "?", wchan[64] = "?";
    proc_text(child, "syscall", syscall_text, sizeof syscall_text);
    proc_text(child, "wchan", wchan, sizeof wchan);
    say("child %ld is blocked in write(): state S, /proc/%ld/syscall \"%.40s...\" "
        "(system call %ld is write on this machine), wchan %s\n",
        (long) child, (long) child, syscall_text, (long) SYS_write, wchan);
    show_fdinfo(efd);
    show_poll(poll_now(efd));
    checkpoint("writer-blocked", efd);

    /* Draining the count makes room: the sleeping write completes. */
    uint64_t received;
    ssize_t n;
    while ((n = read(efd, &received, sizeof received)) == -1 && errno == EINTR)
        continue;                       /* a signal handler ran: read again */
    if (n != sizeof received)
        die("read");
    say("read 0x%" PRIx64 " (%" PRIu64 "): that wakes the writer\n", received, received);

    int status;
    if (waitpid(child, &status, 0) == -1)
        die("waitpid");
    say("child %ld %s\n", (long) child, describe_status(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* Its VALUE never arrived: the read below would wait forever. */
        say("the writer failed, so its value is missing: no read\n");
        return EXIT_FAILURE;            /* exiting closes efd */
    }
    show_fdinfo(efd);
    show_poll(poll_now(efd));
    checkpoint("reaped", efd);

    while ((n = read(efd, &received, sizeof received)) == -1 && errno == EINTR)
        continue;                       /* a signal handler ran: read again */
    if (n != sizeof received)
        die("read");
    say("read 0x%" PRIx64 " (%" PRIu64 "): the child's value\n", received, received);
    show_fdinfo(efd);
    checkpoint("emptied", efd);

    if (close(efd) == -1)
        die("close");
    return EXIT_SUCCESS;
}
