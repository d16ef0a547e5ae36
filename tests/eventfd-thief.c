/* eventfd-thief — makes "another process took the freed id first" happen on demand.
 *
 * tests/busy-machine.bats builds it twice. As a program (eventfd-thief REQ
 * ACK) it first creates and holds HELD eventfds, then waits on the FIFO REQ:
 * for each byte 's' it creates one more eventfd and keeps it ("steal"), for
 * each 'f' it closes the oldest one it holds ("free"), and answers on the
 * FIFO ACK. As a preload library (-DTHIEF_PRELOAD, LD_PRELOAD) it wraps
 * close(): after a lesson closes an eventfd, it sends THIEF_MODE ('s' by
 * default) and waits for the answer. With 's' the id just freed (the lowest
 * free one) is always taken by another process before the lesson's next
 * eventfd(); with 'f' another process frees a lower id first. Nothing
 * depends on timing.
 */
#include <dlfcn.h>
#include <err.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#ifdef THIEF_PRELOAD
static bool is_eventfd(int fd)
{
    char path[64], target[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n == -1)
        return false;
    target[n] = '\0';
    return strcmp(target, "anon_inode:[eventfd]") == 0;
}

int close(int fd)
{
    int (*real_close)(int);
    void *symbol = dlsym(RTLD_NEXT, "close");
    memcpy(&real_close, &symbol, sizeof real_close);   /* ISO C has no cast for it */
    bool steal = is_eventfd(fd);
    int result = real_close(fd);
    const char *req = getenv("THIEF_REQ"), *ack = getenv("THIEF_ACK");
    if (result == 0 && steal && req != NULL && ack != NULL) {
        const char *mode = getenv("THIEF_MODE");
        char byte = mode != NULL && mode[0] == 'f' ? 'f' : 's';
        int out = open(req, O_WRONLY);
        if (out != -1) {
            if (write(out, &byte, 1) != 1)
                byte = 0;
            real_close(out);
            int in = open(ack, O_RDONLY);
            if (in != -1) {
                if (read(in, &byte, 1) != 1)
                    byte = 0;
                real_close(in);
            }
        }
    }
    return result;
}
#else
int main(int argc, char *argv[])
{
    if (argc != 3)
        errx(2, "usage: eventfd-thief REQ-FIFO ACK-FIFO");
    /* Both FIFOs open for reading and writing: no open() here ever waits. */
    int req = open(argv[1], O_RDWR), ack = open(argv[2], O_RDWR);
    if (req == -1 || ack == -1)
        err(EXIT_FAILURE, "open");
    enum { HELD = 256 };
    int held[HELD], oldest = 0;
    for (int i = 0; i < HELD; i++)
        if ((held[i] = eventfd(0, 0)) == -1)
            err(EXIT_FAILURE, "eventfd");
    puts("waiting");
    fflush(stdout);
    char byte;
    while (read(req, &byte, 1) == 1) {
        if (byte == 'f' && oldest < HELD) {
            if (close(held[oldest++]) == -1)    /* its id is free again */
                err(EXIT_FAILURE, "close");
        } else if (byte != 'f' && eventfd(0, 0) == -1) {   /* kept: the id stays taken */
            err(EXIT_FAILURE, "eventfd");
        }
        if (write(ack, &byte, 1) != 1)
            err(EXIT_FAILURE, "write");
    }
    return EXIT_SUCCESS;
}
#endif
