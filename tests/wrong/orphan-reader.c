/* orphan-reader — wrong on purpose: the child that should write exits without writing,
 * and the parent still holds the descriptor, so its read waits forever (an eventfd has no
 * end-of-file). efd-trace --timeout reports who is blocked where. */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int efd = eventfd(0, 0);
    if (efd == -1) err(EXIT_FAILURE, "eventfd");
    pid_t child = fork();
    if (child == -1) err(EXIT_FAILURE, "fork");
    if (child == 0) {
        close(efd);                     /* the writer leaves without a write */
        _exit(EXIT_SUCCESS);
    }
    int status;
    if (waitpid(child, &status, 0) == -1) err(EXIT_FAILURE, "waitpid");
    uint64_t value;
    if (read(efd, &value, sizeof value) != sizeof value) err(EXIT_FAILURE, "read");
    close(efd);
    return 0;
}
