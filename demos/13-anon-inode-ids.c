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
 *     is what fstat() gives, what fdinfo's "ino:" says (Linux 5.14+) and what
 *     lsof prints in its NODE column. The inode carries nothing of any one
 *     eventfd; its number is whatever the boot gave it.
 *     The chain is: descriptor -> open file description (struct file) ->
 *     eventfd object (struct eventfd_ctx: the count and the id).
 *   - Does every "anon_inode:" file share it? No, measured: a pidfd lives on
 *     pidfs since Linux 6.9 (its own inode, another device, although readlink
 *     still says anon_inode:[pidfd]), and io_uring asks for an inode of its
 *     own on newer kernels (anon_inode_create_getfile), as userfaultfd does.
 *   - What tells two eventfds apart? fdinfo's eventfd-id, one number per
 *     eventfd object. lsof 4.94 and later print it as [eventfd:ID]. The id is
 *     the same after dup() and after fork() (same object), different for
 *     another eventfd. When the last reference to an eventfd goes, its id is
 *     freed and may be reused: the kernel takes ids from an IDA, lowest free
 *     number first (fs/eventfd.c: ida_alloc, ida_simple_get on older kernels;
 *     lib/idr.c), so an id is a name for an object that exists now, not a
 *     serial number. The references are the descriptors' open file
 *     descriptions and kernel users (an io_uring registration, an AIO request
 *     in flight, KVM's irqfd): the id outlives the last close() while they hold
 *     it. Ids are system-wide: on a busy machine another process may take the
 *     freed id first; the lesson then says which way the rule went and tries
 *     again.
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
 *   own-inodes  a pidfd and an io_uring are open: stat -L -c '%i %d'
 *               /proc/PID/fd/FD gives the inodes and devices the lesson
 *               printed; grep mnt_id /proc/PID/fdinfo/FD (which mount holds it)
 *   duplicated  the dup: the same eventfd-id as the original
 *   inherited   (in the child) the same eventfd-id as the parent's
 *   all-open    COUNT eventfds: COUNT different eventfd-ids, one inode number
 *   recreated   an eventfd created right after another was closed got the
 *               closed one's id back
 *
 * Kernel: eventfd-id appears in fdinfo since Linux 5.2 (before that the
 * lesson prints "?" and says so instead of comparing ids); fdinfo's "ino:"
 * line since 5.14. pidfd_open() needs Linux 5.3 and io_uring 5.1; where
 * either is missing or forbidden the lesson says so. Whether the other
 * anonymous files share the inode and whether the reopen fails, the lesson
 * reports as the running kernel answers.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/io_uring.h>
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
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "course.h"

#define MAX_EVENTFDS 16
#define REUSE_ATTEMPTS 10

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

/* The inode number and the device that fstat() gives for 'fd'. The device is
 * the filesystem that holds the inode: anon_inodefs for the shared anonymous
 * inode, pidfs for a pidfd since Linux 6.9. Used while the program has no
 * child: a failure ends it. */
void inode_and_device(int fd, ino_t *inode, dev_t *device)
{
    struct stat st;
    if (fstat(fd, &st) == -1)
        err(EXIT_FAILURE, "fstat");
    *inode = st.st_ino;
    *device = st.st_dev;
}

/* A pidfd for process 'pid' (pidfd_open(2), Linux 5.3; no glibc wrapper
 * before 2.36), or -1 with errno ENOSYS where the kernel or the headers lack
 * it. */
int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int) syscall(SYS_pidfd_open, pid, 0);
#else
    (void) pid;
    errno = ENOSYS;
    return -1;
#endif
}

/* An io_uring instance with one entry (io_uring_setup(2), Linux 5.1; no
 * glibc wrapper), or -1 with errno: ENOSYS where the kernel lacks it, EPERM
 * where the sysctl kernel.io_uring_disabled or a security module forbids it. */
