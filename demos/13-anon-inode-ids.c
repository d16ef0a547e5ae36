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
#include <err.h>
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
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "course.h"

#define MAX_EVENTFDS 16

static const char usage[] =
    "[--pause] [COUNT]\n"
    "  COUNT    how many eventfds to hold open side by side: 2..16 (default 3)\n";

/* What the kernel calls this process's descriptor 'fd': the target of the
 * link /proc/self/fd/FD, "anon_inode:[eventfd]" for an eventfd. Used while
 * the program has no child: a failure ends it. */
void descriptor_link(int fd, char *target, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(path, target, size - 1);
    if (length == -1)
        err(EXIT_FAILURE, "readlink /proc/self/fd/N");
    target[length] = '\0';
}

/* The inode number fstat() gives for 'fd': for every anonymous-inode file
 * (eventfd, epoll, signalfd, timerfd) the same shared inode's. */
ino_t inode_number(int fd)
{
    struct stat st;
    if (fstat(fd, &st) == -1)
        err(EXIT_FAILURE, "fstat");
    return st.st_ino;
}

/* Tries to open a new descriptor through /proc/self/fd/FD, as one can for a
 * pipe. For an eventfd the anonymous inode has no open method: -1 with errno
 * ENXIO is the expected answer. Any other failure ends the program. */
int reopen_through_proc(int fd)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int reopened = open(path, O_RDWR);
    if (reopened == -1 && errno != ENXIO)
        err(EXIT_FAILURE, "open /proc/self/fd/N");
    return reopened;
}

/* Copies the eventfd-id that /proc/PID/fdinfo/FD shows for descriptor 'fd'
 * of process 'pid' into 'id', or "?" where the kernel prints none (before
 * Linux 5.2). Two descriptors with one eventfd-id are one eventfd object.
 * Returns false after a warning when the file cannot be read (a child that
 * calls it then ends with _exit()). */
