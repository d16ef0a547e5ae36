/* int-read — wrong on purpose: reads an eventfd into an int (4 bytes), so the read fails
 * with EINVAL. efd-trace reports the refusal with the size. Built by make into
 * build/tests/wrong/int-read; used by tests/efd-trace.bats. */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

int main(void)
{
    int efd = eventfd(0, 0);
    if (efd == -1) err(EXIT_FAILURE, "eventfd");
    uint64_t one = 1;
    if (write(efd, &one, sizeof one) != sizeof one) err(EXIT_FAILURE, "write");
    int value;                          /* the bug: an eventfd's value is 8 bytes */
    if (read(efd, &value, sizeof value) == -1) warn("read");
    close(efd);
    return 0;
}
