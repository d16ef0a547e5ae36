/* wakeup-cost — what a wake-up costs through eventfd, pipe, socketpair, futex and semaphore.
 *
 * What it shows
 *   A parent and a forked child play ping-pong: the parent posts, the child
 *   wakes and posts back, the parent wakes. One such round trip is two
 *   wake-ups and (on one CPU) two context switches, whatever carries the post:
 *     eventfd     two eventfds, one per direction: write 1, read the count
 *     pipe        two pipes, one byte each way
 *     socketpair  one AF_UNIX stream socket pair, one byte each way
 *     futex       two 32-bit words in MAP_SHARED memory, FUTEX_WAIT/FUTEX_WAKE
 *                 without FUTEX_PRIVATE_FLAG (two processes), the floor of a
 *                 blocking wake-up: no file, no buffer, only the wait queue
 *     semaphore   two sem_t with pshared=1 in MAP_SHARED memory
 *   The child pins itself, then posts "ready" (the handshake) before the
 *   clock starts; a warm-up follows; then every timed round trip is one
 *   sample (clock_gettime(CLOCK_MONOTONIC) after each). Placements, set with
 *   sched_setaffinity(): both on the same CPU, on different CPUs, and
 *   unpinned (the scheduler decides: shown, never ranked). Each run measures
 *   every mechanism in every placement; the order of the mechanisms rotates
 *   from run to run so that none always goes first. The table gives, per
 *   mechanism and placement, the median of the run medians with their
 *   spread (smallest..largest run median), the median p99, the smallest
 *   sample, the median of the run means, and the ratios to pipe and futex.
 *   Then streaming: the child posts N notifications of 1 as fast as it can
 *   and the parent reads until they add up to N. An eventfd read takes the
 *   whole count, so many posts coalesce into one read; pipe and socket reads
 *   here read into a 64 KiB buffer and count bytes (a 1-byte read would not
 *   coalesce); a sem_wait() takes exactly one post.
 *   A wake-up sent to another CPU that has gone idle also waits for that CPU
 *   to leave its idle state; in a virtual machine that is a trip through the
 *   host, and it can cost more than everything else together. With
 *   --cpu-dma-latency 0 the benchmark asks the kernel (PM QoS, through
 *   /dev/cpu_dma_latency) to keep every CPU out of idle states while it
 *   measures, so the different-CPUs rows show the wake-up itself; the first
 *   lines say which of the two the figures are.
 *   The report (environment, tables) is printed as a table; events (the
 *   channels shown, the children reaped) use say().
 *   This is the course's benchmark, not a lesson: lesson 18
 *   (demos/18-wakeup-cost.c) tells the same story in 200 lines with eventfd
 *   and a pipe; this program measures all five carefully.
 *
 * How to run
 *   build/bench/wakeup-cost [--pause] [--round-trips N] [--warmup N] [--runs R]
 *       [--posts N] [--budget MS] [--mechanism M] [--placement P]
 *       [--cpu-dma-latency US] [--csv FILE]
 *   Defaults: 1000 round trips after 200 of warm-up, 5 runs, 20000 posts,
 *   and at most 25 ms per measurement (--budget), so that a plain run takes
 *   about a second even where a round trip between CPUs is slow; the table
 *   shows how many round trips each row really made. --budget 0 lifts the
 *   limit. --mechanism and --placement measure one of each only.
 *   `make bench` (bench/run-wakeup-cost) runs 100000 timed round trips after
 *   10000 of warm-up with --cpu-dma-latency 0 (as root), then the eventfd
 *   across CPUs with idle states allowed, and compares the pipe on one CPU
 *   with `perf bench sched pipe`.
 *   --csv FILE also writes the raw figures to FILE, one row per run, with a
 *   header row that names the columns: what bench/run-wakeup-cost reads, by
 *   name, and what a spreadsheet opens. The table still goes to stdout.
 *   `taskset -c 0 build/bench/wakeup-cost` shows what one usable CPU gives.
 *
 * What to inspect (with --pause)
 *   channels-created  the first eventfd pair, before the first child: both
 *                     counts 0 (cat /proc/PID/fdinfo/FD for both fds); with
 *                     --cpu-dma-latency 0, `od -An -td4 /dev/cpu_dma_latency`
 *                     reads 0, and ls -l /proc/PID/fd shows who holds it
 *
 * Kernel: eventfd since 2.6.22, futex since 2.6.0, /dev/cpu_dma_latency since
 * 2.6.25; nothing newer is needed.
 * Figures are this machine's: a virtual machine, a busy host or a power-saving
 * CPU moves them a lot; the relations between them move much less.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "course.h"

#define MAX_ROUND_TRIPS 10000000   /* 80 MB of samples */
#define MAX_RUNS 99
#define MAX_POSTS 100000000
#define MAX_BUDGET_MS 3600000
#define MAX_IDLE_LATENCY_US 2000000000   /* the kernel's "no limit" */

