/* 13-anon-inode-ids — every eventfd shares one anonymous inode; eventfd-id tells them apart.
 *
 * What it shows
 *   The questions learners ask when they first meet an eventfd in /proc,
 *   answered by the kernel itself:
 *   - What is it? readlink /proc/PID/fd/N says "anon_inode:[eventfd]": a file
 *     with no name on any disk. fcntl(F_GETFL) says O_RDWR: eventfd() always
 *     opens it for reading and writing.
 *   - Is the inode number its identity? No. eventfd, epoll, signalfd and
 *     timerfd descriptors all report the SAME inode number: the kernel hangs
 *     them all on one shared anonymous inode (fs/anon_inodes.c). That number
 *     is what fstat() gives, what fdinfo's "ino:" says and what lsof prints in
 *     its NODE column.
 *   - What tells two eventfds apart? fdinfo's eventfd-id, one number per
 *     eventfd object. lsof 4.95 and later print it as [eventfd:ID]. The id is
 *     the same after dup() and after fork() (same object), different for
 *     another eventfd. When the last descriptor of an eventfd is closed its
 *     id is freed and may be reused: the kernel takes ids from an IDA, lowest
 *     free number first (fs/eventfd.c: ida_alloc; lib/idr.c), so an id is a
 *     name for an object that exists now, not a serial number.
 *   - Can I open /proc/PID/fd/N to get another descriptor, as with a pipe?
 *     No: open() fails with ENXIO, because the anonymous inode has no open
 *     method (fs/inode.c: no_open). dup(), fork(), SCM_RIGHTS and
 *     pidfd_getfd() (lesson 17) are the ways to share an eventfd.
 *
 * How to run
 *   build/13-anon-inode-ids [--pause] [COUNT]
 *   COUNT: how many eventfds to hold open side by side, 2..16 (default 3).
 *
 * What to inspect (with --pause)
 *   created     readlink /proc/PID/fd/FD; grep flags /proc/PID/fdinfo/FD
 *               (flags 02 = O_RDWR)
 *   siblings    an eventfd, an epoll, a signalfd and a timerfd are open:
 *               ls -l /proc/PID/fd; stat -L -c %i /proc/PID/fd/FD;
 *               lsof -p PID (NODE is the same, NAME [eventfd:ID]);
 *               lsfd -p PID (util-linux: the same INODE)
 *   duplicated  the dup: the same eventfd-id as the original
 *   inherited   (in the child) the same eventfd-id as the parent's
 *   all-open    COUNT eventfds: COUNT different eventfd-ids, one inode number
 *   recreated   an eventfd created right after another was closed got the
 *               closed one's id back
 *
 * Kernel: eventfd-id appears in fdinfo since Linux 5.2 (before that the
 * lesson prints "?" and says so instead of comparing ids). Whether the other
 * anonymous files share the inode and whether the reopen fails, the lesson
 * reports as the running kernel answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "course.h"

#define MAX_EVENTFDS 16

static const char usage[] =
    "[--pause] [COUNT]\n"
    "  COUNT    how many eventfds to hold open side by side: 2..16 (default 3)\n";

/* Prints what /proc/self/fd/FD points to and the inode number fstat() gives. */
static uintmax_t show_link_and_inode(const char *kind, int fd)
{
    char path[64], target[128];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(path, target, sizeof target - 1);
    if (length == -1)
        die("readlink /proc/self/fd/N");
    target[length] = '\0';

    struct stat st;
    if (fstat(fd, &st) == -1)
        die("fstat");
    say("%-8s fd %d -> %s, inode %ju\n", kind, fd, target, (uintmax_t) st.st_ino);
    return (uintmax_t) st.st_ino;
}