bool eventfd_id(pid_t pid, int fd, char *id, size_t size)
{
    char path[64], line[256], value[32];
    snprintf(path, sizeof path, "/proc/%ld/fdinfo/%d", (long) pid, fd);
    FILE *fdinfo = fopen(path, "r");
    if (fdinfo == NULL) {
        warn("open /proc/PID/fdinfo");
        return false;
    }
    snprintf(id, size, "?");
    while (fgets(line, sizeof line, fdinfo)) {
        if (sscanf(line, "eventfd-id: %31s", value) == 1) {
            snprintf(id, size, "%s", value);
            break;
        }
    }
    bool ok = !ferror(fdinfo);
    if (!ok)
        warn("read /proc/PID/fdinfo");
    fclose(fdinfo);
    return ok;
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

/* Says where /proc/self/fd/FD points and which inode fstat() gives. */
static ino_t show_link_and_inode(const char *kind, int fd)
{
    char target[128];
    descriptor_link(fd, target, sizeof target);
    ino_t inode = inode_number(fd);
    say("%-8s fd %d -> %s, inode %ju\n", kind, fd, target, (uintmax_t) inode);
    return inode;
}

/* The eventfd-id of this process's descriptor 'fd'; the parent has no child
 * when it asks. */
static const char *own_eventfd_id(int fd, char *id, size_t size)
{
    if (!eventfd_id(getpid(), fd, id, size))
        exit(EXIT_FAILURE);
    return id;
}

/* The child: its inherited descriptor has the parent's eventfd-id. */
static _Noreturn void child_compares_ids(int efd)
{
    char mine[32], parents[32];
    if (!eventfd_id(getpid(), efd, mine, sizeof mine) ||
        !eventfd_id(getppid(), efd, parents, sizeof parents))
        _exit(EXIT_FAILURE);    /* a child: leave the parent's stdio and atexit alone */
    say("inherited fd %d: my eventfd-id is %s, my parent's is %s\n", efd, mine, parents);
    checkpoint("inherited", efd);
    if (close(efd) == -1) {
        warn("close");
        _exit(EXIT_FAILURE);
    }
    _exit(EXIT_SUCCESS);
}

/* Part 1: what an eventfd is, as the kernel names it. Returns its inode. */
static ino_t what_it_is(int efd)
{
    say("created eventfd fd %d\n", efd);
    ino_t inode = show_link_and_inode("eventfd", efd);
    int flags = fcntl(efd, F_GETFL);
    if (flags == -1)
        err(EXIT_FAILURE, "fcntl F_GETFL");
    say("fcntl(F_GETFL) = 0%o: access mode %s\n", (unsigned) flags,
        (flags & O_ACCMODE) == O_RDWR ? "O_RDWR" : "not O_RDWR");
    show_fdinfo(efd);
    checkpoint("created", efd);
    return inode;
}

/* Part 2: three other kinds of anonymous-inode files, for comparison. */
static void its_siblings(int efd, ino_t inode)
{
    int epfd = epoll_create1(0);
    if (epfd == -1)
        err(EXIT_FAILURE, "epoll_create1");
    sigset_t no_signals;
    if (sigemptyset(&no_signals) == -1)
        err(EXIT_FAILURE, "sigemptyset");
    int sfd = signalfd(-1, &no_signals, 0);
    if (sfd == -1)
        err(EXIT_FAILURE, "signalfd");
    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    if (tfd == -1)
        err(EXIT_FAILURE, "timerfd_create");
    bool one_inode = show_link_and_inode("epoll", epfd) == inode;
    one_inode = show_link_and_inode("signalfd", sfd) == inode && one_inode;
    one_inode = show_link_and_inode("timerfd", tfd) == inode && one_inode;
    if (one_inode)
        say("one inode number, %ju, for all four: the kernel's single anonymous inode\n",
            (uintmax_t) inode);
    else
        say("not one inode number: this kernel gives some of them their own inode\n");
    checkpoint("siblings", efd);
    if (close(epfd) == -1 || close(sfd) == -1 || close(tfd) == -1)
        err(EXIT_FAILURE, "close");
}

/* Part 3: a pipe could be reopened through /proc; an anonymous inode cannot.
 * dup() gives another descriptor for the same object: the same eventfd-id. */
static void other_descriptors(int efd)
{
    int reopened = reopen_through_proc(efd);
    if (reopened == -1) {
        say("open(\"/proc/self/fd/%d\") failed with ENXIO (%s): no new descriptor this way\n",
            efd, strerror(ENXIO));
    } else {
        say("open(\"/proc/self/fd/%d\") gave fd %d: this kernel lets an anonymous inode "
            "be reopened\n", efd, reopened);
        if (close(reopened) == -1)
            err(EXIT_FAILURE, "close");
    }

    char id[32], other_id[32];
    int copy = dup(efd);
    if (copy == -1)
        err(EXIT_FAILURE, "dup");
    say("dup(%d) = %d: eventfd-id %s and %s\n", efd, copy,
        own_eventfd_id(efd, id, sizeof id), own_eventfd_id(copy, other_id, sizeof other_id));
    show_fdinfo(copy);
    checkpoint("duplicated", copy);
    if (close(copy) == -1)
        err(EXIT_FAILURE, "close");
}

/* Part 5: more eventfds, each its own object with its own id, all on one
 * inode; efds[0] is the first one. */
static void side_by_side(int efds[], uint64_t count)
{
    char id[32];
    for (uint64_t i = 1; i < count; i++) {
        efds[i] = eventfd(0, 0);
        if (efds[i] == -1)
            err(EXIT_FAILURE, "eventfd");
    }
    for (uint64_t i = 0; i < count; i++)
        say("eventfd fd %d: eventfd-id %s, inode %ju\n", efds[i],
            own_eventfd_id(efds[i], id, sizeof id), (uintmax_t) inode_number(efds[i]));
    checkpoint("all-open", efds[count - 1]);
}

/* Part 6: an id names a living object: closing the last descriptor frees
 * it, and the next eventfd takes the lowest free id. */
static void id_reused(void)
{
    char id[32], other_id[32];
    int temporary = eventfd(0, 0);
    if (temporary == -1)
        err(EXIT_FAILURE, "eventfd");
    own_eventfd_id(temporary, id, sizeof id);
    if (close(temporary) == -1)
        err(EXIT_FAILURE, "close");
    int next = eventfd(0, 0);
    if (next == -1)
        err(EXIT_FAILURE, "eventfd");
    own_eventfd_id(next, other_id, sizeof other_id);
    say("closed an eventfd with eventfd-id %s; the next eventfd got eventfd-id %s: %s\n",
        id, other_id, strcmp(id, "?") == 0 ? "this kernel shows no ids (it needs Linux 5.2)"
                      : strcmp(id, other_id) == 0 ? "the freed id was reused"
                      : "another id (some other process took the freed one meanwhile)");
    show_fdinfo(next);
    checkpoint("recreated", next);
    if (close(next) == -1)
        err(EXIT_FAILURE, "close");
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
        err(EXIT_FAILURE, "eventfd");
    ino_t inode = what_it_is(efd);
    its_siblings(efd, inode);
    other_descriptors(efd);

    /* Part 4: a child inherits the same object. */
    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");
    case 0:
        child_compares_ids(efd);
    default:
        break;
    }
    int status;
    if (!reap(child, &status)) {
        end_child(child);
        return EXIT_FAILURE;
    }
    say("child %ld %s\n", (long) child, describe_status(status));
    /* The child is gone: err() may end the program from here on. */

    int efds[MAX_EVENTFDS] = { efd };
    side_by_side(efds, count);
    id_reused();

    for (uint64_t i = 0; i < count; i++)
        if (close(efds[i]) == -1)
            err(EXIT_FAILURE, "close");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
