/* 14-shared-description — after fork and dup, descriptors share one open file description.
 *
 * What it shows
 *   A descriptor is a number in one process's table; it points to an "open
 *   file description" (struct file in the kernel), and that is where the
 *   file status flags live, O_NONBLOCK among them. dup() and fork() copy the
 *   pointer, not the description, so a change through one descriptor is seen
 *   through all of them, in every process. The close-on-exec flag, by
 *   contrast, belongs to the descriptor itself.
 *   - The parent dup()s its eventfd and sets FD_CLOEXEC on the copy only:
 *     fcntl(F_GETFD) differs between the two, fcntl(F_GETFL) and the
 *     eventfd-id do not. kcmp(KCMP_FILE) confirms they are one file.
 *   - The child writes VALUE, then switches the inherited descriptor to
 *     O_NONBLOCK with fcntl(F_SETFL). It also asks kcmp() whether its
 *     descriptor and its parent's are the same file.
 *   - The parent reaps the child first (so the order is certain), then finds
 *     O_NONBLOCK in its own F_GETFL although it never set it. Its first
 *     read() returns VALUE; its second read(), at count 0, does not block as
 *     it would have before the fork: it fails at once with EAGAIN.
 *   fdinfo's "flags:" shows the same thing from outside: the description's
 *   flags, plus 02000000 (O_CLOEXEC) for a descriptor that has FD_CLOEXEC.
 *
 *   So a library must not flip O_NONBLOCK on a descriptor it shares. Nor is
 *   a new eventfd a way out: it is another counter, and nobody posts to it.
 *   What one caller can do alone: read with preadv2(..., RWF_NOWAIT), which is
 *   non-blocking for that one call (Linux 5.8+ for an eventfd; lesson 06);
 *   or poll() and then read, which is safe only while no other process
 *   drains the count in between (else the read sleeps). Before the fork the
 *   parent shows the first: EAGAIN at count 0, and F_GETFL is still 02.
 *
 * How to run
 *   build/14-shared-description [--pause] [VALUE]
 *   VALUE: what the child writes, 1..0xfffffffffffffffe (default 3)
 *
 * What to inspect (with --pause)
 *   duplicated       grep flags /proc/PID/fdinfo/{FD,DUP}: 02 and 02000002
 *                    (the RWF_NOWAIT read changed no flag); the same
 *                    eventfd-id
 *   child-nonblock   (in the child) it has set O_NONBLOCK: the PARENT's
 *                    fdinfo flags now show 04002 too (the parent sits in
 *                    waitpid); eventfd-count is VALUE
 *   reaped           the parent's F_GETFL has O_NONBLOCK; eventfd-count VALUE
 *   read-eagain      the second read failed with EAGAIN; eventfd-count 0
 *
 * Kernel: any Linux for the flags. kcmp() needs Linux 3.5 and a kernel built
 * with CONFIG_KCMP (CONFIG_CHECKPOINT_RESTORE before 5.12); where it is
 * missing (ENOSYS) or refused (EPERM) the lesson says so and goes on.
 * preadv2() RWF_NOWAIT on an eventfd needs Linux 5.8; before, it fails with
 * EOPNOTSUPP and the lesson says so.
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
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    what the child writes: 1..0xfffffffffffffffe (default 3)\n";

/* A second descriptor for the same open file description, with
 * close-on-exec set on it alone: FD_CLOEXEC is a property of the descriptor,
 * not of the description. Used before any fork: a failure ends the program. */
int dup_cloexec(int fd)
{
    int copy = dup(fd);
    if (copy == -1)
        err(EXIT_FAILURE, "dup");
    if (fcntl(copy, F_SETFD, FD_CLOEXEC) == -1)
        err(EXIT_FAILURE, "fcntl F_SETFD");
    return copy;
}

/* Sets O_NONBLOCK with F_SETFL. The status flags live in the open file
 * description, so every descriptor that shares it, in every process, turns
 * non-blocking too. Runs in a child: on failure, _exit() (not exit(): the
 * parent's atexit handlers and its copied stdio buffers are not the child's
 * to run). */
