/* eventfd-churn — keeps other eventfds coming and going, as a busy desktop does.
 *
 * tests/busy-machine.bats builds and starts it beside a lesson: eventfd-ids
 * are system-wide and handed out lowest free first, so its eventfds take and
 * free the ids a lesson's eventfds would otherwise get. It holds up to four
 * eventfds at a time and closes them in varying order, so the lowest free id
 * keeps moving both up and down.
 *
 * usage: eventfd-churn SECONDS
 * It prints "churning" once its first eventfd exists, and ends by itself
 * after SECONDS, when its parent (the test) ends (PR_SET_PDEATHSIG), or when
 * the test's teardown kills it, whichever comes first: it never outlives the
 * test.
 */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    if (argc != 2 || atoi(argv[1]) <= 0)
        errx(2, "usage: eventfd-churn SECONDS");
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
        err(EXIT_FAILURE, "prctl");
    if (getppid() != parent)    /* the parent ended before prctl took hold */
        return EXIT_SUCCESS;
    time_t end = time(NULL) + atoi(argv[1]);
    int held[4] = { -1, -1, -1, -1 };
    unsigned long round = 0;
    while (time(NULL) < end) {
        int slot = (int) (round % 4);
        if (held[slot] != -1 && close(held[slot]) == -1)
            err(EXIT_FAILURE, "close");
        held[slot] = -1;
        /* Every third round leaves the slot empty: the set held shrinks too. */
        if (round % 3 != 0 && (held[slot] = eventfd(0, 0)) == -1)
            err(EXIT_FAILURE, "eventfd");
        if (round == 1) {
            puts("churning");
            fflush(stdout);
        }
        round++;
    }
    return EXIT_SUCCESS;
}
