/* 18-wakeup-cost — what a wake-up costs: eventfd against a pipe, on one CPU and across two.
 *
 * What it shows
 *   Is eventfd "faster than a pipe"? Measure it. A parent and a forked child
 *   play ping-pong through one channel each way: the parent posts, the child
 *   wakes and posts back, the parent wakes. The same post() (write the
 *   8-byte value 1) and take() (read 8 bytes) drive two eventfds and two
 *   pipes: from an eventfd a take gets the whole count, from a pipe one post.
 *   1. Both on one CPU: every wake-up is also a context switch, the
 *      scheduler's work, so eventfd and pipe land close together.
 *   2. The child on a second CPU (sched_setaffinity): a wake-up sent to a CPU
 *      that went idle waits until it leaves its idle state (in a virtual
 *      machine, a trip through the host). With one usable CPU the lesson
 *      says so and skips this part.
 *   3. Streaming on one CPU: the child posts N notifications of 1 as fast as
 *      it can; the parent reads until they add up to N. An eventfd read takes
 *      the whole count, so posts made while the parent waited for the CPU
 *      coalesce: fewer reads than posts. A pipe keeps every post, and an
 *      8-byte read takes one: N reads.
 *   So what eventfd does better is not one wake-up: one descriptor instead of
 *   two, a counter instead of a buffer, and coalescing. `make bench` runs the
 *   careful comparison (socketpair, futex, semaphore, medians, idle states).
 *
 * How to run
 *   build/18-wakeup-cost [--pause] [--round-trips N] [--posts N]
 *   taskset -c 0 build/18-wakeup-cost   (a machine with one usable CPU)
 *   The figures are this machine's: a virtual machine or a busy host moves
 *   them a lot, the relations between them much less.
 *
 * What to inspect (with --pause)
 *   channels-created  cat /proc/PID/fdinfo/FD: both eventfds at count 0;
 *                     ls -l /proc/PID/fd: two anon_inode:[eventfd], four pipe:[INODE]
 *   streamed          both streams read, their children reaped: count 0
 *
 * Kernel: eventfd since 2.6.22, sched_setaffinity since 2.5.8.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "course.h"

static const char usage[] =
    "[--pause] [--round-trips N] [--posts N]\n"
    "  --round-trips N  round trips in each ping-pong: 1..1000000 (default 1000)\n"
    "  --posts N        notifications in each stream: 1..1000000 (default 10000)\n";

static uint64_t round_trips = 1000, posts = 10000;

static void on_option(int val, const char *arg)
{
    if (val == 'n')
        round_trips = parse_u64(arg, "--round-trips", 1, 1000000);
    else
        posts = parse_u64(arg, "--posts", 1, 1000000);
}

/* One read or write that may sleep. A signal handler installed without
 * SA_RESTART (perhaps by a library) makes it fail with EINTR although nothing
 * went wrong: do it again. Returns what read(2) or write(2) returned. */
ssize_t io_retrying(int fd, void *buffer, size_t size, bool writing)
{
    ssize_t done;
    do
        done = writing ? write(fd, buffer, size) : read(fd, buffer, size);
    while (done == -1 && errno == EINTR);
    return done;
}

/* A post: write the 8-byte value 1. Returns 0, or -1 after saying why. */
int post(int fd)
{
    uint64_t one = 1;
    if (io_retrying(fd, &one, sizeof one, true) != sizeof one) {
        warn("write");
        return -1;
    }
    return 0;
}

/* A take: read 8 bytes, sleeping until there is something to read. From an
 * eventfd that is the whole count, reset to 0: every post since the last
 * take. From a pipe it is one post, the oldest. Returns 0 (never a count)
 * after saying why it failed. */
uint64_t take(int fd)
{
    uint64_t count;
    if (io_retrying(fd, &count, sizeof count, false) != sizeof count) {
        warn("read");
        return 0;
    }
    return count;
}

/* Both channels, each a descriptor pair per direction ([0] is read, [1]
 * written; an eventfd is both). post() and take() work on either: a pipe
 * keeps each 8-byte post as it came, and an 8-byte read takes one of them. */
struct channel {
    const char *name;
    int to_child[2], to_parent[2];
};
static struct channel eventfds = { "eventfd", { -1, -1 }, { -1, -1 } };
static struct channel pipes = { "pipe", { -1, -1 }, { -1, -1 } };

