/* efd-notify — the program that lesson 10 execs: it notifies through an inherited eventfd.
 *
 * What it does
 *   A new program knows nothing of the descriptors it was started with except
 *   their numbers, so lesson 10 passes the eventfd's number on the command
 *   line. A number can name any file, though: one this program was started
 *   with by someone else (a log file, /dev/null, a socket), or nothing at all.
 *   So efd-notify first looks at /proc/self/fd/FD: an eventfd's link reads
 *   "anon_inode:[eventfd]". If FD names another file, efd-notify says what it
 *   names and exits with status 4 without writing to it. Then it writes VALUE
 *   to the eventfd. If the descriptor was closed on exec (the eventfd was
 *   created with EFD_CLOEXEC), the number means nothing here: write() fails
 *   with EBADF, and efd-notify says so and exits with status 3, so that its
 *   parent can tell the cases apart.
 *
 * How to run
 *   build/helpers/efd-notify [--pause] FD VALUE
 *   FD: 3..1048576 (0, 1 and 2 are stdin, stdout, stderr); VALUE:
 *   1..0xfffffffffffffffe. Exit status: 0 written; 3 FD is not open here
 *   (EBADF); 4 FD names a file that is not an eventfd; 1 any other failure;
 *   2 bad usage.
 *
 * What to inspect (with --pause)
 *   helper-wrote  the exec'd program holds the eventfd: ls -l /proc/PID/fd
 *                 shows FD -> anon_inode:[eventfd]; /proc/PID/exe is this
 *                 program; fdinfo shows the parent's eventfd-id and VALUE
 *   fd-closed     ls -l /proc/PID/fd has no FD: close-on-exec removed it
 *   not-eventfd   ls -l /proc/PID/fd shows what FD names instead
 *
 * Kernel: any Linux with eventfd (2.6.22); the link text of an eventfd,
 * "anon_inode:[eventfd]", since 2.6.22 too.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "course.h"

#define EXIT_NO_FD 3     /* the descriptor is not open in this program */
#define EXIT_NOT_EVENTFD 4  /* it is open, but names another kind of file */
#define MAX_FD 1048576   /* the kernel's default ceiling, fs.nr_open */

static const char usage[] =
    "[--pause] FD VALUE\n"
    "  FD       the inherited eventfd's number: 3..1048576\n"
    "  VALUE    what to write to it: 1..0xfffffffffffffffe\n"
    "  exit status: 0 written, 3 FD is not open here (EBADF),\n"
    "               4 FD is not an eventfd, 1 other failure\n";

/* say() would call this process "parent": it is the first process of its own
 * program. It is the lesson's child, so it says so, and names the program. */
static void tell(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void tell(const char *format, ...)
{
    va_list ap;
    printf("child %ld: efd-notify: ", (long) getpid());
    va_start(ap, format);
    vprintf(format, ap);
    va_end(ap);
}

/* Whether descriptor 'fd' of this process is an eventfd: its link in
 * /proc/self/fd reads "anon_inode:[eventfd]". A number that came on the
 * command line may name any file this program was started with, and
 * write() would put 8 bytes into it. Copies the link into 'link' (size
 * bytes). Returns 1 for an eventfd, 0 for another file, or -1 with errno
 * set when there is no link: ENOENT when 'fd' is not open. */
int is_eventfd(int fd, char *link, size_t size)
{
    char path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(path, link, size - 1);
    if (length == -1)
        return -1;
    link[length] = '\0';
    return strcmp(link, "anon_inode:[eventfd]") == 0;
}

/* Adds 'value' to the count of descriptor 'fd', which a program can hold
 * only by inheriting it across exec: its number came on the command line.
 * Returns false, with errno EBADF, when no such descriptor is open here (it
 * was created with EFD_CLOEXEC, so exec closed it); any other failure ends
 * the program. */
bool notify_inherited(int fd, uint64_t value)
{
    ssize_t written = write(fd, &value, sizeof value);
    if (written == sizeof value)
        return true;
    if (written == -1 && errno == EBADF)
        return false;
    err(EXIT_FAILURE, "write");
}

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    if (argc - first_operand != 2)
        usage_error("expected FD and VALUE");
    int fd = (int) parse_u64(argv[first_operand], "FD", 3, MAX_FD);
    uint64_t value = parse_u64(argv[first_operand + 1], "VALUE", 1, UINT64_MAX - 1);

    char link[PATH_MAX];
    int kind = is_eventfd(fd, link, sizeof link);
    if (kind == -1 && errno != ENOENT)  /* ENOENT: not open; write() says EBADF */
        err(EXIT_FAILURE, "readlink /proc/self/fd/%d", fd);
    if (kind == 0) {
        tell("fd %d is %s, not an eventfd: nothing written\n", fd, link);
        checkpoint("not-eventfd", fd);
        return EXIT_NOT_EVENTFD;
    }
    if (kind == 1)
        tell("fd %d is %s: an eventfd, inherited across exec\n", fd, link);

    if (!notify_inherited(fd, value)) {
        tell("write to fd %d failed with EBADF: no such descriptor in this program "
             "(it was closed on exec)\n", fd);
        checkpoint("fd-closed", fd);
        return EXIT_NO_FD;
    }
    tell("wrote 0x%" PRIx64 " (%" PRIu64 ") to inherited fd %d\n", value, value, fd);
    show_fdinfo(fd);
    checkpoint("helper-wrote", fd);

    if (close(fd) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
