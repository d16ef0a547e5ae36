/* fake-unnoticed.c — a program with the bug step 4 is there to find, built
 * and tried by step 4 before the lessons: it ignores a failed write(), so an
 * injected error changes only a number it prints and it still exits 0. If
 * step 4 calls that run the same as a normal one, its comparison has become
 * blind, and the step fails. It also prints one eventfd-id twice on a line,
 * as lesson 13 does, which the comparison must not mistake for a difference. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The eventfd-id that /proc/self/fdinfo/FD shows ("?" if none). */
static const char *eventfd_id(int fd, char *id, size_t size)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    snprintf(id, size, "?");
    FILE *fdinfo = fopen(path, "r");
    if (fdinfo == NULL)
        return id;
    while (fgets(line, sizeof line, fdinfo))
        if (sscanf(line, "eventfd-id: %31s", id) == 1)
            break;
    fclose(fdinfo);
    return id;
}

int main(void)
{
    int efd = eventfd(0, EFD_NONBLOCK);
    if (efd == -1)
        return 1;
    uint64_t value = 7, got = 0;
    ssize_t ignored = write(efd, &value, sizeof value);     /* the bug */
    (void) ignored;
    if (read(efd, &got, sizeof got) == -1)
        got = 0;                                             /* "nothing yet" */
    char a[32], b[32];
    int copy = dup(efd);
    printf("read %" PRIu64 "; eventfd-id %s and %s\n", got, eventfd_id(efd, a, sizeof a),
           eventfd_id(copy, b, sizeof b));
    return 0;
}