/* The eventfd-id of this process's descriptor 'fd', or "?" before Linux 5.2. */
static const char *eventfd_id(int fd, char *id, size_t size)
{
    if (!fdinfo_field(0, fd, "eventfd-id", id, size))
        snprintf(id, size, "?");
    return id;
}

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    uint64_t count = 3;
    if (argc - first_operand > 1)
        usage_error("too many arguments");
    if (argc - first_operand == 1)
        count = parse_u64(argv[first_operand], "COUNT", 2, MAX_EVENTFDS);

    int efd = eventfd(0, 0);
    if (efd == -1)
        die("eventfd");
    say("created eventfd fd %d\n", efd);
    uintmax_t inode = show_link_and_inode("eventfd", efd);
    int flags = fcntl(efd, F_GETFL);
    if (flags == -1)
        die("fcntl F_GETFL");
    say("fcntl(F_GETFL) = 0%o: access mode %s\n", (unsigned) flags,
        (flags & O_ACCMODE) == O_RDWR ? "O_RDWR" : "not O_RDWR");
    show_fdinfo(efd);
    checkpoint("created", efd);

    /* Three other kinds of anonymous-inode files, for comparison. */
    int epfd = epoll_create1(0);
    if (epfd == -1)
        die("epoll_create1");
    sigset_t no_signals;
    if (sigemptyset(&no_signals) == -1)
        die("sigemptyset");
    int sfd = signalfd(-1, &no_signals, 0);
    if (sfd == -1)
        die("signalfd");
    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    if (tfd == -1)
        die("timerfd_create");
    bool one_inode = show_link_and_inode("epoll", epfd) == inode;
    one_inode = show_link_and_inode("signalfd", sfd) == inode && one_inode;
    one_inode = show_link_and_inode("timerfd", tfd) == inode && one_inode;
    if (one_inode)
        say("one inode number, %ju, for all four: the kernel's single anonymous inode\n", inode);
    else
        say("not one inode number: this kernel gives some of them their own inode\n");
    checkpoint("siblings", efd);
    if (close(epfd) == -1 || close(sfd) == -1 || close(tfd) == -1)
        die("close");

    /* A pipe could be reopened through /proc; an anonymous inode cannot. */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", efd);
    int reopened = open(path, O_RDWR);
    if (reopened == -1 && errno != ENXIO)
        die("open /proc/self/fd/N");
    if (reopened == -1) {
        say("open(\"%s\") failed with ENXIO (%s): no new descriptor this way\n",
            path, strerror(ENXIO));
    } else {
        say("open(\"%s\") gave fd %d: this kernel lets an anonymous inode be reopened\n",
            path, reopened);
        if (close(reopened) == -1)
            die("close");
    }

    char id[32], other_id[32];
    int copy = dup(efd);
    if (copy == -1)
        die("dup");
    say("dup(%d) = %d: eventfd-id %s and %s\n", efd, copy,
        eventfd_id(efd, id, sizeof id), eventfd_id(copy, other_id, sizeof other_id));
    show_fdinfo(copy);
    checkpoint("duplicated", copy);
    if (close(copy) == -1)
        die("close");

    pid_t child = fork();
    switch (child) {
    case -1:
        die("fork");

    case 0: {
        char parents[32];
        if (!fdinfo_field(getppid(), efd, "eventfd-id", parents, sizeof parents))
            snprintf(parents, sizeof parents, "?");
        say("inherited fd %d: my eventfd-id is %s, my parent's is %s\n",
            efd, eventfd_id(efd, id, sizeof id), parents);
        checkpoint("inherited", efd);
        if (close(efd) == -1)
            die("close");
        _exit(EXIT_SUCCESS);
    }

    default:
        break;
    }
    int status;
    if (waitpid(child, &status, 0) == -1)
        die("waitpid");
    say("child %ld %s\n", (long) child, describe_status(status));

    /* More eventfds: each its own object with its own id, all on one inode. */
    int efds[MAX_EVENTFDS] = { efd };
    for (uint64_t i = 1; i < count; i++) {
        efds[i] = eventfd(0, 0);
        if (efds[i] == -1)
            die("eventfd");
    }
    for (uint64_t i = 0; i < count; i++) {
        struct stat st;
        if (fstat(efds[i], &st) == -1)
            die("fstat");
        say("eventfd fd %d: eventfd-id %s, inode %ju\n", efds[i],
            eventfd_id(efds[i], id, sizeof id), (uintmax_t) st.st_ino);
    }
    checkpoint("all-open", efds[count - 1]);

    /* An id names a living object: closing the last descriptor frees it,
     * and the next eventfd takes the lowest free id. */
    int temporary = eventfd(0, 0);
    if (temporary == -1)
        die("eventfd");
    eventfd_id(temporary, id, sizeof id);
    if (close(temporary) == -1)
        die("close");
    int next = eventfd(0, 0);
    if (next == -1)
        die("eventfd");
    eventfd_id(next, other_id, sizeof other_id);
    say("closed an eventfd with eventfd-id %s; the next eventfd got eventfd-id %s: %s\n",
        id, other_id, strcmp(id, "?") == 0 ? "this kernel shows no ids (it needs Linux 5.2)"
                      : strcmp(id, other_id) == 0 ? "the freed id was reused"
                      : "another id (some other process took the freed one meanwhile)");
    show_fdinfo(next);
    checkpoint("recreated", next);

    if (close(next) == -1)
        die("close");
    for (uint64_t i = 0; i < count; i++)
        if (close(efds[i]) == -1)
            die("close");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
