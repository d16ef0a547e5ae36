/* tests/exercise-wrong/08-own-eventfd.c — a typical wrong solution of exercise 08-pass-over-socket.
 * The child makes an eventfd of its own instead of receiving the parent's.
 * check-exercise says: expected the program to end by itself
 * with efd-trace it also says: every process of it was asleep where only another of them could wake it
 * with efd-trace it also says: SCM_RIGHTS
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
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* VALUE from the command line: a decimal number 1..UINT64_MAX - 1. */
static uint64_t parse_value(const char *text)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-'
            || value == 0 || value == UINT64_MAX)
        errx(2, "VALUE must be 1..18446744073709551614, not '%s'", text);
    return (uint64_t) value;
}

/* Room for one descriptor in a control message, correctly aligned. */
union one_fd_control {
    struct cmsghdr header;
    char space[CMSG_SPACE(sizeof(int))];
};

/* Sends descriptor 'fd' over the UNIX socket 'sock' as an SCM_RIGHTS
 * control message (with one byte of data: a message needs some). The
 * receiver gets a new descriptor for the same open file. The parent sends
 * while its child lives: returns false after a warning. */
bool send_fd(int sock, int fd)
{
    char byte = 'E';
    struct iovec data = { .iov_base = &byte, .iov_len = 1 };
    union one_fd_control control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {
        .msg_iov = &data, .msg_iovlen = 1,
        .msg_control = control.space, .msg_controllen = sizeof control.space,
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    if (sendmsg(sock, &message, 0) != 1) {
        warn("sendmsg");
        return false;
    }
    return true;
}

/* Receives one descriptor sent by send_fd(), in the forked child: a
 * failure ends it with _exit() (no parent's atexit handlers, no second
 * flush of copied stdio buffers). */
int receive_fd(int sock)
{
    char byte;
    struct iovec data = { .iov_base = &byte, .iov_len = 1 };
    union one_fd_control control;
    struct msghdr message = {
        .msg_iov = &data, .msg_iovlen = 1,
        .msg_control = control.space, .msg_controllen = sizeof control.space,
    };
    ssize_t n;
    while ((n = recvmsg(sock, &message, MSG_CMSG_CLOEXEC)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): receive again */
    struct cmsghdr *cmsg = n == 1 ? CMSG_FIRSTHDR(&message) : NULL;
    if (cmsg == NULL || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS
            || (message.msg_flags & MSG_CTRUNC)) {
        if (n != -1)
            errno = EPROTO;
        warn("recvmsg");
        _exit(EXIT_FAILURE);
    }
    int fd;
    memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
    return fd;
}

/* Sleeps in read() until the count is non-zero, in the forked child. */
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

/* Adds 'value' to the count; false after a warning. */
bool notify(int efd, uint64_t value)
{
    if (write(efd, &value, sizeof value) != sizeof value) {
        warn("write");
        return false;
    }
    return true;
}

/* Waits for 'child' to end; its status goes to *status (if not NULL). */
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

/* The parent failed while 'child' lives: kill it and reap it. */
void end_child(pid_t child)
{
    if (kill(child, SIGKILL) == -1)
        warn("kill");
    reap(child, NULL);
}

static _Noreturn void receiver(int sock)
{
    (void) receive_fd;
    int efd = eventfd(0, 0);            /* wrong: not the parent's */
    uint64_t received = wait_for_notification(efd);
    printf("child %ld: received %" PRIu64 "\n", (long) getpid(), received);
    if (fflush(stdout) == EOF || close(efd) == -1 || close(sock) == -1) {
        warn("fflush or close");
        _exit(EXIT_FAILURE);            /* _exit() flushes nothing */
    }
    _exit(EXIT_SUCCESS);
}

int main(int argc, char *argv[])
{
    if (argc != 2)
        errx(2, "usage: %s VALUE", argv[0]);
    uint64_t value = parse_value(argv[1]);

    int socks[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, socks) == -1)
        err(EXIT_FAILURE, "socketpair");
    fflush(stdout);

    pid_t child = fork();               /* before the eventfd exists */
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");
    case 0:
        close(socks[0]);
        receiver(socks[1]);
    default:
        break;
    }
    close(socks[1]);

    int efd = eventfd(0, EFD_CLOEXEC);
    bool ok = efd != -1;
    if (!ok)
        warn("eventfd");
    ok = ok && send_fd(socks[0], efd) && notify(efd, value);
    if (!ok) {
        end_child(child);
        return EXIT_FAILURE;
    }
    int status;
    if (!reap(child, &status)) {
        end_child(child);
        return EXIT_FAILURE;
    }
    if (close(efd) == -1 || close(socks[0]) == -1)
        err(EXIT_FAILURE, "close");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
