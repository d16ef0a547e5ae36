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
 *     FD_CLOEXEC set. This needs ptrace permission over the target (a child,
 *     or root, is fine).
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
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    what each child writes: 1..0xfffffffffffffffe (default 42)\n";

/* The child of the round in progress, until the parent reaps it. die() kills
 * and reaps the children it finds in /proc, but opening /proc takes a free
 * descriptor, and a parent that has run out of them (recvmsg() then cuts the
 * SCM_RIGHTS message short: MSG_CTRUNC) cannot: on exit, end this one too. */
static pid_t round_child;

static void end_round_child(void)
{
    /* waitpid(WNOHANG) == 0: still running and still ours, so its pid is not
     * someone else's yet; -1 (ECHILD): already reaped, nothing to do. */
    if (round_child > 0 && waitpid(round_child, NULL, WNOHANG) == 0) {
        kill(round_child, SIGKILL);
        waitpid(round_child, NULL, 0);
    }
}

/* Room for one descriptor in a control message, correctly aligned. */
union one_fd_control {
    struct cmsghdr header;
    char space[CMSG_SPACE(sizeof(int))];
};

/* Sends the number 'efd' as data and, with pass_descriptor, the descriptor
 * itself as an SCM_RIGHTS control message. */
static void send_eventfd(int sock, int efd, bool pass_descriptor)
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
    if (sendmsg(sock, &message, 0) != sizeof efd)
        die("sendmsg");
}

/* Receives the sender's descriptor number into *number and, into *fd, the
 * descriptor that came with it (-1 if only the number came). Returns false
 * when the sender closed its end without sending anything. */
static bool receive_eventfd(int sock, int *number, int *fd)
{
    struct iovec data = { .iov_base = number, .iov_len = sizeof *number };
    union one_fd_control control;
    struct msghdr message = {
        .msg_iov = &data, .msg_iovlen = 1,
        .msg_control = control.space, .msg_controllen = sizeof control.space,
    };
    ssize_t received = recvmsg(sock, &message, 0);
    if (received == -1)
        die("recvmsg");
    if (received == 0)
        return false;
    if (received != sizeof *number || (message.msg_flags & MSG_CTRUNC)) {
        errno = EPROTO;
        die("recvmsg (short or truncated message)");
    }
    *fd = -1;
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    if (cmsg == NULL)
        return true;
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
        errno = EPROTO;
        die("recvmsg (not SCM_RIGHTS)");
    }
    memcpy(fd, CMSG_DATA(cmsg), sizeof *fd);
    return true;
}

/* Takes a copy of descriptor 'number' of process 'pid' with pidfd_getfd().
 * Returns -1 with errno ENOSYS (kernel too old) or EPERM (no ptrace
 * permission) when that is not possible here; other failures are errors. */
static int take_descriptor(pid_t pid, int number)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
    int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    if (pidfd == -1 && errno != ENOSYS)
        die("pidfd_open");
    if (pidfd == -1)
        return -1;
    int fd = (int) syscall(SYS_pidfd_getfd, pidfd, number, 0);
    if (fd == -1 && errno != ENOSYS && errno != EPERM)
        die("pidfd_getfd");
    int saved_errno = errno;
    if (close(pidfd) == -1)
        die("close");
    errno = saved_errno;
    return fd;
#else
    (void) pid, (void) number;
    errno = ENOSYS;                 /* these headers predate the calls */
    return -1;
#endif
}

/* A child: creates its own eventfd, writes 'value', hands the eventfd over
 * (the descriptor, or just its number), then waits until the parent closes
 * its end of the socket. */
static _Noreturn void child_hands_over(int sock, uint64_t value, bool pass_descriptor)
{
    int efd = eventfd(0, 0);
    if (efd == -1)
        die("eventfd");
    if (write(efd, &value, sizeof value) != sizeof value)
        die("write");
    say("created my own eventfd fd %d and wrote 0x%" PRIx64 " (%" PRIu64 ")\n",
        efd, value, value);
    show_fdinfo(efd);
    checkpoint("child-wrote", efd);

    if (pass_descriptor)
        say("sending fd %d to the parent with SCM_RIGHTS\n", efd);
    else
        say("sending only the number %d to the parent\n", efd);
    send_eventfd(sock, efd, pass_descriptor);

    char byte;
    if (read(sock, &byte, 1) == -1)     /* returns 0 once the parent closes */
        die("read socket");
    say("the parent closed the socket; my eventfd now:\n");
    show_fdinfo(efd);
    if (close(efd) == -1 || close(sock) == -1)
        die("close");
    _exit(EXIT_SUCCESS);
}

/* One handover: returns true if the child exited with status 0. */
static bool handover(uint64_t value, bool use_scm_rights)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
        die("socketpair");

    pid_t child = fork();
    switch (child) {
    case -1:
        die("fork");

    case 0:
        if (close(sv[0]) == -1)
            die("close");
        child_hands_over(sv[1], value, use_scm_rights);

    default:
        round_child = child;
        break;
    }
    if (close(sv[1]) == -1)
        die("close");

    int number, efd = -1;
    if (!receive_eventfd(sv[0], &number, &efd)) {
        say("child %ld closed the socket without sending anything\n", (long) child);
    } else if (use_scm_rights) {
        if (efd == -1) {
            errno = EPROTO;
            die("recvmsg (no descriptor came)");
        }
        say("received child %ld's fd %d as my fd %d\n", (long) child, number, efd);
        show_fdinfo(efd);
        checkpoint("received", efd);
    } else {
        efd = take_descriptor(child, number);
        if (efd == -1) {
            say("pidfd_open()/pidfd_getfd() not available here (%s): they need Linux "
                "5.3/5.6 and ptrace permission over the child\n", strerror(errno));
        } else {
            int fd_flags = fcntl(efd, F_GETFD);
            if (fd_flags == -1)
                die("fcntl F_GETFD");
            say("took child %ld's fd %d with pidfd_getfd() as my fd %d (%s)\n",
                (long) child, number, efd,
                fd_flags & FD_CLOEXEC ? "FD_CLOEXEC set" : "no FD_CLOEXEC");
            show_fdinfo(efd);
            checkpoint("taken", efd);
        }
    }

    if (efd != -1) {
        uint64_t received;
        ssize_t n;
        while ((n = read(efd, &received, sizeof received)) == -1 && errno == EINTR)
            continue;                   /* a signal handler ran: read again */
        if (n != sizeof received)
            die("read");
        say("read 0x%" PRIx64 " (%" PRIu64 ") through my fd %d: what the child wrote\n",
            received, received, efd);
        show_fdinfo(efd);
        checkpoint("parent-read", efd);
    }

    if (close(sv[0]) == -1)             /* the child may go now */
        die("close");
    int status;
    if (waitpid(child, &status, 0) == -1)
        die("waitpid");
    round_child = 0;
    say("child %ld %s\n", (long) child, describe_status(status));
    if (efd != -1 && close(efd) == -1)
        die("close");
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
    if (atexit(end_round_child) != 0) {
        errno = ENOMEM;
        die("atexit");
    }

    say("round 1: the child sends its eventfd over a UNIX socket (SCM_RIGHTS)\n");
    bool ok = handover(value, true);
    say("round 2: the parent takes the child's eventfd with pidfd_getfd()\n");
    ok = handover(value, false) && ok;
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
