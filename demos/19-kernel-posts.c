/* 19-kernel-posts — the kernel posts to an eventfd: each AIO completion adds 1, up to 0xffffffffffffffff.
 *
 * What it shows
 *   The eventfd(2) man page calls an eventfd "a bridge from kernel to user
 *   space": besides write(2), the kernel itself adds to the count. Here Linux AIO does it:
 *   an asynchronous read submitted with IOCB_FLAG_RESFD and aio_resfd = the
 *   eventfd adds 1 when it completes. A program then waits for AIO in the
 *   same poll/epoll loop as for everything else: the eventfd becomes
 *   readable, its count says how many completions wait, and io_getevents()
 *   collects that many. (KVM's ioeventfd, vhost and VFIO post the same way.)
 *   The lesson reads from a pipe that already holds the bytes, so every read
 *   completes inside io_submit() itself and posts before io_submit returns.
 *
 *   The kernel's post can do what write(2) cannot: write() refuses to take
 *   the count past 0xfffffffffffffffe, but a post at that count makes it
 *   0xffffffffffffffff, the "overflow" the man page speaks of. Then
 *     poll    reports POLLIN and POLLERR, and no POLLOUT;
 *     select  says readable and writable (it counts POLLERR as both);
 *     write   fails even for 0 (EAGAIN on this non-blocking eventfd; a
 *             blocking one would sleep);
 *     a post  adds nothing more: the kernel drops it (the AIO event itself
 *             still reaches io_getevents), so the count is a hint, and the
 *             AIO ring is the truth;
 *     read    returns 0xffffffffffffffff and sets the count to 0.
 *   The eventfd is made with EFD_NONBLOCK | EFD_CLOEXEC, as real event loops
 *   make theirs: fdinfo's flags show 02004002 (O_RDWR, O_NONBLOCK, O_CLOEXEC).
 *
 *   Last, io_uring with the same eventfd registered (IORING_REGISTER_EVENTFD):
 *   READS no-ops submitted with one io_uring_enter complete at once, but the
 *   kernel may post once for the whole batch. io_uring's count is a doorbell
 *   ("look at the ring"); the completion ring holds the number.
 *
 *   And a kernel user holds the eventfd object by a reference of its own:
 *   after the lesson closes its only descriptor for an eventfd registered
 *   with an io_uring, the object, and its eventfd-id, live on. A new eventfd
 *   does not get that id (ids go lowest free first, system-wide); once the
 *   ring unregisters the eventfd, a new one gets it back. Another process
 *   may take or free an id meanwhile: the lesson then says so and tries again.
 *
 * How to run
 *   build/19-kernel-posts [--pause] [READS]
 *   READS: how many AIO reads, and io_uring no-ops, to submit: 1..64 (default 3)
 *
 * What to inspect (with --pause)
 *   created     eventfd-count 0; flags 02004002; poll POLLOUT; select writable
 *   submitted   eventfd-count READS: one per completion, before any read
 *   filled      eventfd-count fffffffffffffffe, written with write(2): poll
 *               POLLIN, no POLLOUT; select readable only
 *   overflowed  eventfd-count ffffffffffffffff after one more AIO completion:
 *               poll POLLIN POLLERR, no POLLOUT; select readable and
 *               writable; write(0) failed with EAGAIN
 *   saturated   eventfd-count still ffffffffffffffff after another completion
 *   emptied     eventfd-count 0: the read returned 0xffffffffffffffff
 *   uring-posted  after READS io_uring no-ops: eventfd-count 1..READS (1 on
 *               Linux 6.18: one post for the batch), the ring holds READS
 *   held        the registered eventfd's only descriptor is closed; fd is a
 *               new eventfd whose eventfd-id differs: the old id is taken
 *   released    after IORING_UNREGISTER_EVENTFD: fd is a new eventfd with
 *               the old eventfd-id again
 *
 * Kernel: IOCB_FLAG_RESFD since Linux 2.6.22, with eventfd itself. fs/aio.c
 * adds 1 per completion on every version: eventfd_signal(ctx, 1) until 6.7,
 * eventfd_signal(ctx), which always adds 1, since 6.8; both stop at
 * 0xffffffffffffffff. AIO needs CONFIG_AIO (io_setup fails with ENOSYS
 * without it) and room under the system-wide fs.aio-max-nr (EAGAIN).
 * io_uring needs Linux 5.1; where it is absent or forbidden (io_uring_setup
 * fails with ENOSYS or EPERM) the lesson says so and skips that part.
 * eventfd-id needs Linux 5.2; without it the lesson skips the last part.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/aio_abi.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "course.h"

#define MAX_READS 64
#define CHUNK 8                         /* bytes each AIO read takes */
#define HOLD_ATTEMPTS 5                 /* tries at part 4 on a busy machine */
#define RELEASE_WAIT_MS 2000            /* how long a freed id may take to come back */

