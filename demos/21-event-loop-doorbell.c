/* 21-event-loop-doorbell — an event loop's doorbell: other threads and signal handlers wake epoll_wait.
 *
 * What it shows
 *   The commonest real use of an eventfd. An event loop (libuv's uv_async_t,
 *   glib's GWakeup, gRPC's EventFdWakeupFd, tokio's (mio's) Waker) sleeps in
 *   epoll_wait() on its sockets, timers and one eventfd, the doorbell. Other
 *   threads hand it work: they put the item in a queue under a mutex, then
 *   ring the doorbell (write 1). The loop wakes, drains the doorbell (one
 *   read takes every ring since the last one), then empties the queue.
 *   The order matters. Enqueue, then ring; drain, then take: then every item
 *   is either taken by the loop's current turn or rung for after it. Ring
 *   first, and the loop can wake, drain, find the queue empty and sleep again
 *   before the item arrives: a lost wake-up. The lesson stages that wrong
 *   order in one thread, step by step, so that it happens every time.
 *   Threads. This lesson is one process with two threads, not a parent and
 *   children: the producer thread shares the loop's descriptors and memory.
 *   It waits until the loop thread sleeps in epoll_wait() (/proc/PID/stat
 *   and /proc/PID/syscall say so), then posts: each item wakes the loop once.
 *   Then it posts a burst back to back: the doorbell's count adds the rings
 *   up, and the loop takes many items per wake-up.
 *   Signals. write(2) is async-signal-safe, so a SIGTERM or SIGINT handler
 *   rings the doorbell itself: this replaces the classic self-pipe trick with
 *   one descriptor and a count instead of a pipe's bytes. epoll_wait() is
 *   never restarted after a handler, even with SA_RESTART (signal(7)): it
 *   fails with EINTR, the loop calls it again, and the doorbell has already
 *   rung. A signal that arrives while the loop is busy is not lost either:
 *   the count keeps it until the next epoll_wait().
 *
 * How to run
 *   build/21-event-loop-doorbell [--pause] [--items N] [--burst M] [--signal-from WHO]
 *   N: items posted one at a time, 1..100 (default 3); M: items posted back
 *   to back, 1..1000 (default 200). WHO sends the SIGTERM that stops the
 *   loop: "thread" (default), the producer thread, or "outside": the lesson
 *   waits for yours (kill -TERM PID, or Ctrl-C).
 *
 * What to inspect (with --pause; every checkpoint is in the loop thread)
 *   armed         eventfd-count 0; cat /proc/PID/fdinfo/FD: flags 02004002
 *                 (O_RDWR|O_NONBLOCK|O_CLOEXEC on x86); cat /proc/PID/fdinfo/EPFD:
 *                 "tfd: FD events: 19"; grep SigCgt /proc/PID/status: bits
 *                 0x4000 (SIGTERM) and 0x2 (SIGINT) set
 *   stopped       the loop stopped on SIGTERM: eventfd-count 0; the producer
 *                 thread has ended (ls /proc/PID/task: one thread)
 *   lost-wakeup   the wrong order, staged: eventfd-count 0, one item queued,
 *                 and epoll_wait() reports nothing
 *   signal-kept   the lesson raised SIGTERM before the loop slept:
 *                 eventfd-count 1, kept for the next epoll_wait(); a
 *                 kill -TERM PID now makes it 2
 *
 * Kernel: eventfd2 flags (EFD_NONBLOCK, EFD_CLOEXEC) and epoll_create1()
 * since Linux 2.6.27; /proc/PID/syscall needs CONFIG_HAVE_ARCH_TRACEHOOK.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "course.h"

#define TIMEOUT_MS 10000

/* glibc's epoll_wait() is the epoll_wait system call where the architecture
 * has one, else epoll_pwait (arm64, riscv64): /proc/PID/syscall shows that. */