static const char usage[] =
    "[--pause] [--round-trips N] [--warmup N] [--runs R] [--posts N] [--budget MS]\n"
    "       [--mechanism M] [--placement P] [--cpu-dma-latency US] [--csv FILE]\n"
    "  --round-trips N  timed round trips per mechanism, placement and run:\n"
    "                   100..10000000 (default 1000)\n"
    "  --warmup N       untimed round trips before them: 0..10000000 (default 200)\n"
    "  --runs R         repeated runs, mechanisms in a rotating order: 1..99 (default 5)\n"
    "  --posts N        notifications in each streaming test: 1..100000000 (default 20000)\n"
    "  --budget MS      time limit of one measurement (mechanism, placement, run) in ms:\n"
    "                   the warm-up stops at a tenth of it, the timed round trips at\n"
    "                   all of it; the table shows the round trips made. 0..3600000,\n"
    "                   0 = no limit (default 25: about a second in all)\n"
    "  --mechanism M    measure only M: eventfd, pipe, socketpair, futex or semaphore\n"
    "  --placement P    measure only P: same-cpu, different-cpus or unpinned\n"
    "  --cpu-dma-latency US\n"
    "                   while measuring, keep every CPU out of idle states that take\n"
    "                   longer than US µs to leave (0: an idle CPU polls instead):\n"
    "                   0..2000000000; needs write access to /dev/cpu_dma_latency (root)\n"
    "  --csv FILE       also write the raw figures to FILE as CSV: a header row that\n"
    "                   names the columns, then one row per run (the table still goes\n"
    "                   to stdout)\n";

enum mechanism { EVENTFD, PIPE, SOCKETPAIR, FUTEX, SEMAPHORE, MECHANISMS };
static const char *const mechanism_name[MECHANISMS] = {
    "eventfd", "pipe", "socketpair", "futex", "semaphore"
};
static const char *const one_read_takes[MECHANISMS] = {
    "the whole count (read returns the sum)",
    "every byte waiting (64 KiB buffer, bytes counted)",
    "every byte waiting (64 KiB buffer, bytes counted)",
    "the whole word (atomic exchange with 0)",
    "exactly one post (sem_wait subtracts 1)",
};

enum placement { SAME_CPU, DIFFERENT_CPUS, UNPINNED, PLACEMENTS };
static const char *const placement_name[PLACEMENTS] = { "same CPU", "different CPUs", "unpinned" };
static const char *const placement_id[PLACEMENTS] = { "same-cpu", "different-cpus", "unpinned" };

static uint64_t round_trips = 1000, warmup = 200, runs = 5, posts = 20000, budget_ms = 25;
static FILE *csv;                                       /* --csv FILE, or NULL */
static const char *csv_path;
static int only_mechanism = -1, only_placement = -1;   /* -1: all */
static int64_t idle_latency_us = -1;                    /* -1: not held */
static int idle_request_fd = -1;                        /* holds it while open */