static const char usage[] =
    "[--pause] [READS]\n"
    "  READS    how many AIO reads, and io_uring no-ops, to submit: 1..64 (default 3)\n";

/* An AIO context that can hold 'nr_events' requests in flight. glibc has no
 * wrapper for the kernel's AIO calls (libaio has), so they are made raw. */
aio_context_t aio_create(unsigned nr_events)
{
    aio_context_t ctx = 0;              /* io_setup wants it zeroed */
    if (syscall(SYS_io_setup, nr_events, &ctx) == -1)
        err(EXIT_FAILURE, "io_setup");
    return ctx;
}

/* Submits one asynchronous read of 'size' bytes from 'fd' into 'buf'. When
 * it completes, the kernel adds 1 to eventfd 'efd' (IOCB_FLAG_RESFD): that is
 * how AIO joins a poll/epoll loop. The kernel copies the iocb at submission;
 * 'buf' must stay valid until the completion is collected. */
void aio_read_posting_to(aio_context_t ctx, int efd, int fd, void *buf, size_t size)
{
    struct iocb cb;
    memset(&cb, 0, sizeof cb);
    cb.aio_lio_opcode = IOCB_CMD_PREAD;
    cb.aio_fildes = (uint32_t) fd;
    cb.aio_buf = (uint64_t) (uintptr_t) buf;
    cb.aio_nbytes = size;
    cb.aio_flags = IOCB_FLAG_RESFD;
    cb.aio_resfd = (uint32_t) efd;
    struct iocb *list[1] = { &cb };
    if (syscall(SYS_io_submit, ctx, 1L, list) == -1)
        err(EXIT_FAILURE, "io_submit");
}

/* Collects exactly 'n' completion events into 'events'. A signal handler
 * interrupts io_getevents: it then returns EINTR, or fewer events than asked
 * for, and the kernel never restarts it (fs/aio.c), so ask for the rest. */
void aio_collect(aio_context_t ctx, struct io_event *events, long n)
{
    long got = 0;
    while (got < n) {
        long more = syscall(SYS_io_getevents, ctx, n - got, n - got, events + got, NULL);
        if (more == -1 && errno != EINTR)
            err(EXIT_FAILURE, "io_getevents");
        if (more > 0)
            got += more;
    }
}

/* An io_uring instance with its rings mapped: the fields this lesson uses. */
struct uring {
    int fd;
    unsigned *sq_tail, *sq_mask, *sq_array;
    struct io_uring_sqe *sqes;
    unsigned *cq_head, *cq_tail;
    void *sq_ring, *cq_ring;
    size_t sq_ring_size, cq_ring_size, sqes_size;
};

/* Sets up an io_uring for 'entries' requests and maps its two rings and its
 * submission entries (liburing does this; here with raw system calls).
 * Returns false, with errno ENOSYS or EPERM, where io_uring is absent or
 * forbidden: CONFIG_IO_URING off, the sysctl kernel.io_uring_disabled, a
 * seccomp filter such as a container's. Any other failure ends the program. */
bool uring_open(struct uring *u, unsigned entries)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    u->fd = (int) syscall(SYS_io_uring_setup, entries, &p);
    if (u->fd == -1) {
        if (errno == ENOSYS || errno == EPERM)
            return false;
        err(EXIT_FAILURE, "io_uring_setup");
    }
    u->sq_ring_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    u->cq_ring_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    u->sqes_size = p.sq_entries * sizeof(struct io_uring_sqe);
    u->sq_ring = mmap(NULL, u->sq_ring_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                      u->fd, IORING_OFF_SQ_RING);
    u->cq_ring = mmap(NULL, u->cq_ring_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                      u->fd, IORING_OFF_CQ_RING);
    u->sqes = mmap(NULL, u->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                   u->fd, IORING_OFF_SQES);
    if (u->sq_ring == MAP_FAILED || u->cq_ring == MAP_FAILED || u->sqes == MAP_FAILED)
        err(EXIT_FAILURE, "mmap io_uring");
    char *sq = u->sq_ring, *cq = u->cq_ring;
    u->sq_tail = (unsigned *) (sq + p.sq_off.tail);
    u->sq_mask = (unsigned *) (sq + p.sq_off.ring_mask);
    u->sq_array = (unsigned *) (sq + p.sq_off.array);
    u->cq_head = (unsigned *) (cq + p.cq_off.head);
    u->cq_tail = (unsigned *) (cq + p.cq_off.tail);
    return true;
}