#ifdef SYS_epoll_wait
#define EPOLL_WAIT_NR SYS_epoll_wait
#else
#define EPOLL_WAIT_NR SYS_epoll_pwait
#endif

static const char usage[] =
    "[--pause] [--items N] [--burst M] [--signal-from WHO]\n"
    "  --items N          items posted one at a time: 1..100 (default 3)\n"
    "  --burst M          items posted back to back: 1..1000 (default 200)\n"
    "  --signal-from WHO  who sends the SIGTERM that stops the loop: thread (the\n"
    "                     producer thread, default) or outside (you: kill -TERM)\n";

static uint64_t items = 3;
static uint64_t burst = 200;
static bool signal_from_outside;

static void on_option(int val, const char *arg)
{
    if (val == 'i')
        items = parse_u64(arg, "--items", 1, 100);
    else if (val == 'b')
        burst = parse_u64(arg, "--burst", 1, 1000);
    else if (val == 's' && strcmp(arg, "thread") == 0)
        signal_from_outside = false;
    else if (val == 's' && strcmp(arg, "outside") == 0)
        signal_from_outside = true;
    else if (val == 's')
        usage_error("--signal-from '%s' is neither thread nor outside", arg);
}

/* Makes CALL again for as long as it fails with EINTR, and leaves its result
 * in RESULT. epoll_wait() fails with EINTR after any signal handler, even
 * one installed with SA_RESTART, and after a stop and continue (signal(7));
 * a read() that sleeps does after a handler without SA_RESTART (perhaps a
 * library's). Nothing happened: make the call again. */
#define RETRY_ON_EINTR(result, call) \
    do (result) = (call); while ((result) == -1 && errno == EINTR)

/* The doorbell: an eventfd that never blocks (the loop only reads it after
 * epoll_wait() said it is readable) and is not inherited by an exec'd
 * program. */
int create_doorbell(void)
{
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    return efd;
}

/* The loop's epoll instance, with the doorbell registered for reading. A real
 * loop registers its sockets and timers here too. */
int create_loop(int efd)
{
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd == -1)
        err(EXIT_FAILURE, "epoll_create1");
    struct epoll_event event = { .events = EPOLLIN, .data.fd = efd };
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &event) == -1)
        err(EXIT_FAILURE, "epoll_ctl");
    return epfd;
}

/* Rings the doorbell from any thread: adds 1 to the count, which wakes the
 * loop. EAGAIN means the count is at its maximum: it is rung already. */
void ring(int efd)
{
    uint64_t one = 1;
    if (write(efd, &one, sizeof one) == -1 && errno != EAGAIN)
        err(EXIT_FAILURE, "write");
}

/* Takes the doorbell's count and resets it to 0, in one step under the
 * eventfd's lock: how many rings came since the last drain (0: none). */
uint64_t drain(int efd)
{
    uint64_t rings;
    ssize_t n;
    RETRY_ON_EINTR(n, read(efd, &rings, sizeof rings));
    if (n == sizeof rings)
        return rings;
    if (n == -1 && errno == EAGAIN)
        return 0;
    err(EXIT_FAILURE, "read");
}

/* A queue of work items (here, numbers) that threads share under a mutex. */
#define QUEUE_CAPACITY 1024
struct work_queue {
    pthread_mutex_t lock;
    unsigned items[QUEUE_CAPACITY];
    size_t first, count;
};

/* Adds 'item' at the end of the queue; false when the queue is full. */
bool enqueue(struct work_queue *queue, unsigned item)
{
    /* The pthread functions return the error number instead of setting errno. */
    if ((errno = pthread_mutex_lock(&queue->lock)) != 0)
        err(EXIT_FAILURE, "pthread_mutex_lock");
    bool added = queue->count < QUEUE_CAPACITY;
    if (added)
        queue->items[(queue->first + queue->count++) % QUEUE_CAPACITY] = item;
    if ((errno = pthread_mutex_unlock(&queue->lock)) != 0)
        err(EXIT_FAILURE, "pthread_mutex_unlock");
    return added;
}