void set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1) {
        warn("fcntl F_GETFL");
        _exit(EXIT_FAILURE);
    }
    if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
        warn("fcntl F_SETFL");
        _exit(EXIT_FAILURE);
    }
}

/* Adds 'value' to the eventfd's count. Runs in a child: on failure, _exit(). */
void notify(int efd, uint64_t value)
{
    if (write(efd, &value, sizeof value) != sizeof value) {
        warn("write");
        _exit(EXIT_FAILURE);
    }
}

/* Reads the count without waiting, for this one call: preadv2() with
 * RWF_NOWAIT leaves the shared O_NONBLOCK flag alone, so no other holder of
 * the description is affected. Returns 1 with the count in *value, 0 when
 * the count is 0 (EAGAIN), -1 with errno when the call fails (EOPNOTSUPP:
 * the kernel is older than 5.8). It never sleeps, so no EINTR retry. */
int read_count_nowait(int efd, uint64_t *value)
{
    struct iovec buffer = { .iov_base = value, .iov_len = sizeof *value };
    ssize_t n = preadv2(efd, &buffer, 1, -1, RWF_NOWAIT);
    if (n == sizeof *value)
        return 1;
    if (n == -1 && errno == EAGAIN)
        return 0;
    if (n != -1)
        errno = EIO;            /* a short read: not an eventfd's answer */
    return -1;
}

#ifndef KCMP_FILE
#define KCMP_FILE 0     /* enum kcmp_type in <linux/kcmp.h> */
#endif

/* kcmp(KCMP_FILE) has no glibc wrapper: 0 when fd1 of pid1 and fd2 of pid2
 * are one open file description, another number when they are not, -1 with
 * errno when the kernel cannot tell (ENOSYS: no CONFIG_KCMP; EPERM: no
 * ptrace access) or the call fails. */