/* Asks the kernel to post to eventfd 'efd' when completions arrive. */
void uring_register_eventfd(const struct uring *u, int efd)
{
    if (syscall(SYS_io_uring_register, u->fd, IORING_REGISTER_EVENTFD, &efd, 1) == -1)
        err(EXIT_FAILURE, "io_uring_register");
}

/* Asks the kernel to stop posting to the registered eventfd: the ring drops
 * its reference (on recent kernels after an RCU grace period). */
void uring_unregister_eventfd(const struct uring *u)
{
    if (syscall(SYS_io_uring_register, u->fd, IORING_UNREGISTER_EVENTFD, NULL, 0) == -1)
        err(EXIT_FAILURE, "io_uring_register");
}

/* Queues 'n' no-op requests and submits them with one io_uring_enter; a
 * no-op completes at once, inside the call. The release store publishes the
 * entries before the new tail that the kernel reads. */
void uring_submit_nops(struct uring *u, unsigned n)
{
    unsigned tail = *u->sq_tail;
    for (unsigned i = 0; i < n; i++, tail++) {
        unsigned index = tail & *u->sq_mask;
        memset(&u->sqes[index], 0, sizeof u->sqes[index]);
        u->sqes[index].opcode = IORING_OP_NOP;
        u->sq_array[index] = index;
    }
    __atomic_store_n(u->sq_tail, tail, __ATOMIC_RELEASE);
    long submitted = syscall(SYS_io_uring_enter, u->fd, n, 0, 0, NULL, 0);
    if (submitted == -1)
        err(EXIT_FAILURE, "io_uring_enter");
    if (submitted != (long) n)
        errx(EXIT_FAILURE, "io_uring_enter: submitted %ld of %u", submitted, n);
}

/* How many completions wait in the ring; 'take' also consumes them. */
unsigned uring_completions(struct uring *u, bool take)
{
    unsigned head = *u->cq_head;
    unsigned tail = __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE);
    if (take)
        __atomic_store_n(u->cq_head, tail, __ATOMIC_RELEASE);
    return tail - head;
}

/* Unmaps the rings and closes the ring, which drops its eventfd reference. */
void uring_close(struct uring *u)
{
    if (munmap(u->sqes, u->sqes_size) == -1 || munmap(u->cq_ring, u->cq_ring_size) == -1 ||
        munmap(u->sq_ring, u->sq_ring_size) == -1)
        err(EXIT_FAILURE, "munmap io_uring");
    if (close(u->fd) == -1)
        err(EXIT_FAILURE, "close io_uring");
}

/* Takes the whole count of a non-blocking eventfd and leaves 0 behind.
 * At count 0 there is nothing to take: the read fails with EAGAIN. */
uint64_t read_count(int efd)
{
    uint64_t count;
    if (read(efd, &count, sizeof count) != sizeof count)
        err(EXIT_FAILURE, "read");
    return count;
}

/* Adds 'value' to a non-blocking eventfd. Returns false, with errno EAGAIN,
 * when the count has no room for it; any other failure ends the program. */
bool post(int efd, uint64_t value)
{
    if (write(efd, &value, sizeof value) == sizeof value)
        return true;
    if (errno != EAGAIN)
        err(EXIT_FAILURE, "write");
    return false;
}

/* What poll() reports for the eventfd right now, without waiting. */
short poll_now(int efd)
{
    struct pollfd p = { .fd = efd, .events = POLLIN | POLLOUT };
    if (poll(&p, 1, 0) == -1)
        err(EXIT_FAILURE, "poll");
    return p.revents;
}

/* What select() says of the eventfd right now, without waiting. select puts
 * a descriptor whose poll reports POLLERR in both sets (fs/select.c). */
