/* 17-unrelated-processes — hand an eventfd to a process that did not inherit it.
 *
 * What it shows
 *   fork() is not the only way to share an eventfd. A process can pass a
 *   descriptor it created to any process it can talk to, and since Linux 5.6
 *   a process allowed to ptrace another can simply take a copy of one of its
 *   descriptors. Here each child creates its OWN eventfd after fork(), so the
 *   parent has no inherited copy, writes VALUE to it, and hands it over:
 *   - round 1, SCM_RIGHTS: the child sends the descriptor over a UNIX socket
 *     with sendmsg() and a control message; the parent's recvmsg() installs a
 *     new descriptor (the lowest free number in the parent) for the same
 *     eventfd. Any two processes connected by a UNIX socket can do this
 *     (a socketpair here; a named or abstract socket for strangers).
 *   - round 2, pidfd_getfd(): the child sends only its descriptor NUMBER; the
 *     parent opens a pidfd for the child (pidfd_open) and asks the kernel for
 *     a copy of that descriptor (pidfd_getfd). The copy always has
 *     FD_CLOEXEC set. This needs ptrace-attach rights over the target
 *     (PTRACE_MODE_ATTACH_REALCREDS in kernel/pid.c): a parent usually has
 *     them over its child, but Yama's kernel.yama.ptrace_scope 2 or 3, a
 *     non-dumpable target (PR_SET_DUMPABLE 0, a setuid program) without
 *     CAP_SYS_PTRACE, or a security module can refuse even a parent: EPERM.
 *   Both times both processes show the same eventfd-id while both hold the
 *   eventfd, and the parent reads the VALUE the child wrote; the count the
 *   parent's read resets is the child's count too. Closing its end of the
 *   socket tells the child it may exit.
 *
 * How to run
 *   build/17-unrelated-processes [--pause] [VALUE]
 *   VALUE: what each child writes, 1..0xfffffffffffffffe (default 42)
 *
 * What to inspect (with --pause)
 *   child-wrote  (in the child) its own eventfd holds VALUE; the parent has no
 *                eventfd at all yet: ls -l /proc/PARENT/fd
 *   received     (round 1, parent) the descriptor arrived: compare
 *                eventfd-id in /proc/PARENT/fdinfo/FD and the child's fdinfo
 *                (the child is waiting on the socket); count VALUE in both
 *   taken        (round 2, parent) the same through pidfd_getfd(); fdinfo
 *                flags show 02000002: O_CLOEXEC on the copy
 *   parent-read  (each round) the parent read VALUE: count 0, in the
 *                child's fdinfo too
 *
 * Kernel: SCM_RIGHTS works on every Linux. pidfd_open() needs Linux 5.3 and
 * pidfd_getfd() Linux 5.6; where they are missing (ENOSYS) or refused
 * (EPERM), round 2 says so and ends without a handover. eventfd-id appears
 * in fdinfo since Linux 5.2.
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
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    what each child writes: 1..0xfffffffffffffffe (default 42)\n";

/* read(2), made again when a signal interrupts it before anything is read.
 * Returns what read() returned. */
ssize_t read_retrying(int fd, void *buffer, size_t size)
{
    ssize_t n;
    while ((n = read(fd, buffer, size)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): read again */
    return n;
}

/* Takes the eventfd's whole count with one read. The parent calls it while
 * a child lives: on failure it warns and returns false. */
bool take_count(int efd, uint64_t *count)
{
    if (read_retrying(efd, count, sizeof *count) != sizeof *count) {
        warn("read");
        return false;
    }
    return true;
}

/* Waits until the other end of 'sock' is closed: read() returns 0. Runs in
 * a child: on failure, _exit(). */
void wait_for_hangup(int sock)
{
    char byte;
    if (read_retrying(sock, &byte, 1) == -1) {
        warn("read socket");
        _exit(EXIT_FAILURE);
    }
}

/* A child's own eventfd, created after fork() and holding 'value'. On
 * failure the child ends with _exit(), not exit(): the parent's atexit
 * handlers and its copied stdio buffers are not the child's to run. */
int own_eventfd(uint64_t value)
{
    int efd = eventfd(0, 0);
    if (efd == -1) {
        warn("eventfd");
        _exit(EXIT_FAILURE);
    }
    if (write(efd, &value, sizeof value) != sizeof value) {
        warn("write");
        _exit(EXIT_FAILURE);
    }
    return efd;
}

/* Room for one descriptor in a control message, correctly aligned. */
union one_fd_control {
    struct cmsghdr header;
    char space[CMSG_SPACE(sizeof(int))];
};

/* Sends the number 'efd' as data over the UNIX socket 'sock' and, with
 * pass_descriptor, the descriptor itself as an SCM_RIGHTS control message:
 * the receiver gets a new descriptor for the same eventfd. Runs in a child:
 * on failure, _exit(). */
void send_eventfd(int sock, int efd, bool pass_descriptor)
{
    struct iovec data = { .iov_base = &efd, .iov_len = sizeof efd };
    struct msghdr message = { .msg_iov = &data, .msg_iovlen = 1 };
    union one_fd_control control;
    if (pass_descriptor) {
        memset(&control, 0, sizeof control);
        message.msg_control = control.space;
        message.msg_controllen = sizeof control.space;
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &efd, sizeof efd);
    }
    if (sendmsg(sock, &message, 0) != sizeof efd) {
        warn("sendmsg");
        _exit(EXIT_FAILURE);
    }
}

