/* 10-exec-cloexec — an eventfd survives exec, unless it was created with EFD_CLOEXEC.
 *
 * What it shows
 *   exec() replaces a process's program but keeps its open descriptors, so a
 *   child can exec another program and that program can still notify the
 *   parent through the eventfd, if it knows the descriptor's number: here the
 *   child execs the course's helper build/helpers/efd-notify and passes the
 *   number as an argument. The helper writes VALUE; the parent reaps it and
 *   reads VALUE.
 *   Then the same again with an eventfd created with EFD_CLOEXEC: exec closes
 *   it in the new program, the same number names nothing there, the helper's
 *   write() fails with EBADF and it exits with status 3; nothing reaches the
 *   parent. EFD_CLOEXEC is the O_CLOEXEC bit, octal 02000000 on x86 and most
 *   architectures, in the "flags:" line of /proc/PID/fdinfo/FD
 *   (fcntl(F_GETFD) reports it as FD_CLOEXEC).
 *   Use it for every eventfd that a program you exec must not hold: a leaked
 *   descriptor keeps the object alive and lets a stranger write to it.
 *   A number on a command line can name any file, so the helper first makes
 *   sure that its FD is an eventfd (/proc/self/fd/FD reads
 *   anon_inode:[eventfd]); given a number that names another file, it says
 *   what the number names and exits with status 4, writing nothing.
 *   The lesson finds its helper next to its own executable (the directory of
 *   /proc/self/exe), not in the current directory.
 *
 * How to run
 *   build/10-exec-cloexec [--pause] [VALUE]
 *   VALUE: what the helper writes, 1..0xfffffffffffffffe (default 1).
 *
 * What to inspect (with --pause)
 *   created          fdinfo flags 02: no close-on-exec bit
 *   helper-wrote     (in the exec'd helper) /proc/HELPER/exe is efd-notify,
 *                    ls -l /proc/HELPER/fd shows the eventfd under the same
 *                    number, fdinfo the parent's eventfd-id and the VALUE
 *   notified         the parent read VALUE: eventfd-count 0
 *   created-cloexec  fdinfo flags 02000002: the 02000000 bit is set
 *   fd-closed        (in the exec'd helper) ls -l /proc/HELPER/fd has no
 *                    such number
 *   not-notified     the helper exited with status 3; eventfd-count 0
 *
 * Kernel: EFD_CLOEXEC since Linux 2.6.27; eventfd-id since 5.2.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "course.h"

#define HELPER_EXIT_NO_FD 3   /* efd-notify's status when the fd is not open */

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    what the exec'd helper writes: 1..0xfffffffffffffffe (default 1)\n";

/* DIRECTORY-OF-THIS-PROGRAM/helpers/efd-notify, whatever the current
 * directory. Made before any fork: a failure ends the program. */
void find_helper(char *path, size_t size)
{
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length == -1)
        err(EXIT_FAILURE, "readlink /proc/self/exe");
    self[length] = '\0';
    if ((size_t) snprintf(path, size, "%s/helpers/efd-notify", dirname(self)) >= size) {
        errno = ENAMETOOLONG;
        err(EXIT_FAILURE, "snprintf helper path");
    }
    if (access(path, X_OK) == -1)
        err(EXIT_FAILURE, "access build/helpers/efd-notify (run make)");
}

/* An eventfd that a program this process execs keeps, under the same
 * number: exec replaces the program, not the open descriptors. */
int inherited_eventfd(void)
{
    int efd = eventfd(0, 0);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    return efd;
}

/* An eventfd that exec closes: EFD_CLOEXEC sets close-on-exec at creation,
 * so no program this process (or its child) execs can hold it, even for a
 * moment. Use it for every eventfd that a program you exec must not get. */
int private_eventfd(void)
{
    int efd = eventfd(0, EFD_CLOEXEC);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    return efd;
}

/* In the forked child: replaces this program with 'helper', which learns
 * the eventfd's number from its command line ("HELPER [--pause] FD VALUE").
 * execv() returns only on failure; then the child ends with _exit, not exit:
 * no atexit handler of the parent runs, and stdio buffers copied from the
 * parent are not written a second time. */