void select_now(int efd, bool *readable, bool *writable)
{
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(efd, &r);
    FD_SET(efd, &w);
    struct timeval zero = { 0, 0 };
    if (select(efd + 1, &r, &w, NULL, &zero) == -1)
        err(EXIT_FAILURE, "select");
    *readable = FD_ISSET(efd, &r);
    *writable = FD_ISSET(efd, &w);
}

/* Prints what poll and select say: "poll: POLLIN POLLERR, no POLLOUT;
 * select: readable and writable". */
static void show_readiness(int efd)
{
    short revents = poll_now(efd);
    char polled[64];                    /* " POLLIN POLLERR", or "" */
    int len = snprintf(polled, sizeof polled, "%s%s%s", revents & POLLIN ? " POLLIN" : "",
                       revents & POLLERR ? " POLLERR" : "", revents & POLLOUT ? " POLLOUT" : "");
    bool readable, writable;
    select_now(efd, &readable, &writable);
    say("poll: %s%s; select: %s\n", len > 0 ? polled + 1 : "",
        revents & POLLOUT ? "" : len > 0 ? ", no POLLOUT" : "no POLLOUT",
        readable && writable ? "readable and writable"
        : readable ? "readable" : writable ? "writable" : "neither");
}

/* The count as fdinfo shows it, in words: "0xffffffffffffffff", or a note
 * when this kernel prints no eventfd-count (before Linux 3.8). */
static const char *count_in_fdinfo(int efd)
{
    static char text[40];
    char hex[24];
    if (!fdinfo_field(0, efd, "eventfd-count", hex, sizeof hex))
        return "not shown (no eventfd-count in fdinfo)";
    snprintf(text, sizeof text, "0x%s", hex);
    return text;
}

/* Part 1: READS AIO reads, each posting 1; the event loop's way to collect them. */
static void show_aio_posts(int efd, aio_context_t ctx, int data, uint64_t reads)
{
    static char buffers[MAX_READS][CHUNK];
    for (uint64_t i = 0; i < reads; i++)
        aio_read_posting_to(ctx, efd, data, buffers[i], CHUNK);
    say("submitted %" PRIu64 " AIO read%s of %d bytes from a pipe, each with "
        "IOCB_FLAG_RESFD and aio_resfd %d\n", reads, reads == 1 ? "" : "s", CHUNK, efd);
    show_fdinfo(efd);
    show_readiness(efd);
    checkpoint("submitted", efd);

    /* The count says how many completions wait. */
    uint64_t posted = read_count(efd);
    say("read 0x%" PRIx64 " (%" PRIu64 ") from the eventfd: that many completions "
        "to collect\n", posted, posted);
    if (posted > reads)                 /* never here: only this lesson posts to it */
        errx(EXIT_FAILURE, "the eventfd counted %" PRIu64 " completions of %" PRIu64 " reads",
             posted, reads);
    struct io_event events[MAX_READS] = { { 0 } };
    aio_collect(ctx, events, (long) posted);
    int64_t least = events[0].res, most = events[0].res;    /* bytes read, or -errno */
    for (uint64_t i = 1; i < posted; i++) {
        least = events[i].res < least ? events[i].res : least;
        most = events[i].res > most ? events[i].res : most;
    }
    if (least == most)
        say("io_getevents collected %" PRIu64 " completions, of %" PRId64 " bytes each\n",
            posted, least);
    else
        say("io_getevents collected %" PRIu64 " completions, of %" PRId64 " to %" PRId64
            " bytes\n", posted, least, most);
}