static int lookup(const char *const *names, int count, const char *name, const char *what)
{
    for (int i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    usage_error("%s '%s' is not one of those listed", what, name);
}

static void on_option(int val, const char *arg)
{
    switch (val) {
    case 'n': round_trips = parse_u64(arg, "--round-trips", 100, MAX_ROUND_TRIPS); break;
    case 'w': warmup = parse_u64(arg, "--warmup", 0, MAX_ROUND_TRIPS); break;
    case 'r': runs = parse_u64(arg, "--runs", 1, MAX_RUNS); break;
    case 'p': posts = parse_u64(arg, "--posts", 1, MAX_POSTS); break;
    case 'b': budget_ms = parse_u64(arg, "--budget", 0, MAX_BUDGET_MS); break;
    case 'm': only_mechanism = lookup(mechanism_name, MECHANISMS, arg, "--mechanism"); break;
    case 'l': only_placement = lookup(placement_id, PLACEMENTS, arg, "--placement"); break;
    case 'd':
        idle_latency_us = (int64_t) parse_u64(arg, "--cpu-dma-latency", 0, MAX_IDLE_LATENCY_US);
        break;
    case 'c':
        if (arg[0] == '\0')
            usage_error("--csv needs a file name");
        csv_path = arg;
        break;
    }
}


/* printf() for the report, checked: a lost line is an error like any other. */
static void report(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int written = vprintf(format, ap);
    va_end(ap);
    if (written < 0)
        die("printf");
}

/* One row of the --csv file, checked like report(); nothing without --csv. */
static void csv_row(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void csv_row(const char *format, ...)
{
    if (csv == NULL)
        return;
    va_list ap;
    va_start(ap, format);
    int written = vfprintf(csv, format, ap);
    va_end(ap);
    if (written < 0)
        die(csv_path);
}

/* ---- the five ways to post and to wait ---------------------------------- */

/* eventfd: a post adds 1 to the counter; a take returns the whole count and
 * resets it to 0, sleeping while it is 0. */
static void eventfd_post(int efd)
{
    uint64_t one = 1;
    ssize_t put;
    while ((put = write(efd, &one, sizeof one)) == -1 && errno == EINTR)
        continue;                   /* a signal handler ran: write again */
    if (put != sizeof one)
        die("write eventfd");
}

static uint64_t eventfd_take(int efd)
{
    uint64_t count;
    ssize_t got;
    while ((got = read(efd, &count, sizeof count)) == -1 && errno == EINTR)
        continue;                   /* a signal handler ran: read again */
    if (got != sizeof count)
        die("read eventfd");
    return count;
}

/* pipe or stream socket: a post is one byte; a take reads every byte that
 * is waiting (up to 64 KiB) and counts them. */
static void byte_post(int fd)
{
    ssize_t put;
    while ((put = write(fd, "", 1)) == -1 && errno == EINTR)
        continue;
    if (put != 1)
        die("write");
}

static uint64_t byte_take(int fd)
{
    static char buffer[65536];
    ssize_t got;
    while ((got = read(fd, buffer, sizeof buffer)) == -1 && errno == EINTR)
        continue;
    if (got == -1)
        die("read");
    if (got == 0) {
        errno = EPIPE;
        die("read (end of file: the other side closed)");
    }
    return (uint64_t) got;
}

/* futex: the word counts posts, like an eventfd's counter, but in memory
 * that both processes map (MAP_SHARED). No FUTEX_PRIVATE_FLAG: a private
 * futex is keyed by one process's address space, and the other process
 * would wait on a different queue. The kernel is only asked to wake when
 * the word goes from 0 to 1, and only asked to sleep while it is 0. */
static long futex(_Atomic uint32_t *word, int op, uint32_t value)
{
    return syscall(SYS_futex, word, op, value, NULL, NULL, 0);
}

static void futex_post(_Atomic uint32_t *word)
{
    if (atomic_fetch_add(word, 1) == 0)
        while (futex(word, FUTEX_WAKE, 1) == -1)
            if (errno != EINTR)
                die("futex FUTEX_WAKE");
}

static uint64_t futex_take(_Atomic uint32_t *word)
{
    uint32_t count;
    while ((count = atomic_exchange(word, 0)) == 0)
        if (futex(word, FUTEX_WAIT, 0) == -1 && errno != EAGAIN && errno != EINTR)
            die("futex FUTEX_WAIT");
    return count;
}

/* semaphore: a post adds 1; a wait subtracts 1, sleeping while it is 0. */
static void semaphore_post(sem_t *sem)
{
    if (sem_post(sem) == -1)
        die("sem_post");
}

static uint64_t semaphore_take(sem_t *sem)
{
    while (sem_wait(sem) == -1)
        if (errno != EINTR)
            die("sem_wait");
    return 1;
}

/* ---- channels: one per direction ---------------------------------------- */

enum { TO_CHILD, TO_PARENT };

struct shared {                     /* MAP_SHARED: the same memory in both processes */
    _Atomic uint32_t word[2];       /* futex, one word per direction */
    sem_t sem[2];                   /* semaphore, one per direction */
    _Alignas(64) atomic_bool stop;  /* the parent's "that was the last one" */
};

struct channels {
    enum mechanism kind;
    int fd[2][2];                   /* per direction: [0] read by the receiver, [1] written by the sender */
    struct shared *shared;
};

struct end {                        /* one process's view: take from 'in', post to 'out' */
    const struct channels *ch;
    int in, out;
};

static void open_channels(enum mechanism kind, struct channels *ch)
{
    ch->kind = kind;
    ch->shared = mmap(NULL, sizeof *ch->shared, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (ch->shared == MAP_FAILED)
        die("mmap");
    atomic_init(&ch->shared->stop, false);
    switch (kind) {
    case EVENTFD:
        for (int d = 0; d < 2; d++) {
            int efd = eventfd(0, 0);
            if (efd == -1)
                die("eventfd");
            ch->fd[d][0] = ch->fd[d][1] = efd;
        }
        break;
    case PIPE:
        for (int d = 0; d < 2; d++)
            if (pipe(ch->fd[d]) == -1)
                die("pipe");
        break;
    case SOCKETPAIR: {
        int sv[2];                  /* sv[0] is the parent's end, sv[1] the child's */
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
            die("socketpair");
        ch->fd[TO_CHILD][0] = sv[1];
        ch->fd[TO_CHILD][1] = sv[0];
        ch->fd[TO_PARENT][0] = sv[0];
        ch->fd[TO_PARENT][1] = sv[1];
        break;
    }
    case FUTEX:
    case SEMAPHORE:
        for (int d = 0; d < 2; d++) {
            atomic_init(&ch->shared->word[d], 0);
            if (kind == SEMAPHORE && sem_init(&ch->shared->sem[d], 1, 0) == -1)
                die("sem_init");
        }
        for (int d = 0; d < 2; d++)
            ch->fd[d][0] = ch->fd[d][1] = -1;
        break;
    case MECHANISMS:
        break;
    }
}

/* Each process closes every descriptor it holds; the parent, which outlives
 * the child, also destroys the semaphores. */
static void close_channels(struct channels *ch, bool last_user)
{
    switch (ch->kind) {
    case EVENTFD:
    case SOCKETPAIR:                /* fd[TO_PARENT] holds both sockets */
        if (close(ch->fd[TO_CHILD][0]) == -1 || close(ch->fd[TO_PARENT][0]) == -1)
            die("close");
        break;
    case PIPE:
        for (int d = 0; d < 2; d++)
            if (close(ch->fd[d][0]) == -1 || close(ch->fd[d][1]) == -1)
                die("close");
        break;
    case FUTEX:
    case SEMAPHORE:
        if (last_user && ch->kind == SEMAPHORE)
            for (int d = 0; d < 2; d++)
                if (sem_destroy(&ch->shared->sem[d]) == -1)
                    die("sem_destroy");
        break;
    case MECHANISMS:
        break;
    }
    if (munmap(ch->shared, sizeof *ch->shared) == -1)
        die("munmap");
}

static struct end end_of(const struct channels *ch, bool parent)
{
    int in = parent ? TO_PARENT : TO_CHILD, out = parent ? TO_CHILD : TO_PARENT;
    return (struct end){ ch, in, out };
}

static void post(const struct end *e)
{
    switch (e->ch->kind) {
    case EVENTFD: eventfd_post(e->ch->fd[e->out][1]); break;
    case PIPE:
    case SOCKETPAIR: byte_post(e->ch->fd[e->out][1]); break;
    case FUTEX: futex_post(&e->ch->shared->word[e->out]); break;
    case SEMAPHORE: semaphore_post(&e->ch->shared->sem[e->out]); break;
    case MECHANISMS: break;
    }
}

/* Returns how many posts the wake-up delivered. */
static uint64_t take(const struct end *e)
{
    switch (e->ch->kind) {
    case EVENTFD: return eventfd_take(e->ch->fd[e->in][0]);
    case PIPE:
    case SOCKETPAIR: return byte_take(e->ch->fd[e->in][0]);
    case FUTEX: return futex_take(&e->ch->shared->word[e->in]);
    case SEMAPHORE: return semaphore_take(&e->ch->shared->sem[e->in]);
    case MECHANISMS: break;
    }
    return 0;
}

/* In a ping-pong exactly one post is ever outstanding. */
static void take_one(const struct end *e)
{
    if (take(e) != 1) {
        errno = EPROTO;
        die("take (expected exactly one post)");
    }
}

/* ---- processes, CPUs and the clock --------------------------------------- */

static cpu_set_t usable;                    /* the CPUs we were allowed at start */
static int first_cpu = -1, second_cpu = -1;
static bool one_cpu;                        /* then there is no "different CPUs" */
static volatile sig_atomic_t measured_child; /* the child being measured, or 0 */
static unsigned children_reaped;

/* Copies 'text' with its '\0' to 'to' + 'at' (the end of the string in 'to',
 * which has room) and returns the new length. strlen() and memcpy() are
 * async-signal-safe, as the handler below needs; snprintf() is not. */
static size_t append(char *to, size_t at, const char *text)
{
    size_t n = strlen(text);
    memcpy(to + at, text, n + 1);
    return at + n;
}

/* A child that fails would leave the parent waiting for a post that never
 * comes (an eventfd has no end of file). On SIGCHLD the parent peeks,
 * without reaping (WNOWAIT), at how the child ended: a normal exit is
 * reaped later by waitpid() as usual; anything else ends the lesson now.
 * Only async-signal-safe calls here. */
static void on_sigchld(int sig)
{
    (void) sig;
    int saved_errno = errno;
    pid_t child = (pid_t) measured_child;
    siginfo_t info;
    info.si_pid = 0;
    if (child > 0 && waitid(P_PID, (id_t) child, &info, WEXITED | WNOHANG | WNOWAIT) == 0
            && info.si_pid == child
            && !(info.si_code == CLD_EXITED && info.si_status == 0)) {
        char digits[12], *number = digits + sizeof digits;   /* filled from the end */
        *--number = '\0';
        unsigned n = (unsigned) info.si_status;
        do
            *--number = (char) ('0' + n % 10);
        while (n /= 10);
        char message[96] = "";      /* 37 + 12 + 10 + 12 bytes at most, and the '\0' */
        size_t length = append(message, 0, "wakeup-cost: a child ended early (");
        length = append(message, length, info.si_code == CLD_EXITED ? "exit status " : "signal ");
        length = append(message, length, number);
        length = append(message, length, "); stopping\n");
        waitpid(child, NULL, 0);
        ssize_t ignored = write(STDERR_FILENO, message, length);
        (void) ignored;
        _exit(EXIT_FAILURE);
    }
    errno = saved_errno;
}

static void pin(const cpu_set_t *cpus)
{
    if (sched_setaffinity(0, sizeof *cpus, cpus) == -1)
        die("sched_setaffinity");
}

static void cpus_for(enum placement where, bool parent, cpu_set_t *cpus)
{
    if (where == UNPINNED) {
        *cpus = usable;
        return;
    }
    CPU_ZERO(cpus);
    CPU_SET(where == DIFFERENT_CPUS && !parent ? second_cpu : first_cpu, cpus);
}

/* The csv's parent_cpu and child_cpu columns: "0,1", or both empty where unpinned. */
static void cpu_columns(enum placement where, char *text, size_t size)
{
    if (where == UNPINNED)
        snprintf(text, size, ",");
    else
        snprintf(text, size, "%d,%d", first_cpu,
                 where == DIFFERENT_CPUS ? second_cpu : first_cpu);
}

/* fork() with SIGCHLD blocked until the parent knows its child's pid. In the
 * child: die with the parent (no orphan), pin, return 0. */
static pid_t start_child(enum placement where)
{
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &chld, &old) == -1)
        die("sigprocmask");
    pid_t parent = getpid();
    pid_t child = fork();
    switch (child) {
    case -1:
        die("fork");
    case 0: {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
            die("prctl PR_SET_PDEATHSIG");
        if (getppid() != parent)
            _exit(EXIT_FAILURE);        /* the parent is already gone */
        if (sigprocmask(SIG_SETMASK, &old, NULL) == -1)
            die("sigprocmask");
        if (idle_request_fd != -1 && close(idle_request_fd) == -1)
            die("close /dev/cpu_dma_latency");   /* the parent's request, not ours */
        /* The --csv file is the parent's too. close(), not fclose(): fclose()
         * would write out the rows the parent has buffered a second time. */
        if (csv != NULL && close(fileno(csv)) == -1)
            die("close --csv file");
        cpu_set_t cpus;
        cpus_for(where, false, &cpus);
        pin(&cpus);
        return 0;
    }
    default:
        measured_child = (sig_atomic_t) child;
        if (sigprocmask(SIG_SETMASK, &old, NULL) == -1)
            die("sigprocmask");
        return child;
    }
}

static void reap(pid_t child)
{
    int status;
    while (waitpid(child, &status, 0) == -1)
        if (errno != EINTR)
            die("waitpid");
    measured_child = 0;
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        say("child %ld %s\n", (long) child, describe_status(status));
        exit(EXIT_FAILURE);
    }
    children_reaped++;
}