/* Receives the sender's descriptor number into *number and, into *fd, the
 * descriptor that came with it in an SCM_RIGHTS message (-1 if only the
 * number came). Returns 1, or 0 when the sender closed its end without
 * sending anything, or -1 after a warning. */
int receive_eventfd(int sock, int *number, int *fd)
{
    struct iovec data = { .iov_base = number, .iov_len = sizeof *number };
    union one_fd_control control;
    struct msghdr message = {
        .msg_iov = &data, .msg_iovlen = 1,
        .msg_control = control.space, .msg_controllen = sizeof control.space,
    };
    ssize_t received;
    while ((received = recvmsg(sock, &message, 0)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): receive again */
    if (received == -1) {
        warn("recvmsg");
        return -1;
    }
    if (received == 0)
        return 0;
    if (received != sizeof *number || (message.msg_flags & MSG_CTRUNC)) {
        errno = EPROTO;     /* MSG_CTRUNC: no room, or no descriptor free here */
        warn("recvmsg (short or truncated message)");
        return -1;
    }
    *fd = -1;
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    if (cmsg == NULL)
        return 1;
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
        errno = EPROTO;
        warn("recvmsg (not SCM_RIGHTS)");
        return -1;
    }
    memcpy(fd, CMSG_DATA(cmsg), sizeof *fd);
    return 1;
}

/* Takes a copy of descriptor 'number' of process 'pid' with pidfd_getfd()
 * (glibc 2.36 has wrappers in <sys/pidfd.h>; older C libraries do not, so
 * syscall(2) it is). Returns the new descriptor, or -1: with *unavailable
 * set to ENOSYS (kernel too old) or EPERM (no ptrace permission) when that
 * is not possible here, or with *unavailable 0 after a warning. */