/* Closes every descriptor of both channels (an eventfd once), as the parent
 * and each child do before they exit. Returns -1 after saying why it failed. */
static int close_channels(void)
{
    int fds[] = { eventfds.to_child[0], eventfds.to_parent[0], pipes.to_child[0],
                  pipes.to_child[1], pipes.to_parent[0], pipes.to_parent[1] };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (close(fds[i]) == -1) {
            warn("close");
            return -1;
        }
    return 0;
}

static unsigned children_reaped;

/* An eventfd has no end of file (lesson 11): a child that fails would leave
 * its parent waiting for a post forever. SIGCHLD breaks that wait: a child
 * that ended other than with status 0 ends the lesson. WNOWAIT leaves a child
 * that exited with 0 to waitpid() as usual. Async-signal-safe calls only. */
static void on_child_end(int sig)
{
    static const char message[] = "18-wakeup-cost: a child failed: stopping\n";
    int saved_errno = errno;
    siginfo_t info;
    (void) sig;
    info.si_pid = 0;
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0
            && !(info.si_code == CLD_EXITED && info.si_status == EXIT_SUCCESS)) {
        waitpid(info.si_pid, NULL, 0);
        ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
        (void) ignored;             /* nothing more to say if even that fails */
        _exit(EXIT_FAILURE);
    }
    errno = saved_errno;
}

/* The parent failed while a child lives (what failed has said why). The
 * child may wait for a post that will never come: end it, reap it, exit 1. */
static _Noreturn void end_child(pid_t child)
{
    signal(SIGCHLD, SIG_DFL);           /* this end is the parent's doing */
    if (kill(child, SIGKILL) == -1)
        warn("kill");
    if (waitpid(child, NULL, 0) == -1)
        warn("waitpid");
    warnx("killed and reaped child %ld: the parent failed", (long) child);
    exit(EXIT_FAILURE);
}

static void reap(pid_t child)
{
    int status;
    if (waitpid(child, &status, 0) == -1) {   /* SA_RESTART: no EINTR from SIGCHLD */
        warn("waitpid");
        end_child(child);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        errx(EXIT_FAILURE, "child %ld %s", (long) child, describe_status(status));
    children_reaped++;
}

static int pin(int cpu)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) == -1) {
        warn("sched_setaffinity");
        return -1;
    }
    return 0;
}

static uint64_t now_ns(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) == -1)   /* the vDSO: no system call to fail */
        return 0;
    return (uint64_t) t.tv_sec * 1000000000u + (uint64_t) t.tv_nsec;
}

/* Forks a child that runs on CPU child_cpu and does its part of a test: a
 * child inherits its parent's CPU mask, so the parent pins itself to the
 * child's CPU, forks, then moves to parent_cpu. A streaming child posts at
 * once; a ping-pong child posts "ready" (so that no round trip includes its
 * start), then answers every post. Returns in the parent only. */