static uint64_t now_ns(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) == -1)
        die("clock_gettime");
    return (uint64_t) t.tv_sec * 1000000000u + (uint64_t) t.tv_nsec;
}

/* ---- idle states --------------------------------------------------------- */

/* A CPU with nothing to run enters an idle state, and the deeper the state,
 * the longer it takes to leave: a wake-up sent to an idle CPU waits for that.
 * (In a virtual machine an idle vCPU halts, the host takes it off its CPU,
 * and the wake-up goes through the host.) A PM QoS request written to
 * /dev/cpu_dma_latency, a 4-byte int in µs, caps that exit latency on every
 * CPU for as long as the file stays open; the kernel drops the request when
 * the file is closed, also when the process dies. Reading the file returns
 * the limit now in force: the smallest of all requests. */
static int32_t hold_idle_latency(int32_t max_us)
{
    idle_request_fd = open("/dev/cpu_dma_latency", O_RDWR | O_CLOEXEC);
    if (idle_request_fd == -1)
        die("open /dev/cpu_dma_latency");
    if (write(idle_request_fd, &max_us, sizeof max_us) != sizeof max_us)
        die("write /dev/cpu_dma_latency");
    int32_t in_force;
    if (read(idle_request_fd, &in_force, sizeof in_force) != sizeof in_force)
        die("read /dev/cpu_dma_latency");
    return in_force;
}