int take_descriptor(pid_t pid, int number, int *unavailable)
{
    *unavailable = 0;
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
    int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    if (pidfd == -1) {
        if (errno == ENOSYS)
            *unavailable = errno;
        else
            warn("pidfd_open");
        return -1;
    }
    int fd = (int) syscall(SYS_pidfd_getfd, pidfd, number, 0);
    if (fd == -1) {
        if (errno == ENOSYS || errno == EPERM)
            *unavailable = errno;
        else
            warn("pidfd_getfd");
    }
    if (close(pidfd) == -1) {
        warn("close");
        if (fd != -1)
            close(fd);
        *unavailable = 0;
        return -1;
    }
    return fd;
#else
    (void) pid, (void) number;
    *unavailable = ENOSYS;          /* these headers predate the calls */
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

/* A child: creates its own eventfd, writes 'value', hands the eventfd over
 * (the descriptor, or just its number), then waits until the parent closes
 * its end of the socket. */
static _Noreturn void child_hands_over(int sock, uint64_t value, bool pass_descriptor)
{
    int efd = own_eventfd(value);
    say("created my own eventfd fd %d and wrote 0x%" PRIx64 " (%" PRIu64 ")\n",
        efd, value, value);
    show_fdinfo(efd);
    checkpoint("child-wrote", efd);

    if (pass_descriptor)
        say("sending fd %d to the parent with SCM_RIGHTS\n", efd);
    else
        say("sending only the number %d to the parent\n", efd);
    send_eventfd(sock, efd, pass_descriptor);

    wait_for_hangup(sock);
    say("the parent closed the socket; my eventfd now:\n");
    show_fdinfo(efd);
    if (close(efd) == -1 || close(sock) == -1) {
        warn("close");
        _exit(EXIT_FAILURE);
    }
    _exit(EXIT_SUCCESS);
}

/* The parent's side of one handover: gets the child's eventfd (by
 * SCM_RIGHTS or by pidfd_getfd) into *efd, or -1 if none came. Returns
 * false after a warning on failure; the caller then ends the child. */
static bool get_childs_eventfd(pid_t child, int sock, bool use_scm_rights, int *efd)
{
    int number;
    *efd = -1;
    int got = receive_eventfd(sock, &number, efd);
    if (got == -1)
        return false;
    if (got == 0) {
        say("child %ld closed the socket without sending anything\n", (long) child);
        return true;
    }
    if (use_scm_rights) {
        if (*efd == -1) {
            errno = EPROTO;
            warn("recvmsg (no descriptor came)");
            return false;
        }
        say("received child %ld's fd %d as my fd %d\n", (long) child, number, *efd);
        show_fdinfo(*efd);
        checkpoint("received", *efd);
        return true;
    }
    int unavailable;
    *efd = take_descriptor(child, number, &unavailable);
    if (*efd == -1 && unavailable == 0)
        return false;
    if (*efd == -1 && unavailable == EPERM) {
        say("pidfd_getfd() refused (%s): it needs ptrace-attach rights over the child, "
            "which Yama's ptrace_scope, a non-dumpable child or a security module can "
            "deny even to its parent\n", strerror(unavailable));
        return true;
    }
    if (*efd == -1) {
        say("pidfd_open()/pidfd_getfd() not available here (%s): they need Linux "
            "5.3/5.6\n", strerror(unavailable));
        return true;
    }
    int fd_flags = fcntl(*efd, F_GETFD);
    if (fd_flags == -1) {
        warn("fcntl F_GETFD");
        return false;
    }
    say("took child %ld's fd %d with pidfd_getfd() as my fd %d (%s)\n",
        (long) child, number, *efd, fd_flags & FD_CLOEXEC ? "FD_CLOEXEC set" : "no FD_CLOEXEC");
    show_fdinfo(*efd);
    checkpoint("taken", *efd);
    return true;
}

/* One handover: returns true if the child exited with status 0. Any failure
 * while the child lives ends it (kill, waitpid) and exits 1. */
static bool handover(uint64_t value, bool use_scm_rights)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
        err(EXIT_FAILURE, "socketpair");    /* the last round's child is reaped */

    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");
    case 0:
        if (close(sv[0]) == -1) {
            warn("close");
            _exit(EXIT_FAILURE);
        }
        child_hands_over(sv[1], value, use_scm_rights);
    default:
        break;
    }
    if (close(sv[1]) == -1) {
        warn("close");
        end_child(child);
        exit(EXIT_FAILURE);
    }

    int efd;
    if (!get_childs_eventfd(child, sv[0], use_scm_rights, &efd)) {
        end_child(child);
        exit(EXIT_FAILURE);
    }
    if (efd != -1) {
        uint64_t received;
        if (!take_count(efd, &received)) {
            end_child(child);
            exit(EXIT_FAILURE);
        }
        say("read 0x%" PRIx64 " (%" PRIu64 ") through my fd %d: what the child wrote\n",
            received, received, efd);
        show_fdinfo(efd);
        checkpoint("parent-read", efd);
    }

    if (close(sv[0]) == -1) {           /* the child may go now */
        warn("close");
        end_child(child);
        exit(EXIT_FAILURE);
    }
    int status;
    if (!reap(child, &status)) {
        end_child(child);
        exit(EXIT_FAILURE);
    }
    say("child %ld %s\n", (long) child, describe_status(status));
    if (efd != -1 && close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    uint64_t value = 42;
    if (argc - first_operand > 1)
        usage_error("too many arguments");
    if (argc - first_operand == 1)
        value = parse_u64(argv[first_operand], "VALUE", 1, UINT64_MAX - 1);

    say("round 1: the child sends its eventfd over a UNIX socket (SCM_RIGHTS)\n");
    bool ok = handover(value, true);
    say("round 2: the parent takes the child's eventfd with pidfd_getfd()\n");
    ok = handover(value, false) && ok;
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