_Noreturn void exec_notifier(const char *helper, int efd, uint64_t value, bool pause)
{
    char fd_text[16], value_text[24];
    snprintf(fd_text, sizeof fd_text, "%d", efd);
    snprintf(value_text, sizeof value_text, "%" PRIu64, value);
    char *args[] = { (char *) helper, fd_text, value_text, NULL, NULL };
    if (pause) {
        args[1] = "--pause";
        args[2] = fd_text;
        args[3] = value_text;
    }
    execv(helper, args);
    warn("execv");
    _exit(EXIT_FAILURE);
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

/* Takes the whole count. Called once the child is reaped, when no child is
 * left to orphan: a failure ends the program. */
uint64_t take_count(int efd)
{
    uint64_t count;
    ssize_t n;
    while ((n = read(efd, &count, sizeof count)) == -1 && errno == EINTR)
        continue;       /* a handler without SA_RESTART ran (lesson 15): read again */
    if (n != sizeof count)
        err(EXIT_FAILURE, "read");
    return count;
}

static void show_cloexec(int efd)
{
    char flags[32] = "?";
    fdinfo_field(0, efd, "flags", flags, sizeof flags);
    int fd_flags = fcntl(efd, F_GETFD);
    if (fd_flags == -1)
        err(EXIT_FAILURE, "fcntl F_GETFD");
    /* fdinfo prints the open flags in octal; O_CLOEXEC is 02000000 on x86. */
    bool octal_bit = strtoul(flags, NULL, 8) & O_CLOEXEC;
    say("fd %d: fdinfo flags %s, close-on-exec bit 0%o %s; fcntl(F_GETFD) says %s\n",
        efd, flags, (unsigned) O_CLOEXEC, octal_bit ? "set" : "clear",
        fd_flags & FD_CLOEXEC ? "FD_CLOEXEC" : "0 (no FD_CLOEXEC)");
}

/* Forks a child that execs the helper with the eventfd's number and VALUE;
 * reaps it and returns its wait status. */
static int run_helper(const char *helper, int efd, uint64_t value, bool pause)
{
    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");
    case 0:
        say("exec %s %d %" PRIu64 "\n", helper, efd, value);
        exec_notifier(helper, efd, value, pause);
    default:
        break;
    }
    int status;
    if (!reap(child, &status)) {
        end_child(child);
        exit(EXIT_FAILURE);
    }
    say("helper %ld %s\n", (long) child, describe_status(status));
    return status;
}

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    uint64_t value = 1;
    if (argc - first_operand > 1)
        usage_error("too many arguments");
    if (argc - first_operand == 1)
        value = parse_u64(argv[first_operand], "VALUE", 1, UINT64_MAX - 1);
    bool pause = course_pausing();     /* the exec'd helper pauses too */
    char helper[PATH_MAX];
    find_helper(helper, sizeof helper);

    /* 1. Without EFD_CLOEXEC: the exec'd helper inherits the eventfd. */
    int efd = inherited_eventfd();
    say("created eventfd fd %d without EFD_CLOEXEC\n", efd);
    show_cloexec(efd);
    checkpoint("created", efd);

    int status = run_helper(helper, efd, value, pause);
    bool inherited_ok = WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SUCCESS;
    if (inherited_ok) {
        uint64_t received = take_count(efd);
        say("read 0x%" PRIx64 " (%" PRIu64 "): the exec'd program notified me\n",
            received, received);
    }
    show_fdinfo(efd);
    checkpoint("notified", efd);
    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");

    /* 2. With EFD_CLOEXEC: exec closes it; the same number means nothing. */
    int cloexec_efd = private_eventfd();
    say("created eventfd fd %d with EFD_CLOEXEC\n", cloexec_efd);
    show_cloexec(cloexec_efd);
    checkpoint("created-cloexec", cloexec_efd);

    status = run_helper(helper, cloexec_efd, value, pause);
    bool closed_ok = WIFEXITED(status) && WEXITSTATUS(status) == HELPER_EXIT_NO_FD;
    if (closed_ok)
        say("exit status %d: fd %d was closed on exec, nothing was written\n",
            HELPER_EXIT_NO_FD, cloexec_efd);
    show_fdinfo(cloexec_efd);
    checkpoint("not-notified", cloexec_efd);
    if (close(cloexec_efd) == -1)
        err(EXIT_FAILURE, "close");

    return inherited_ok && closed_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
