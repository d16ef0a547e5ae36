/* 16-glibc-wrappers — eventfd_read()/eventfd_write() next to plain read()/write().
 *
 * What it shows
 *   glibc offers two small wrappers in <sys/eventfd.h>:
 *       int eventfd_read(int fd, eventfd_t *value);
 *       int eventfd_write(int fd, eventfd_t value);
 *   Each is one read(2) or write(2) of 8 bytes and nothing more; glibc's
 *   whole implementation (sysdeps/unix/sysv/linux/eventfd_read.c) is
 *       return __read (fd, value, sizeof (eventfd_t)) != sizeof (eventfd_t) ? -1 : 0;
 *   What they save you: the buffer address and the size, so you can never
 *   pass a 4-byte int by mistake (a raw read into 4 bytes fails with EINVAL;
 *   here it is shown). What they hide: the byte count. A raw read() returns
 *   8; eventfd_read() returns 0 for the same success. On failure both return
 *   -1 and the reason is in errno, set by the read() or write() inside; the
 *   wrapper adds no error of its own.
 *   The lesson does the same work both ways on one non-blocking eventfd and
 *   prints the results side by side: the same values, the same counts in
 *   fdinfo, and the same errors (EAGAIN reading at count 0, EINVAL writing
 *   0xffffffffffffffff).
 *
 * How to run
 *   build/16-glibc-wrappers [--pause] [VALUE]
 *   VALUE: what is written, 1..0xfffffffffffffffe (default 5)
 *   strace -e trace=read,write build/16-glibc-wrappers shows that both paths
 *   make the very same system calls.
 *
 * What to inspect (with --pause)
 *   raw-written       after write(): eventfd-count VALUE
 *   raw-read          after read(): eventfd-count 0
 *   wrapper-written   after eventfd_write(): eventfd-count VALUE
 *   wrapper-read      after eventfd_read(): eventfd-count 0
 *   small-read        a read into 4 bytes failed with EINVAL: eventfd-count
 *                     is still VALUE
 *
 * Kernel: any Linux with eventfd2 (2.6.27); glibc 2.7 or later for the
 * wrappers.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/types.h>
#include <unistd.h>

#include "course.h"

static const char usage[] =
    "[--pause] [VALUE]\n"
    "  VALUE    what is written: 1..0xfffffffffffffffe (default 5)\n";

/* The plain system call: you pass the buffer and its size, and get back the
 * number of bytes written, 8. */
ssize_t notify_raw(int efd, uint64_t value)
{
    ssize_t written = write(efd, &value, sizeof value);
    if (written != sizeof value)
        err(EXIT_FAILURE, "write");
    return written;
}

/* The plain system call: returns the number of bytes read, 8, and the count
 * in *value. This lesson's eventfd is non-blocking: its reads never sleep, so
 * no signal interrupts them: no EINTR loop (lesson 15). */
ssize_t take_raw(int efd, uint64_t *value)
{
    ssize_t bytes = read(efd, value, sizeof *value);
    if (bytes != sizeof *value)
        err(EXIT_FAILURE, "read");
    return bytes;
}

/* glibc's wrapper: no buffer, no size; 0 means success. */
int notify_wrapped(int efd, eventfd_t value)
{
    int result = eventfd_write(efd, value);
    if (result != 0)
        err(EXIT_FAILURE, "eventfd_write");
    return result;
}

/* glibc's wrapper: 0 means success, and the count is in *value. It is one
 * read(2) and nothing more, and it does not retry: on a blocking eventfd, a
 * handler without SA_RESTART makes it fail with EINTR just as read() does
 * (this lesson's eventfd is non-blocking, so it never sleeps). */
int take_wrapped(int efd, eventfd_t *value)
{
    int result = eventfd_read(efd, value);
    if (result != 0)
        err(EXIT_FAILURE, "eventfd_read");
    return result;
}

/* Names the errno values this lesson expects. */
static const char *errno_name(int number)
{
    return number == EAGAIN ? "EAGAIN" : number == EINVAL ? "EINVAL" : "?";
}

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    uint64_t value = 5;
    if (argc - first_operand > 1)
        usage_error("too many arguments");
    if (argc - first_operand == 1)
        value = parse_u64(argv[first_operand], "VALUE", 1, UINT64_MAX - 1);

    /* Non-blocking, so that reading at count 0 shows an error, not a hang. */
    int efd = eventfd(0, EFD_NONBLOCK);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    say("created eventfd fd %d with EFD_NONBLOCK\n", efd);

    /* 1. The plain system calls. */
    ssize_t written = notify_raw(efd, value);
    say("write(fd, &value, 8)     returned %zd; value 0x%" PRIx64 " (%" PRIu64 ")\n",
        written, value, value);
    show_fdinfo(efd);
    checkpoint("raw-written", efd);

    uint64_t got = 0;
    ssize_t bytes = take_raw(efd, &got);
    say("read(fd, &value, 8)      returned %zd; value 0x%" PRIx64 " (%" PRIu64 ")\n",
        bytes, got, got);
    show_fdinfo(efd);
    checkpoint("raw-read", efd);

    /* 2. The glibc wrappers. */
    int result = notify_wrapped(efd, value);
    say("eventfd_write(fd, value) returned %d; value 0x%" PRIx64 " (%" PRIu64 ")\n",
        result, value, value);
    show_fdinfo(efd);
    checkpoint("wrapper-written", efd);

    eventfd_t wrapped = 0;
    result = take_wrapped(efd, &wrapped);
    say("eventfd_read(fd, &value) returned %d; value 0x%" PRIx64 " (%" PRIu64 ")\n",
        result, wrapped, wrapped);
    show_fdinfo(efd);
    checkpoint("wrapper-read", efd);

    /* 3. The same failures both ways: -1, and the reason in errno. */
    bytes = read(efd, &got, sizeof got);
    if (bytes != -1 || errno != EAGAIN)
        err(EXIT_FAILURE, "read");
    say("read at count 0:          returned %zd, errno %s (%s)\n",
        bytes, errno_name(errno), strerror(errno));
    result = eventfd_read(efd, &wrapped);
    if (result != -1 || errno != EAGAIN)
        err(EXIT_FAILURE, "eventfd_read");
    say("eventfd_read at count 0:  returned %d, errno %s (%s)\n",
        result, errno_name(errno), strerror(errno));

    uint64_t too_big = UINT64_MAX;      /* the one value a write refuses */
    written = write(efd, &too_big, sizeof too_big);
    if (written != -1 || errno != EINVAL)
        err(EXIT_FAILURE, "write");
    say("write of 0xffffffffffffffff:         returned %zd, errno %s (%s)\n",
        written, errno_name(errno), strerror(errno));
    result = eventfd_write(efd, too_big);
    if (result != -1 || errno != EINVAL)
        err(EXIT_FAILURE, "eventfd_write");
    say("eventfd_write of 0xffffffffffffffff: returned %d, errno %s (%s)\n",
        result, errno_name(errno), strerror(errno));

    /* The mistake the wrappers make impossible: a buffer smaller than 8. */
    notify_raw(efd, value);
    uint32_t small;
    bytes = read(efd, &small, sizeof small);
    if (bytes != -1 || errno != EINVAL)
        err(EXIT_FAILURE, "read");
    say("read into a 4-byte int:   returned %zd, errno %s (%s); the count stays\n",
        bytes, errno_name(errno), strerror(errno));
    show_fdinfo(efd);
    checkpoint("small-read", efd);

    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
