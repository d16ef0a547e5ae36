/* efd-notify — the program that lesson 10 execs: it notifies through an inherited eventfd.
 *
 * What it does
 *   A new program knows nothing of the descriptors it was started with except
 *   their numbers, so lesson 10 passes the eventfd's number on the command
 *   line. efd-notify writes VALUE to that descriptor. If the descriptor was
 *   closed on exec (the eventfd was created with EFD_CLOEXEC), the number
 *   means nothing here: write() fails with EBADF, and efd-notify says so and
 *   exits with status 3, so that its parent can tell the two cases apart.
 *
 * How to run
 *   build/helpers/efd-notify [--pause] FD VALUE
 *   FD: 3..1048576 (0, 1 and 2 are stdin, stdout, stderr); VALUE:
 *   1..0xfffffffffffffffe. Exit status: 0 written; 3 FD is not open here
 *   (EBADF); 1 any other failure; 2 bad usage.
 *
 * What to inspect (with --pause)
 *   helper-wrote  the exec'd program holds the eventfd: ls -l /proc/PID/fd
 *                 shows FD -> anon_inode:[eventfd]; /proc/PID/exe is this
 *                 program; fdinfo shows the parent's eventfd-id and VALUE
 *   fd-closed     ls -l /proc/PID/fd has no FD: close-on-exec removed it
 *
 * Kernel: any Linux with eventfd (2.6.22).
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "course.h"

#define EXIT_NO_FD 3     /* the descriptor is not open in this program */
#define MAX_FD 1048576   /* the kernel's default ceiling, fs.nr_open */

static const char usage[] =
    "[--pause] FD VALUE\n"
    "  FD       the inherited eventfd's number: 3..1048576\n"
    "  VALUE    what to write to it: 1..0xfffffffffffffffe\n"
    "  exit status: 0 written, 3 FD is not open here (EBADF), 1 other failure\n";

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
