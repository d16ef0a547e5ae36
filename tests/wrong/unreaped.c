/* unreaped — wrong on purpose: the parent notifies its child and exits without waitpid.
 * efd-trace reports the child that was never reaped. */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

int main(void)
{
    int efd = eventfd(0, 0);
    if (efd == -1) err(EXIT_FAILURE, "eventfd");
    switch (fork()) {
    case -1:
        err(EXIT_FAILURE, "fork");
    case 0: {
        uint64_t value;
        if (read(efd, &value, sizeof value) != sizeof value) { warn("read"); _exit(EXIT_FAILURE); }
        close(efd);
        _exit(EXIT_SUCCESS);
    }
    default: {
        uint64_t one = 1;
        if (write(efd, &one, sizeof one) != sizeof one) err(EXIT_FAILURE, "write");
        close(efd);
        return 0;                       /* the bug: no waitpid */
    }
    }
}