int open_io_uring(void)
{
#ifdef SYS_io_uring_setup
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    return (int) syscall(SYS_io_uring_setup, 1, &params);
#else
    errno = ENOSYS;
    return -1;
#endif
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

/* Says where fd's link points, its inode and device, and whether that is the
 * eventfd's inode (the same number on the same device). */
static void compare_with_eventfd(const char *kind, int fd, ino_t inode, dev_t device)
{
    char target[128];
    ino_t its_inode;
    dev_t its_device;
    descriptor_link(fd, target, sizeof target);
    inode_and_device(fd, &its_inode, &its_device);
    const char *verdict = its_device != device ? "an inode of its own, on another filesystem"
                          : its_inode == inode ? "the eventfd's inode"
                          : "an inode of its own";
    say("%-8s fd %d -> %s, inode %ju on device %u:%u: %s\n", kind, fd, target,
        (uintmax_t) its_inode, major(its_device), minor(its_device), verdict);
}

/* Part 3: not every file that readlink calls "anon_inode:" shares that inode.
 * A pidfd lives on pidfs since Linux 6.9; io_uring asks for an inode of its
 * own on newer kernels. Measured, not assumed. */
static void its_own_inodes(int efd)
{
    ino_t inode;
    dev_t device;
    inode_and_device(efd, &inode, &device);
    say("eventfd  fd %d: inode %ju on device %u:%u\n", efd, (uintmax_t) inode,
        major(device), minor(device));
    int pidfd = open_pidfd(getpid());
    if (pidfd == -1 && errno != ENOSYS)
        err(EXIT_FAILURE, "pidfd_open");
    if (pidfd == -1)
        say("pidfd: pidfd_open() is not available here (%s): it needs Linux 5.3\n",
            strerror(errno));
    else
        compare_with_eventfd("pidfd", pidfd, inode, device);
    int ring = open_io_uring();
    if (ring == -1 && errno != ENOSYS && errno != EPERM)
        err(EXIT_FAILURE, "io_uring_setup");
    if (ring == -1)
        say("io_uring: io_uring_setup() is not available here (%s): it needs Linux 5.1 "
            "and may be disabled\n", strerror(errno));
    else
        compare_with_eventfd("io_uring", ring, inode, device);
    checkpoint("own-inodes", efd);
    if ((pidfd != -1 && close(pidfd) == -1) || (ring != -1 && close(ring) == -1))
        err(EXIT_FAILURE, "close");
}

/* Part 4: a pipe could be reopened through /proc; an anonymous inode cannot.
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

/* Part 6: more eventfds, each its own object with its own id, all on one
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

/* Part 7: an id names a living object: closing the last descriptor frees
 * it, and the next eventfd takes the lowest free id, system-wide. Another
 * process may take or free an id between our close() and our eventfd(): the
 * id we get is still the lowest free one then, and the lesson says which way
 * it went and tries again. */
static void id_reused(void)
{
    char id[32], other_id[32];
    int next = -1;
    for (int attempt = 1; attempt <= REUSE_ATTEMPTS; attempt++) {
        if (next != -1 && close(next) == -1)
            err(EXIT_FAILURE, "close");
        int temporary = eventfd(0, 0);
        if (temporary == -1)
            err(EXIT_FAILURE, "eventfd");
        own_eventfd_id(temporary, id, sizeof id);
        if (close(temporary) == -1)
            err(EXIT_FAILURE, "close");
        next = eventfd(0, 0);
        if (next == -1)
            err(EXIT_FAILURE, "eventfd");
        own_eventfd_id(next, other_id, sizeof other_id);
        if (strcmp(id, "?") == 0 || strcmp(id, other_id) == 0) {
            say("closed an eventfd with eventfd-id %s; the next eventfd got eventfd-id %s: %s\n",
                id, other_id, strcmp(id, "?") == 0
                              ? "this kernel shows no ids (it needs Linux 5.2)"
                              : "the freed id was reused");
            break;
        }
        /* Lowest free first: a higher id means ours was taken, a lower one
         * that a lower id was freed, both by another process meanwhile. */
        say("closed an eventfd with eventfd-id %s; the next eventfd got eventfd-id %s: %s\n",
            id, other_id, strtoull(other_id, NULL, 10) > strtoull(id, NULL, 10)
                          ? "another process took the freed id first"
                          : "another process freed a lower id meanwhile");
        if (attempt == REUSE_ATTEMPTS)
            say("gave up after %d attempts: other processes create and close eventfds "
                "all the time here\n", REUSE_ATTEMPTS);
        else
            say("ids are system-wide and go lowest free first: trying again\n");
    }
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
    its_own_inodes(efd);
    other_descriptors(efd);

    /* Part 5: a child inherits the same object. */
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