/* Part 2: the overflow state, which only a kernel post reaches. */
static void show_overflow(int efd, aio_context_t ctx, int data)
{
    uint64_t largest = UINT64_MAX - 1;  /* the most write(2) may bring about */
    if (!post(efd, largest))
        err(EXIT_FAILURE, "write");
    say("wrote 0x%" PRIx64 ": the largest count write(2) can reach\n", largest);
    show_fdinfo(efd);
    show_readiness(efd);
    checkpoint("filled", efd);

    static char buffer[CHUNK];
    struct io_event event = { 0 };
    aio_read_posting_to(ctx, efd, data, buffer, CHUNK);
    say("one more AIO read completed: the count is now %s\n", count_in_fdinfo(efd));
    show_fdinfo(efd);
    show_readiness(efd);
    for (uint64_t value = 0; value <= 1; value++) {
        if (post(efd, value))
            say("write(%" PRIu64 ") succeeded\n", value);
        else
            say("write(%" PRIu64 ") failed with EAGAIN (%s): no write adds to "
                "0xffffffffffffffff, not even 0\n", value, strerror(errno));
    }
    checkpoint("overflowed", efd);
    aio_collect(ctx, &event, 1);

    aio_read_posting_to(ctx, efd, data, buffer, CHUNK);
    aio_collect(ctx, &event, 1);
    say("another AIO read completed (io_getevents got its event, %" PRId64 " bytes); "
        "the count after its post: %s\n", (int64_t) event.res, count_in_fdinfo(efd));
    show_fdinfo(efd);
    checkpoint("saturated", efd);

    uint64_t count = read_count(efd);
    say("read 0x%" PRIx64 " (%" PRIu64 ")\n", count, count);
    show_fdinfo(efd);
    show_readiness(efd);
    checkpoint("emptied", efd);
}

/* Part 3: io_uring, where the eventfd is a doorbell, not a count. */
static void show_io_uring(int efd, uint64_t reads)
{
    struct uring ring;
    if (!uring_open(&ring, MAX_READS)) {
        say("io_uring_setup failed with %s (%s): io_uring is absent or forbidden here, "
            "so there is no io_uring part\n", errno == ENOSYS ? "ENOSYS" : "EPERM",
            strerror(errno));
        return;
    }
    uring_register_eventfd(&ring, efd);
    uring_submit_nops(&ring, (unsigned) reads);
    say("submitted %" PRIu64 " io_uring no-op%s with one io_uring_enter; "
        "the completion ring holds %u\n", reads, reads == 1 ? "" : "s",
        uring_completions(&ring, false));
    show_fdinfo(efd);
    checkpoint("uring-posted", efd);
    uint64_t rung = read_count(efd);
    unsigned completions = uring_completions(&ring, true);
    say("read 0x%" PRIx64 " (%" PRIu64 ") from the eventfd, then took %u completion%s "
        "from the ring\n", rung, rung, completions, completions == 1 ? "" : "s");
    uring_close(&ring);
}

/* The eventfd-id of our descriptor 'fd' as a number; false where the kernel
 * shows none (before Linux 5.2). */
static bool id_of(int fd, uint64_t *id)
{
    char text[32];
    if (!fdinfo_field(getpid(), fd, "eventfd-id", text, sizeof text))
        return false;
    *id = (uint64_t) strtoull(text, NULL, 10);
    return true;
}

static int new_eventfd(void)
{
    int efd = eventfd(0, EFD_CLOEXEC);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    return efd;
}

/* Waits, up to RELEASE_WAIT_MS, until a new eventfd gets eventfd-id 'held':
 * the id is free again. Returns that eventfd, or -1 when another process
 * took the id first (a new eventfd got a higher id to the end, or a lower
 * one: a lower id was freed meanwhile, and the next tries go below ours). */
static int wait_for_id(uint64_t held)
{
    const struct timespec tick = { 0, 1000000 };       /* 1 ms between tries */
    for (int waited_ms = 0; waited_ms < RELEASE_WAIT_MS; waited_ms++) {
        int probe = new_eventfd();
        uint64_t id = 0;
        if (!id_of(probe, &id))
            errx(EXIT_FAILURE, "no eventfd-id in fdinfo");
        if (id == held)
            return probe;
        if (close(probe) == -1)
            err(EXIT_FAILURE, "close");
        if (nanosleep(&tick, NULL) == -1 && errno != EINTR)
            err(EXIT_FAILURE, "nanosleep");
    }
    return -1;
}

/* Part 4: a kernel user holds its own reference. One try: true when it
 * showed the id held while registered and free once unregistered; false
 * when another process took or freed an id meanwhile. */