long same_file(pid_t pid1, int fd1, pid_t pid2, int fd2)
{
#ifdef SYS_kcmp
    return syscall(SYS_kcmp, pid1, pid2, KCMP_FILE, fd1, fd2);
#else
    (void) pid1, (void) fd1, (void) pid2, (void) fd2;
    errno = ENOSYS;             /* these headers predate the call */
    return -1;
#endif
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

/* Says what kcmp() answered about fd1 of pid1 and fd2 of pid2. Returns false
 * after a warning when kcmp() failed for another reason than "not here". */
static bool show_same_file(pid_t pid1, int fd1, pid_t pid2, int fd2)
{
    long order = same_file(pid1, fd1, pid2, fd2);
    if (order == -1 && errno != ENOSYS && errno != EPERM) {
        warn("kcmp");
        return false;
    }
    if (order == -1)
        say("kcmp() is not available here (%s): it needs Linux 3.5 with CONFIG_KCMP\n",
            strerror(errno));
    else
        say("kcmp(%ld, %ld, KCMP_FILE, %d, %d) = %ld: %s\n", (long) pid1, (long) pid2,
            fd1, fd2, order, order == 0 ? "one open file description" : "two descriptions");
    return true;
}

/* Says what F_GETFL (shared) and F_GETFD (per descriptor) report for fd.
 * The parent calls it while it has no child. */
static void show_flags(const char *name, int fd)
{
    int status_flags = fcntl(fd, F_GETFL);
    if (status_flags == -1)
        err(EXIT_FAILURE, "fcntl F_GETFL");
    int fd_flags = fcntl(fd, F_GETFD);
    if (fd_flags == -1)
        err(EXIT_FAILURE, "fcntl F_GETFD");
    say("%s fd %d: F_GETFL 0%o (%s), F_GETFD %d (%s)\n", name, fd, (unsigned) status_flags,
        status_flags & O_NONBLOCK ? "O_RDWR|O_NONBLOCK" : "O_RDWR",
        fd_flags, fd_flags & FD_CLOEXEC ? "FD_CLOEXEC" : "no FD_CLOEXEC");
}

/* Before the fork: one read that does not wait, with the shared flags left
 * as they are. The count is 0, so EAGAIN is the answer. */
static void try_read_without_waiting(int efd)
{
    uint64_t value;
    int got = read_count_nowait(efd, &value);
    if (got == -1 && errno != EOPNOTSUPP)
        err(EXIT_FAILURE, "preadv2");
    if (got == -1)
        say("preadv2(RWF_NOWAIT) is not supported on an eventfd here (%s): it needs "
            "Linux 5.8\n", strerror(errno));
    else if (got == 0)
        say("preadv2(RWF_NOWAIT) at count 0: EAGAIN (%s) at once, for this call only\n",
            strerror(EAGAIN));
    else
        say("preadv2(RWF_NOWAIT) read 0x%" PRIx64 " (%" PRIu64 ")\n", value, value);
    show_flags("original", efd);
}

/* The child: writes 'value' and turns the shared description non-blocking. */
static _Noreturn void child_sets_nonblocking(int efd, int copy, uint64_t value)
{
    notify(efd, value);
    say("wrote 0x%" PRIx64 " (%" PRIu64 ")\n", value, value);
    set_nonblocking(efd);
    say("set O_NONBLOCK on my fd %d with fcntl(F_SETFL)\n", efd);
    if (!show_same_file(getppid(), efd, getpid(), efd))
        _exit(EXIT_FAILURE);
    show_fdinfo(efd);
    checkpoint("child-nonblock", efd);
    if (close(efd) == -1 || close(copy) == -1) {
        warn("close");
        _exit(EXIT_FAILURE);
    }
    _exit(EXIT_SUCCESS);
}

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    uint64_t value = 3;
    if (argc - first_operand > 1)
        usage_error("too many arguments");
    if (argc - first_operand == 1)
        value = parse_u64(argv[first_operand], "VALUE", 1, UINT64_MAX - 1);

    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    int copy = dup_cloexec(efd);
    say("created eventfd fd %d, dup'ed it to fd %d, set FD_CLOEXEC on fd %d only\n",
        efd, copy, copy);
    show_flags("original", efd);
    show_flags("copy    ", copy);
    if (!show_same_file(getpid(), efd, getpid(), copy))
        exit(EXIT_FAILURE);
    try_read_without_waiting(efd);
    show_fdinfo(efd);
    show_fdinfo(copy);
    checkpoint("duplicated", copy);

    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");
    case 0:
        child_sets_nonblocking(efd, copy, value);
    default:
        break;
    }

    /* Reap the child first: then its F_SETFL has certainly happened. */
    int status;
    if (!reap(child, &status)) {
        end_child(child);
        return EXIT_FAILURE;
    }
    say("child %ld %s\n", (long) child, describe_status(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* Without its write and its O_NONBLOCK, a read below would block forever. */
        if (close(copy) == -1 || close(efd) == -1)
            err(EXIT_FAILURE, "close");
        return EXIT_FAILURE;
    }
    show_flags("original", efd);
    show_flags("copy    ", copy);
    show_fdinfo(efd);
    checkpoint("reaped", efd);

    /* The child's O_NONBLOCK is on the shared description: these reads never
     * sleep, so no signal interrupts them: no EINTR loop (lesson 15). */
    uint64_t received;
    if (read(efd, &received, sizeof received) != sizeof received)
        err(EXIT_FAILURE, "read");
    say("first read: 0x%" PRIx64 " (%" PRIu64 ")\n", received, received);
    if (read(efd, &received, sizeof received) != -1 || errno != EAGAIN)
        err(EXIT_FAILURE, "read");
    say("second read, at count 0: -1, errno EAGAIN (%s): the child's O_NONBLOCK "
        "is mine too\n", strerror(EAGAIN));
    show_fdinfo(efd);
    checkpoint("read-eagain", efd);

    if (close(copy) == -1 || close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
