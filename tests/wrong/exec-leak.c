/* exec-leak — wrong on purpose: an eventfd created without EFD_CLOEXEC stays open in the
 * program the child execs (here /bin/true), which never uses it. efd-trace reports the
 * descriptor kept across exec and left open at exit. */
#include <err.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int efd = eventfd(0, 0);            /* the bug: no EFD_CLOEXEC */
    if (efd == -1) err(EXIT_FAILURE, "eventfd");
    pid_t child = fork();
    if (child == -1) err(EXIT_FAILURE, "fork");
    if (child == 0) {
        execl("/bin/true", "true", (char *)NULL);
        warn("execl");
        _exit(127);
    }
    close(efd);
    int status;
    if (waitpid(child, &status, 0) == -1) err(EXIT_FAILURE, "waitpid");
    return 0;
}