static bool show_kernel_reference_once(struct uring *ring, uint64_t *held)
{
    int efd = new_eventfd();
    if (!id_of(efd, held))
        errx(EXIT_FAILURE, "no eventfd-id in fdinfo");
    uring_register_eventfd(ring, efd);
    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    say("registered an eventfd with eventfd-id %" PRIu64 " with a ring, then closed my only "
        "descriptor for it\n", *held);
    int probe = new_eventfd();
    uint64_t id = 0;
    if (!id_of(probe, &id))
        errx(EXIT_FAILURE, "no eventfd-id in fdinfo");
    if (id == *held) {
        say("a new eventfd got eventfd-id %" PRIu64 ": here the ring's registration did not keep "
            "the id\n", id);
        show_fdinfo(probe);
        checkpoint("held", probe);
        uring_unregister_eventfd(ring);
        if (close(probe) == -1)
            err(EXIT_FAILURE, "close");
        return true;
    }
    say("a new eventfd got eventfd-id %" PRIu64 ", not %" PRIu64 ": %s\n", id, *held,
        id > *held ? "that id is still taken" : "another process freed a lower id meanwhile");
    show_fdinfo(probe);
    if (id > *held)
        checkpoint("held", probe);
    uring_unregister_eventfd(ring);
    if (close(probe) == -1)
        err(EXIT_FAILURE, "close");
    if (id < *held)
        return false;
    say("unregistered the eventfd from the ring (IORING_UNREGISTER_EVENTFD): the ring "
        "drops its reference, the last one\n");
    int again = wait_for_id(*held);
    if (again == -1) {
        say("eventfd-id %" PRIu64 " did not come back within %d ms: another process took it\n",
            *held, RELEASE_WAIT_MS);
        return false;
    }
    say("a new eventfd got eventfd-id %" PRIu64 " again: the ring's reference had kept the object "
        "and its id after my close\n", *held);
    show_fdinfo(again);
    checkpoint("released", again);
    if (close(again) == -1)
        err(EXIT_FAILURE, "close");
    return true;
}

static void show_kernel_reference(void)
{
    int probe = new_eventfd();
    uint64_t held;
    bool have_ids = id_of(probe, &held);
    if (close(probe) == -1)
        err(EXIT_FAILURE, "close");
    if (!have_ids) {
        say("this kernel shows no eventfd-id (it needs Linux 5.2): no part 4\n");
        return;
    }
    struct uring ring;
    if (!uring_open(&ring, 1)) {
        say("io_uring_setup failed with %s: no part 4\n", strerror(errno));
        return;
    }
    for (int attempt = 1; attempt <= HOLD_ATTEMPTS; attempt++) {
        if (show_kernel_reference_once(&ring, &held))
            break;
        if (attempt == HOLD_ATTEMPTS)
            say("gave up after %d attempts: other processes create and close eventfds "
                "all the time here\n", HOLD_ATTEMPTS);
        else
            say("ids are system-wide and go lowest free first: trying again\n");
    }
    uring_close(&ring);
}

int main(int argc, char *argv[])
{
    int first_operand = course_options(argc, argv, usage, NULL, NULL);
    uint64_t reads = 3;
    if (argc - first_operand > 1)
        usage_error("too many arguments");
    if (argc - first_operand == 1)
        reads = parse_u64(argv[first_operand], "READS", 1, MAX_READS);

    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd == -1)
        err(EXIT_FAILURE, "eventfd");
    say("created eventfd fd %d with EFD_NONBLOCK | EFD_CLOEXEC\n", efd);
    show_fdinfo(efd);
    show_readiness(efd);
    checkpoint("created", efd);

    /* The pipe holds CHUNK bytes for every read this lesson makes, so each
     * read completes at once, inside io_submit. */
    int data[2];
    if (pipe2(data, O_CLOEXEC) == -1)
        err(EXIT_FAILURE, "pipe2");
    static char bytes[(MAX_READS + 2) * CHUNK];
    size_t total = (size_t) (reads + 2) * CHUNK;
    memset(bytes, 'k', total);
    if (write(data[1], bytes, total) != (ssize_t) total)
        err(EXIT_FAILURE, "write pipe");

    aio_context_t ctx = aio_create(MAX_READS);
    show_aio_posts(efd, ctx, data[0], reads);
    show_overflow(efd, ctx, data[0]);
    if (syscall(SYS_io_destroy, ctx) == -1)
        err(EXIT_FAILURE, "io_destroy");

    show_io_uring(efd, reads);
    show_kernel_reference();

    if (close(data[0]) == -1 || close(data[1]) == -1)
        err(EXIT_FAILURE, "close pipe");
    if (close(efd) == -1)
        err(EXIT_FAILURE, "close");
    return EXIT_SUCCESS;
}