static pid_t start_child(const struct channel *ch, bool streaming, int parent_cpu, int child_cpu)
{
    if (pin(child_cpu) == -1)
        exit(EXIT_FAILURE);
    pid_t child = fork();
    switch (child) {
    case -1:
        err(EXIT_FAILURE, "fork");
    case 0:
        /* post() and take() say what failed; _exit, not exit: no parent's
         * atexit handlers, no second flush of the stdio buffers it copied. */
        if (streaming) {
            for (uint64_t i = 0; i < posts; i++)
                if (post(ch->to_parent[1]) == -1)
                    _exit(EXIT_FAILURE);
        } else {
            if (post(ch->to_parent[1]) == -1)                     /* ready */
                _exit(EXIT_FAILURE);
            for (uint64_t i = 0; i < round_trips; i++)
                if (take(ch->to_child[0]) == 0 || post(ch->to_parent[1]) == -1)
                    _exit(EXIT_FAILURE);
        }
        _exit(close_channels() == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
    default:
        if (pin(parent_cpu) == -1 || (!streaming && take(ch->to_parent[0]) != 1))  /* ready */
            end_child(child);
        return child;
    }
}

/* The parent's side of a ping-pong: post, take the answer. Nanoseconds. */
static uint64_t ping_pong(const struct channel *ch, int parent_cpu, int child_cpu)
{
    pid_t child = start_child(ch, false, parent_cpu, child_cpu);
    uint64_t start = now_ns();
    for (uint64_t i = 0; i < round_trips; i++)
        if (post(ch->to_child[1]) == -1 || take(ch->to_parent[0]) != 1)
            end_child(child);
    uint64_t ns = now_ns() - start;
    reap(child);
    return ns;
}

/* The parent's side of a stream: take until the posts add up to N. Returns
 * the number of takes; *sum is what they added up to. */
static uint64_t stream(const struct channel *ch, int cpu, uint64_t *sum)
{
    pid_t child = start_child(ch, true, cpu, cpu);
    uint64_t takes = 0;
    for (*sum = 0; *sum < posts; takes++) {
        uint64_t got = take(ch->to_parent[0]);
        if (got == 0)
            end_child(child);
        *sum += got;
    }
    reap(child);
    return takes;
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "round-trips", required_argument, NULL, 'n' },
        { "posts", required_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 }
    };
    if (course_options(argc, argv, usage, options, on_option) < argc)
        usage_error("too many arguments");

    cpu_set_t usable;                   /* the CPUs this process may run on */
    if (sched_getaffinity(0, sizeof usable, &usable) == -1)
        err(EXIT_FAILURE, "sched_getaffinity");
    int cpu[2] = { -1, -1 }, found = 0;
    for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
        if (CPU_ISSET(c, &usable))
            cpu[found++] = c;
    if (found == 2)
        say("%d CPUs usable: the lesson uses CPU %d and CPU %d\n", CPU_COUNT(&usable),
            cpu[0], cpu[1]);
    else
        say("1 CPU usable: the lesson uses CPU %d only\n", cpu[0]);
    struct sigaction watch = { .sa_handler = on_child_end, .sa_flags = SA_RESTART };
    sigemptyset(&watch.sa_mask);
    if (sigaction(SIGCHLD, &watch, NULL) == -1)
        err(EXIT_FAILURE, "sigaction");

    eventfds.to_child[0] = eventfds.to_child[1] = eventfd(0, 0);
    eventfds.to_parent[0] = eventfds.to_parent[1] = eventfd(0, 0);
    if (eventfds.to_child[0] == -1 || eventfds.to_parent[0] == -1)
        err(EXIT_FAILURE, "eventfd");
    if (pipe(pipes.to_child) == -1 || pipe(pipes.to_parent) == -1)
        err(EXIT_FAILURE, "pipe");
    say("eventfd: fd %d (parent to child) and fd %d (child to parent): one descriptor each way\n",
        eventfds.to_child[0], eventfds.to_parent[0]);
    say("pipe: fd %d -> fd %d (parent to child) and fd %d -> fd %d (child to parent): "
        "two descriptors each way\n", pipes.to_child[1], pipes.to_child[0],
        pipes.to_parent[1], pipes.to_parent[0]);
    show_fdinfo(eventfds.to_child[0]);
    show_fdinfo(eventfds.to_parent[0]);
    checkpoint("channels-created", eventfds.to_child[0]);

    struct channel *both[] = { &eventfds, &pipes };
    for (int across = 0; across < 2; across++) {
        if (across && found < 2) {
            say("ping-pong across CPUs: skipped: only one CPU is usable here\n");
            break;
        }
        say("ping-pong %s: parent on CPU %d, child on CPU %d, %" PRIu64 " round trips each\n",
            across ? "across CPUs" : "on one CPU", cpu[0], cpu[across], round_trips);
        for (int i = 0; i < 2; i++) {
            uint64_t ns = ping_pong(both[i], cpu[0], cpu[across]);
            say("%s: %" PRIu64 " round trips in %.0f µs: %.2f µs per round trip\n", both[i]->name,
                round_trips, (double) ns / 1e3, (double) ns / 1e3 / (double) round_trips);
        }
    }

    say("streaming on CPU %d: the child posts %" PRIu64 " notifications of 1, the parent "
        "reads until they add up to %" PRIu64 "\n", cpu[0], posts, posts);
    for (int i = 0; i < 2; i++) {
        uint64_t sum, reads = stream(both[i], cpu[0], &sum);
        say("%s: %" PRIu64 " posts taken by %" PRIu64 " read(s), %.2f posts per read: %s\n",
            both[i]->name, sum, reads, (double) sum / (double) reads,
            i == 0 ? "a read takes the whole count" : "a read of 8 bytes takes one post");
    }
    show_fdinfo(eventfds.to_parent[0]);
    checkpoint("streamed", eventfds.to_parent[0]);

    say("all %u children exited with status 0 and were reaped\n", children_reaped);
    return close_channels() == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