static void release_idle_latency(void)
{
    if (idle_request_fd != -1 && close(idle_request_fd) == -1)
        die("close /dev/cpu_dma_latency");
    idle_request_fd = -1;
}

/* ---- measuring ----------------------------------------------------------- */

struct figures {                /* one run of one mechanism in one placement, ns */
    uint64_t warmup, count, median, p99, min, total;
};

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return (x > y) - (x < y);
}

static uint64_t median_of(uint64_t *values, size_t n)   /* sorts 'values' */
{
    if (n == 0) {                   /* no values, no median: the caller's bug */
        errno = EINVAL;
        die("median_of (no values)");
    }
    qsort(values, n, sizeof *values, by_value);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static void show_channels_once(const struct channels *ch)
{
    static bool shown;
    if (shown || ch->kind != EVENTFD)
        return;
    shown = true;
    say("created the eventfd channels: fd %d (parent to child) and fd %d (child to parent)\n",
        ch->fd[TO_CHILD][1], ch->fd[TO_PARENT][0]);
    show_fdinfo(ch->fd[TO_CHILD][1]);
    show_fdinfo(ch->fd[TO_PARENT][0]);
    checkpoint("channels-created", ch->fd[TO_CHILD][1]);
}

static struct figures measure_round_trips(enum mechanism kind, enum placement where,
                                          uint64_t *samples)
{
    struct channels ch;
    cpu_set_t cpus;
    cpus_for(where, true, &cpus);
    pin(&cpus);                          /* the child starts where its parent is */
    open_channels(kind, &ch);
    show_channels_once(&ch);

    pid_t child = start_child(where);
    if (child == 0) {                    /* the child answers every post but the last */
        struct end me = end_of(&ch, false);
        post(&me);                       /* ready: pinned, about to wait */
        for (;;) {
            take_one(&me);
            if (atomic_load(&ch.shared->stop))
                break;
            post(&me);
        }
        close_channels(&ch, false);
        _exit(EXIT_SUCCESS);
    }

    struct end me = end_of(&ch, true);
    struct figures f = { 0 };
    take_one(&me);                       /* the child is ready */
    uint64_t budget = budget_ms ? budget_ms * 1000000 : UINT64_MAX, begin = now_ns();
    while (f.warmup < warmup && now_ns() - begin < budget / 10) {
        post(&me);
        take_one(&me);
        f.warmup++;
    }
    uint64_t start = now_ns(), before = start;
    while (f.count < round_trips && (f.count == 0 || before - begin < budget)) {
        post(&me);
        take_one(&me);
        uint64_t after = now_ns();
        samples[f.count++] = after - before;
        before = after;
    }
    atomic_store(&ch.shared->stop, true);
    post(&me);                           /* the child's last wake-up: it ends */
    reap(child);
    close_channels(&ch, true);

    f.total = before - start;
    f.median = median_of(samples, f.count);                 /* sorted now */
    f.p99 = samples[(99 * f.count + 99) / 100 - 1];         /* nearest rank */
    f.min = samples[0];
    return f;
}

struct stream {
    uint64_t sum, reads, ns;
};

static struct stream measure_stream(enum mechanism kind, enum placement where)
{
    struct channels ch;
    cpu_set_t cpus;
    cpus_for(where, true, &cpus);
    pin(&cpus);
    open_channels(kind, &ch);

    pid_t child = start_child(where);
    if (child == 0) {                    /* the child posts as fast as it can */
        struct end me = end_of(&ch, false);
        post(&me);                       /* ready */
        take_one(&me);                   /* go */
        for (uint64_t i = 0; i < posts; i++)
            post(&me);
        close_channels(&ch, false);
        _exit(EXIT_SUCCESS);
    }

    struct end me = end_of(&ch, true);
    struct stream s = { 0, 0, 0 };
    take_one(&me);                       /* the child is ready */
    uint64_t start = now_ns();
    post(&me);                           /* go */
    while (s.sum < posts) {
        s.sum += take(&me);
        s.reads++;
    }
    s.ns = now_ns() - start;
    reap(child);
    close_channels(&ch, true);
    return s;
}

/* ---- the report ---------------------------------------------------------- */

/* The first line of a small text file such as a sysfs attribute, without its
 * newline; "none" where the file does not exist or cannot be read. */
static void first_line(const char *path, char *text, size_t size)
{
    snprintf(text, size, "none");
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return;
    if (fgets(text, (int) size, file))
        text[strcspn(text, "\n")] = '\0';
    fclose(file);                       /* read-only: nothing to lose */
}

static void print_environment(void)
{
    struct utsname u;
    if (uname(&u) == -1)
        die("uname");
    report("kernel: %s %s %s (%s)\n", u.sysname, u.release, u.machine, u.version);

    char line[4096], model[256] = "unknown (no 'model name' in /proc/cpuinfo)";
    bool hypervisor = false, have_flags = false;
    FILE *cpuinfo = fopen("/proc/cpuinfo", "r");
    if (cpuinfo == NULL)
        die("fopen /proc/cpuinfo");
    while (fgets(line, sizeof line, cpuinfo)) {
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        char *value = colon + 1 + strspn(colon + 1, " \t");
        value[strcspn(value, "\n")] = '\0';
        if (strncmp(line, "model name", 10) == 0 && model[0] == 'u')
            snprintf(model, sizeof model, "%s", value);
        if (strncmp(line, "flags", 5) == 0 && !have_flags) {
            have_flags = true;
            for (char *word = strtok(value, " "); word; word = strtok(NULL, " "))
                hypervisor = hypervisor || strcmp(word, "hypervisor") == 0;
        }
    }
    if (ferror(cpuinfo))
        die("fgets /proc/cpuinfo");
    if (fclose(cpuinfo) == EOF)
        die("fclose /proc/cpuinfo");
    report("cpu: %s\n", model);

    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (online == -1)
        die("sysconf _SC_NPROCESSORS_ONLN");
    report("cpus: %ld online, %d usable by this process:", online, CPU_COUNT(&usable));
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &usable))
            report(" %d", cpu);
    report("\n");
    if (hypervisor)
        report("virtual machine: yes (/proc/cpuinfo has the 'hypervisor' flag)\n");
    else if (have_flags)
        report("virtual machine: no 'hypervisor' flag in /proc/cpuinfo (bare metal, "
               "or a hypervisor that hides it)\n");
    else
        report("virtual machine: unknown (no x86 'flags' line in /proc/cpuinfo)\n");

    double load[3];                      /* 1, 5 and 15 minute averages */
    FILE *loadavg = fopen("/proc/loadavg", "r");
    if (loadavg == NULL)
        die("fopen /proc/loadavg");
    if (fscanf(loadavg, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) {
        errno = EINVAL;
        die("fscanf /proc/loadavg");
    }
    if (fclose(loadavg) == EOF)
        die("fclose /proc/loadavg");
    report("load: %.2f %.2f %.2f (/proc/loadavg; other work on these CPUs shows up in "
           "the figures)\n", load[0], load[1], load[2]);

    char source[64];
    first_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
               source, sizeof source);
    uint64_t gaps[1001];
    uint64_t before = now_ns();
    for (int i = 0; i < 1001; i++) {
        uint64_t after = now_ns();
        gaps[i] = after - before;
        before = after;
    }
    report("clock: CLOCK_MONOTONIC, clocksource %s; one reading takes about %" PRIu64
           " ns, inside every sample\n", source, median_of(gaps, 1001));
}