/* Moves every queued item, oldest first, into 'out' (room for
 * QUEUE_CAPACITY items) and returns how many there were. */
size_t take_all(struct work_queue *queue, unsigned *out)
{
    /* The pthread functions return the error number instead of setting errno. */
    if ((errno = pthread_mutex_lock(&queue->lock)) != 0)
        err(EXIT_FAILURE, "pthread_mutex_lock");
    size_t taken = queue->count;
    for (size_t i = 0; i < taken; i++)
        out[i] = queue->items[(queue->first + i) % QUEUE_CAPACITY];
    queue->first = (queue->first + taken) % QUEUE_CAPACITY;
    queue->count = 0;
    if ((errno = pthread_mutex_unlock(&queue->lock)) != 0)
        err(EXIT_FAILURE, "pthread_mutex_unlock");
    return taken;
}

/* A producer's side, in this order: enqueue the item, then ring. Rung first,
 * the loop could wake, drain, find the queue still empty and sleep again:
 * the item would wait for a ring that was already heard. False when the
 * queue is full. */
bool post_work(struct work_queue *queue, int efd, unsigned item)
{
    if (!enqueue(queue, item))
        return false;
    ring(efd);
    return true;
}

/* The loop's side, one turn: sleeps in epoll_wait() until something is
 * ready (here only the doorbell can be), drains the doorbell, then takes the
 * queue, in this order: an item enqueued after the take was rung after the
 * drain, so the next epoll_wait() returns at once. Puts the rings drained in
 * *rings and returns how many items it took into 'out'. */
size_t wait_for_work(int epfd, int efd, struct work_queue *queue, unsigned *out,
                     uint64_t *rings)
{
    struct epoll_event event;
    int ready;
    RETRY_ON_EINTR(ready, epoll_wait(epfd, &event, 1, -1));
    if (ready == -1)
        err(EXIT_FAILURE, "epoll_wait");
    *rings = drain(efd);
    return take_all(queue, out);
}

static int doorbell = -1;                       /* for the signal handler */
static volatile sig_atomic_t stop_signal;       /* the signal that asked to stop */

/* The SIGTERM and SIGINT handler: records the request and rings the
 * doorbell. write(2) is async-signal-safe (signal-safety(7)); the handler
 * keeps errno for the code it interrupted. A failed write (EAGAIN: the count
 * is at its maximum) means the bell is rung already. */
void on_stop_signal(int signo)
{
    int saved_errno = errno;
    uint64_t one = 1;
    stop_signal = signo;
    ssize_t written = write(doorbell, &one, sizeof one);
    (void) written;
    errno = saved_errno;
}

/* Installs on_stop_signal for SIGTERM and SIGINT. SA_RESTART restarts the
 * calls that can be restarted; epoll_wait() is not one of them. */
void handle_stop_signals(int efd)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    doorbell = efd;
    if (sigaction(SIGTERM, &action, NULL) == -1 || sigaction(SIGINT, &action, NULL) == -1)
        err(EXIT_FAILURE, "sigaction");
}

/* --- the lesson's own plumbing ------------------------------------------- */

/* What the two threads share. */
struct lesson {
    int efd, epfd;
    struct work_queue queue;
    atomic_bool loop_stopped;       /* set by the loop when it leaves */
};

/* The producer thread's wait: until the loop thread sleeps in epoll_wait()
 * on its epoll instance. False when the loop has stopped (a signal came
 * early) and will never sleep there again. */
static bool loop_sleeps(struct lesson *lesson)
{
    for (int waited = 0; !atomic_load(&lesson->loop_stopped); waited += 10) {
        if (wait_until_blocked(getpid(), EPOLL_WAIT_NR, lesson->epfd, 10))
            return true;
        if (errno != ETIMEDOUT)
            err(EXIT_FAILURE, "waiting for the loop to sleep");
        if (waited >= TIMEOUT_MS)
            errx(EXIT_FAILURE, "the loop never slept in epoll_wait()");
    }
    return false;
}

/* The producer thread: posts each of the first items while the loop sleeps,
 * then a burst back to back, then (unless told to wait for the user's)
 * sends the process SIGTERM while the loop sleeps. It prints only while the
 * loop sleeps, so that the two threads' lines never cross. */
static void *producer(void *arg)
{
    struct lesson *lesson = arg;
    long tid = (long) gettid();
    unsigned last = (unsigned) (items + burst);
    for (unsigned item = 1; item <= items; item++) {
        if (!loop_sleeps(lesson))
            return NULL;
        say("producer thread %ld: the loop sleeps in epoll_wait(); posting item %u\n",
            tid, item);
        if (!post_work(&lesson->queue, lesson->efd, item))
            errx(EXIT_FAILURE, "the work queue is full");
    }
    if (!loop_sleeps(lesson))
        return NULL;
    say("producer thread %ld: posting items %u..%u back to back\n",
        tid, (unsigned) items + 1, last);
    for (unsigned item = (unsigned) items + 1; item <= last; item++)
        if (!post_work(&lesson->queue, lesson->efd, item))
            errx(EXIT_FAILURE, "the work queue is full");
    if (!loop_sleeps(lesson))
        return NULL;
    if (signal_from_outside) {
        say("producer thread %ld: done. The loop sleeps in epoll_wait(); "
            "stop it with: kill -TERM %ld\n", tid, (long) getpid());
    } else {
        say("producer thread %ld: the loop sleeps in epoll_wait(); "
            "sending SIGTERM to process %ld\n", tid, (long) getpid());
        if (kill(getpid(), SIGTERM) == -1)
            err(EXIT_FAILURE, "kill");
    }
    return NULL;
}

/* Part 2: the loop, with the producer thread. */
static void run_loop(struct lesson *lesson)
{
    unsigned taken[QUEUE_CAPACITY];
    unsigned last = (unsigned) (items + burst);
    uint64_t wakeups = 0, rings = 0, empty = 0, ran = 0, burst_wakeups = 0;

    /* The producer must not take the stop signals: a signal sent to the
     * process goes to a thread that does not block it, the loop thread. */
    sigset_t stops, old;
    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    if ((errno = pthread_sigmask(SIG_BLOCK, &stops, &old)) != 0)
        err(EXIT_FAILURE, "pthread_sigmask");
    pthread_t thread;
    if ((errno = pthread_create(&thread, NULL, producer, lesson)) != 0)
        err(EXIT_FAILURE, "pthread_create");
    if ((errno = pthread_sigmask(SIG_SETMASK, &old, NULL)) != 0)
        err(EXIT_FAILURE, "pthread_sigmask");

    while (stop_signal == 0) {
        uint64_t rang;
        size_t count = wait_for_work(lesson->epfd, lesson->efd, &lesson->queue, taken, &rang);
        wakeups++;
        rings += rang;
        if (count == 0 && stop_signal == 0)
            empty++;                    /* its ring came after an earlier take */
        for (size_t i = 0; i < count; i++) {
            ran++;
            if (taken[i] <= items)
                say("loop: woke, drained %" PRIu64 " ring(s), ran item %u\n", rang, taken[i]);
        }
        if (count > 0 && taken[count - 1] > items)
            burst_wakeups++;
        if (count > 0 && taken[count - 1] == last)
            say("loop: ran the burst's %" PRIu64 " items in %" PRIu64 " wake-up(s)\n",
                burst, burst_wakeups);
    }
    atomic_store(&lesson->loop_stopped, true);
    say("loop: woke; signal %d (%s) rang the doorbell: stopping\n",
        (int) stop_signal, strsignal(stop_signal));
    if ((errno = pthread_join(thread, NULL)) != 0)
        err(EXIT_FAILURE, "pthread_join");
    say("the producer thread has ended; the loop woke %" PRIu64 " times, drained %" PRIu64
        " rings for %" PRIu64 " posts and the signal, ran %" PRIu64 " items; %" PRIu64
        " wake-up(s) found the queue empty\n", wakeups, rings, items + burst, ran, empty);
}