/* in_force: the limit the kernel applies now, if this run holds one. */
static void print_idle_states(int32_t in_force)
{
    char driver[64], governor[64];
    first_line("/sys/devices/system/cpu/cpuidle/current_driver", driver, sizeof driver);
    first_line("/sys/devices/system/cpu/cpuidle/current_governor", governor, sizeof governor);
    if (idle_request_fd != -1)
        report("idle states: held off: --cpu-dma-latency %" PRId64 " asks that no CPU enter an "
               "idle state taking longer\n  to leave; /dev/cpu_dma_latency reads %" PRId32
               " µs in force (cpuidle driver %s, governor %s)\n",
               idle_latency_us, in_force, driver, governor);
    else
        report("idle states: allowed: a wake-up sent to an idle CPU waits until it leaves its "
               "idle state\n  (cpuidle driver %s, governor %s; --cpu-dma-latency 0 holds them "
               "off)\n", driver, governor);
}

static double us(uint64_t ns) { return (double) ns / 1000.0; }

struct summary {
    uint64_t median, low, high, p99, min, mean, count;
};

static bool measured(int kind, int where)
{
    return (only_mechanism == -1 || only_mechanism == kind)
        && (only_placement == -1 || only_placement == where)
        && !(where == DIFFERENT_CPUS && one_cpu);
}