int main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "items", required_argument, NULL, 'i' },
        { "burst", required_argument, NULL, 'b' },
        { "signal-from", required_argument, NULL, 's' },
        { NULL, 0, NULL, 0 }
    };
    if (course_options(argc, argv, usage, options, on_option) != argc)
        usage_error("this lesson takes no arguments, only options");

    /* 1. The doorbell, the loop's epoll instance, the signal handler. */
    static struct lesson lesson = { .queue = { .lock = PTHREAD_MUTEX_INITIALIZER } };
    lesson.efd = create_doorbell();
    lesson.epfd = create_loop(lesson.efd);
    handle_stop_signals(lesson.efd);
    say("doorbell eventfd fd %d registered with epoll fd %d; SIGTERM and SIGINT ring it\n",
        lesson.efd, lesson.epfd);
    show_fdinfo(lesson.efd);
    checkpoint("armed", lesson.efd);

    /* 2. Another thread posts work; a signal stops the loop. */
    run_loop(&lesson);
    show_fdinfo(lesson.efd);
    checkpoint("stopped", lesson.efd);

    /* 3. The wrong order, staged in one thread: ring, then enqueue. */
    unsigned taken[QUEUE_CAPACITY];
    uint64_t rang;
    struct epoll_event event;
    int ready;
    say("the wrong order, step by step: a producer rings first...\n");
    ring(lesson.efd);
    size_t count = wait_for_work(lesson.epfd, lesson.efd, &lesson.queue, taken, &rang);
    say("...the loop wakes, drains %" PRIu64 " ring(s), finds %zu items...\n", rang, count);
    if (!enqueue(&lesson.queue, 1001))
        errx(EXIT_FAILURE, "the work queue is full");
    RETRY_ON_EINTR(ready, epoll_wait(lesson.epfd, &event, 1, 0));
    if (ready == -1)
        err(EXIT_FAILURE, "epoll_wait");
    say("...the producer enqueues item 1001: epoll_wait() reports %d ready, and the item "
        "waits for a ring that was already heard\n", ready);
    show_fdinfo(lesson.efd);
    checkpoint("lost-wakeup", lesson.efd);
    if (!post_work(&lesson.queue, lesson.efd, 1002))
        errx(EXIT_FAILURE, "the work queue is full");
    count = wait_for_work(lesson.epfd, lesson.efd, &lesson.queue, taken, &rang);
    char list[64] = "";
    for (size_t i = 0; i < count && i < 4; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%u", i ? ", " : "", taken[i]);
    say("the right order: enqueue item 1002, then ring; the loop wakes, drains %" PRIu64
        " ring(s) and takes %zu items (%s): the stranded one left only because another "
        "ring came\n", rang, count, list);

    /* 4. A signal while the loop is busy is kept until its next epoll_wait(). */
    stop_signal = 0;
    if (raise(SIGTERM) != 0)
        err(EXIT_FAILURE, "raise");
    say("raised SIGTERM while the loop was busy; its handler rang the doorbell\n");
    show_fdinfo(lesson.efd);
    checkpoint("signal-kept", lesson.efd);
    count = wait_for_work(lesson.epfd, lesson.efd, &lesson.queue, taken, &rang);
    say("the next epoll_wait() returned at once: drained %" PRIu64 " ring(s), %zu items; "
        "signal %d asked to stop\n", rang, count, (int) stop_signal);

    if (close(lesson.epfd) == -1 || close(lesson.efd) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