static struct summary summarise(struct figures *per_run, size_t n)
{
    uint64_t medians[MAX_RUNS], p99s[MAX_RUNS], means[MAX_RUNS];
    struct summary s = { .min = UINT64_MAX };
    for (size_t r = 0; r < n; r++) {
        medians[r] = per_run[r].median;
        p99s[r] = per_run[r].p99;
        means[r] = per_run[r].total / per_run[r].count;
        s.min = per_run[r].min < s.min ? per_run[r].min : s.min;
        s.count += per_run[r].count;
    }
    s.median = median_of(medians, n);
    s.low = medians[0];
    s.high = medians[n - 1];
    s.p99 = median_of(p99s, n);
    s.mean = median_of(means, n);
    return s;
}

/* The round-trip table: one row per placement and mechanism, all runs. */
static void print_round_trips(struct figures (*figures)[PLACEMENTS][MECHANISMS])
{
    unsigned measurements = 0, cut = 0;
    report("\nround trip in µs: parent posts, child wakes and posts back, parent wakes\n");
    report("%-15s %-11s %9s  %-20s %7s %7s %7s %7s %7s\n", "placement", "mechanism",
           "trips", "median [spread]", "p99", "min", "mean", "x pipe", "x futex");
    for (int where = 0; where < PLACEMENTS; where++) {
        if (where == DIFFERENT_CPUS && one_cpu) {
            report("%-15s skipped: only one CPU is usable here\n", placement_name[where]);
            continue;
        }
        struct summary s[MECHANISMS];
        for (int kind = 0; kind < MECHANISMS; kind++) {
            if (!measured(kind, where))
                continue;
            struct figures per_run[MAX_RUNS];
            for (uint64_t run = 0; run < runs; run++)
                per_run[run] = figures[run][where][kind];
            s[kind] = summarise(per_run, runs);
            for (uint64_t run = 0; run < runs; run++) {
                measurements++;
                cut += per_run[run].count < round_trips;
            }
        }
        for (int kind = 0; kind < MECHANISMS; kind++) {
            if (!measured(kind, where))
                continue;
            char spread[64];
            snprintf(spread, sizeof spread, "%.2f [%.2f..%.2f]",
                     us(s[kind].median), us(s[kind].low), us(s[kind].high));
            report("%-15s %-11s %9" PRIu64 "  %-20s %7.2f %7.2f %7.2f",
                   where == UNPINNED ? "unpinned*" : placement_name[where],
                   mechanism_name[kind], s[kind].count, spread, us(s[kind].p99),
                   us(s[kind].min), us(s[kind].mean));
            for (int base = PIPE; base <= FUTEX; base += FUTEX - PIPE)
                if (where == UNPINNED || !measured(base, where))
                    report(" %7s", "-");
                else
                    report(" %7.2f", (double) s[kind].median / (double) s[base].median);
            report("\n");
        }
    }
    report("median: median of the run medians [smallest..largest run median]; p99: median of "
           "the run p99s;\nmin: smallest sample of all runs; mean: median of the run means "
           "(time / round trips, as\nperf bench sched pipe counts); x pipe, x futex: median "
           "over the median in the same placement.\n* unpinned: the scheduler decides where "
           "each side runs: scheduler-dependent, never ranked.\n");
    if (budget_ms)
        report("--budget %" PRIu64 " ms: %u of %u measurements stopped before %" PRIu64
               " round trips; their rows show fewer trips.\n", budget_ms, cut, measurements,
               round_trips);
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "round-trips", required_argument, NULL, 'n' },
        { "warmup", required_argument, NULL, 'w' },
        { "runs", required_argument, NULL, 'r' },
        { "posts", required_argument, NULL, 'p' },
        { "budget", required_argument, NULL, 'b' },
        { "mechanism", required_argument, NULL, 'm' },
        { "placement", required_argument, NULL, 'l' },
        { "csv", required_argument, NULL, 'c' },
        { "cpu-dma-latency", required_argument, NULL, 'd' },
        { NULL, 0, NULL, 0 }
    };
    int first_operand = course_options(argc, argv, usage, options, on_option);
    if (argc > first_operand)
        usage_error("too many arguments");

    if (sched_getaffinity(0, sizeof usable, &usable) == -1)
        die("sched_getaffinity");
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &usable)) {
            if (first_cpu == -1)
                first_cpu = cpu;
            else if (second_cpu == -1)
                second_cpu = cpu;
        }
    one_cpu = second_cpu == -1;

    struct sigaction watch = { .sa_handler = on_sigchld, .sa_flags = SA_RESTART };
    sigemptyset(&watch.sa_mask);
    if (sigaction(SIGCHLD, &watch, NULL) == -1)
        die("sigaction");

    uint64_t *samples = malloc(round_trips * sizeof *samples);
    struct figures (*figures)[PLACEMENTS][MECHANISMS] = calloc(runs, sizeof *figures);
    if (samples == NULL || figures == NULL)
        die("malloc");
    memset(samples, 0, round_trips * sizeof *samples);   /* no page faults while timing */
    int32_t in_force = -1;
    char idle_held[24] = "";            /* the csv's last column: empty when not held */
    if (idle_latency_us >= 0) {
        in_force = hold_idle_latency((int32_t) idle_latency_us);
        snprintf(idle_held, sizeof idle_held, "%" PRId64, idle_latency_us);
    }
    if (csv_path) {
        csv = fopen(csv_path, "we");    /* close-on-exec; children never write to it */
        if (csv == NULL)
            die(csv_path);
    }
    /* Every column has a name; bench/run-wakeup-cost reads them by name. The
     * CPUs are those of the parent and the child (empty where unpinned). */
    csv_row("kind,run,position,mechanism,placement,parent_cpu,child_cpu,warmup,count,"
            "median_us,p99_us,min_us,mean_us,sum,reads,posts_per_read,posts_per_s,"
            "cpu_dma_latency_us\n");
    print_environment();
    print_idle_states(in_force);
    report("placements: same CPU = CPU %d; ", first_cpu);
    if (one_cpu)
        report("different CPUs skipped: only one CPU is usable here; ");
    else
        report("different CPUs = CPU %d (parent) and CPU %d (child); ", first_cpu, second_cpu);
    report("unpinned = any usable CPU\n");
    report("method: %" PRIu64 " run(s); in each, every placement and every mechanism "
           "(order rotated each run):\n  ready handshake, %" PRIu64 " warm-up, %" PRIu64
           " timed round trips", runs, warmup, round_trips);
    if (budget_ms)
        report(", at most %" PRIu64 " ms each", budget_ms);
    report("\n");

    bool progress = isatty(STDERR_FILENO);
    for (uint64_t run = 0; run < runs; run++) {
        if (progress)
            fprintf(stderr, "wakeup-cost: run %" PRIu64 " of %" PRIu64 "\n", run + 1, runs);
        for (int where = 0; where < PLACEMENTS; where++) {
            char cpus[24];
            cpu_columns((enum placement) where, cpus, sizeof cpus);
            for (int position = 0; position < MECHANISMS; position++) {
                enum mechanism kind = (enum mechanism) ((run + (uint64_t) position) % MECHANISMS);
                if (!measured(kind, where))
                    continue;
                struct figures f = measure_round_trips(kind, (enum placement) where, samples);
                figures[run][where][kind] = f;
                csv_row("roundtrip,%" PRIu64 ",%d,%s,%s,%s,%" PRIu64 ",%" PRIu64
                        ",%.3f,%.3f,%.3f,%.3f,,,,,%s\n", run + 1, position + 1,
                        mechanism_name[kind], placement_id[where], cpus, f.warmup, f.count,
                        us(f.median), us(f.p99), us(f.min),
                        (double) f.total / 1000.0 / (double) f.count, idle_held);
            }
        }
    }

    print_round_trips(figures);
    report("\nstreaming: the child posts %" PRIu64 " notifications of 1 as fast as it can; "
           "the parent reads until they add up to %" PRIu64 "\n", posts, posts);
    report("%-15s %-11s %9s %12s %9s %10s  %s\n", "placement", "mechanism", "sum",
           "posts/s", "reads", "posts/read", "one read takes");
    for (int where = 0; where < UNPINNED; where++) {     /* pinned placements only */
        if (where == DIFFERENT_CPUS && one_cpu) {
            report("%-15s skipped: only one CPU is usable here\n", placement_name[where]);
            continue;
        }
        char cpus[24];
        cpu_columns((enum placement) where, cpus, sizeof cpus);
        for (int kind = 0; kind < MECHANISMS; kind++) {
            if (!measured(kind, where))
                continue;
            struct stream s = measure_stream((enum mechanism) kind, (enum placement) where);
            double per_read = (double) s.sum / (double) s.reads;
            double rate = (double) s.sum * 1e9 / (double) (s.ns ? s.ns : 1);
            csv_row("stream,1,%d,%s,%s,%s,,%" PRIu64 ",,,,,%" PRIu64 ",%" PRIu64 ",%.2f,%.0f,%s\n",
                    kind + 1, mechanism_name[kind], placement_id[where], cpus, posts, s.sum,
                    s.reads, per_read, rate, idle_held);
            report("%-15s %-11s %9" PRIu64 " %12.0f %9" PRIu64 " %10.2f  %s\n",
                   placement_name[where], mechanism_name[kind], s.sum, rate, s.reads,
                   per_read, one_read_takes[kind]);
        }
    }

    release_idle_latency();              /* the CPUs may idle again */
    pin(&usable);                        /* as we started */
    free(samples);
    free(figures);
    if (csv && fclose(csv) == EOF)
        die(csv_path);
    say("all %u children exited with status 0 and were reaped\n", children_reaped);
    if (fflush(stdout) == EOF)
        die("fflush stdout");
    return EXIT_SUCCESS;
}
