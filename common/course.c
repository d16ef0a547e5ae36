/* course.c — the teaching harness shared by the lessons; see course.h. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "course.h"

static const char *program = "lesson";   /* basename of argv[0] */
static const char *usage_text = "";
static const char common_usage[] =
    "  --pause  stop at each checkpoint until a line arrives on stdin\n"
    "  --help   show this help\n";
static pid_t first_pid;                  /* the lesson's first process */
static sem_t *checkpoint_lock;           /* non-NULL when --pause was given */

/* --list-options (not in --help: it is for scripts/prove/check): one line per
 * option of the table getopt_long parses, "option NAME none|required|optional",
 * then "operands MIN MAX" (MAX "many" for X...) from the synopsis, the usage's
 * first line, where "[X]" is an optional operand and "[--x ...]" an option. */
static void list_options(const struct option *all)
{
    static const char *const has_arg[] = { "none", "required", "optional" };
    for (const struct option *o = all; o->name; o++)
        if (strcmp(o->name, "list-options") != 0)
            printf("option %s %s\n", o->name, has_arg[o->has_arg]);
    int min = 0, max = 0;
    bool many = false;
    const char *p = usage_text;
    for (;;) {
        p += strspn(p, " ");
        bool optional = *p == '[';
        size_t length = strcspn(p, optional ? "]\n" : " \n");
        if (length == 0)
            break;
        if (p[optional] != '-') {       /* an operand, not an option */
            max++;
            min += !optional;
            many |= memmem(p, length, "...", 3) != NULL;
        }
        p += length + (p[length] == ']');
    }
    if (many)
        printf("operands %d many\n", min);
    else
        printf("operands %d %d\n", min, max);
}

int course_options(int argc, char *argv[], const char *usage,
                   const struct option *options,
                   void (*on_option)(int val, const char *arg))
{
    const char *slash = strrchr(argv[0], '/');
    program = slash ? slash + 1 : argv[0];
    usage_text = usage;
    first_pid = getpid();

    /* Line-buffered stdout: every line reaches a pipe as soon as it is
     * complete, and no half-filled buffer is duplicated by fork(). */
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Line-buffered stderr too: warn(3) writes "prog: ", the call and the
     * error in three writes to an unbuffered stream, so children failing at
     * the same moment would interleave them ("readread: ..."). Buffered, each
     * message is one write(2) when its newline arrives, even before _exit(). */
    setvbuf(stderr, NULL, _IOLBF, 0);

    size_t count = 0;
    while (options && options[count].name)
        count++;
    struct option *all = calloc(count + 4, sizeof *all);
    if (all == NULL)
        die("calloc");
    all[0] = (struct option){ "pause", no_argument, NULL, 'P' };
    all[1] = (struct option){ "help", no_argument, NULL, 'h' };
    for (size_t i = 0; i < count; i++)
        all[i + 2] = options[i];
    all[count + 2] = (struct option){ "list-options", no_argument, NULL, 'L' };

    bool pause = false;
    int opt;
    opterr = 0;             /* we print our own one-line reasons */
    while ((opt = getopt_long(argc, argv, ":h", all, NULL)) != -1) {
        switch (opt) {
        case 'P':
            pause = true;
            break;
        case 'h':
            printf("usage: %s %s%s", program, usage_text, common_usage);
            free(all);
            exit(EXIT_SUCCESS);
        case 'L':
            list_options(all);
            free(all);
            exit(EXIT_SUCCESS);
        case ':':
            usage_error("option %s needs a value", argv[optind - 1]);
        case '?':
            usage_error("unknown option %s", argv[optind - 1]);
        default:
            on_option(opt, optarg);
        }
    }
    free(all);

    if (pause) {
        /* One lock shared by every process of the lesson, so that only one of
         * them is paused (and reading stdin) at any moment. */
        checkpoint_lock = mmap(NULL, sizeof *checkpoint_lock, PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (checkpoint_lock == MAP_FAILED)
            die("mmap");
        if (sem_init(checkpoint_lock, 1, 1) == -1)
            die("sem_init");
    }
    return optind;
}

bool course_pausing(void)
{
    return checkpoint_lock != NULL;
}

void usage_error(const char *format, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", program);
    va_start(ap, format);
    vfprintf(stderr, format, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: %s %s%s", program, usage_text, common_usage);
    exit(2);
}

/* Kills and reaps the children that /proc says this process still has. */
static void reap_children(void)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld/children", (long) getpid());
    FILE *children = fopen(path, "r");
    if (children == NULL)
        return;
    long pid;
    while (fscanf(children, "%ld", &pid) == 1) {
        kill((pid_t) pid, SIGKILL);
        waitpid((pid_t) pid, NULL, 0);
    }
    fclose(children);
}

void die(const char *call)
{
    int err = errno;
    fflush(stdout);
    fprintf(stderr, "%s: %s: %s\n", program, call, strerror(err));
    if (getpid() != first_pid)
        _exit(EXIT_FAILURE);   /* a child: leave the parent's stdio alone */
    reap_children();
    exit(EXIT_FAILURE);
}

uint64_t parse_u64(const char *text, const char *what, uint64_t min, uint64_t max)
{
    int base = 10;
    const char *digits = text;
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        digits = text + 2;
    }
    /* strtoull() would accept a sign, leading spaces and an empty string. */
    if (*digits == '\0')
        usage_error("%s '%s' is not a number", what, text);
    for (const char *p = digits; *p; p++)
        if (!(base == 16 ? isxdigit((unsigned char) *p) : isdigit((unsigned char) *p)))
            usage_error("%s '%s' is not a number", what, text);

    errno = 0;
    uint64_t value = strtoull(digits, NULL, base);
    if (errno == ERANGE || value < min || value > max)
        usage_error("%s %s is out of range (%" PRIu64 "..%" PRIu64 ", 0x%" PRIx64 "..0x%" PRIx64 ")",
                    what, text, min, max, min, max);
    return value;
}

void say(const char *format, ...)
{
    va_list ap;
    printf("%s %ld: ", getpid() == first_pid ? "parent" : "child", (long) getpid());
    va_start(ap, format);
    vprintf(format, ap);
    va_end(ap);
    if (ferror(stdout))         /* a line that was not written is an error too */
        die("write stdout");
}

/* Reads stdin one byte at a time, so that no process takes more than its own
 * line from the input that all processes of the lesson share. */
static void wait_for_line(void)
{
    char c;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            die("read stdin");
        if (n == 0 || c == '\n')
            return;
    }
}

/* The folder of the course's tools (efd-ls, efd-watch) as an absolute path,
 * so that a checkpoint's hints work from any directory: found from this
 * program's own place, build/ or build/helpers/, next to scripts/. */
static const char *tools_dir(void)
{
    static char dir[PATH_MAX] = "";
    if (dir[0] != '\0')
        return dir;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        *strrchr(exe, '/') = '\0';
        for (const char *up = "/..", *upup = "/../.."; up; up = upup, upup = NULL) {
            char tool[PATH_MAX + 32];
            snprintf(tool, sizeof tool, "%s%s/scripts/efd-ls", exe, up);
            if (access(tool, X_OK) == 0 && realpath(tool, dir)) {
                *strrchr(dir, '/') = '\0';
                return dir;
            }
        }
    }
    return strcpy(dir, "scripts");      /* a copy of a program outside the tree */
}

void checkpoint(const char *name, int fd)
{
    if (checkpoint_lock == NULL)
        return;
    while (sem_wait(checkpoint_lock) == -1)
        if (errno != EINTR)
            die("sem_wait");

    long pid = (long) getpid();
    printf("checkpoint %s pid=%ld fd=%d\n", name, pid, fd);
    if (fflush(stdout) == EOF)
        die("fflush");

    const char *tools = tools_dir();
    fprintf(stderr, "\n--- paused at '%s' in %s %ld (the eventfd is fd %d). "
            "Look from another terminal:\n"
            "    cat /proc/%ld/fdinfo/%d\n"
            "    ls -l /proc/%ld/fd\n"
            "    lsof -p %ld -a -d %d\n",
            name, getpid() == first_pid ? "parent" : "child", pid, fd,
            pid, fd, pid, pid, fd);
    if (getpid() != first_pid)
        fprintf(stderr, "    cat /proc/%ld/fdinfo/%d      (the parent's view)\n"
                "    %s/efd-ls %ld %ld        (both, grouped by eventfd-id)\n",
                (long) getppid(), fd, tools, pid, (long) getppid());
    else
        fprintf(stderr, "    %s/efd-ls %ld            (its eventfds, with flags)\n", tools, pid);
    fprintf(stderr, "    %s/efd-watch %ld %d       (the count, sampled: a change prints)\n"
            "    %s/efd-trace -- PROGRAM  (every call of a whole run, as a timeline)\n"
            "--- then press Enter here to continue.\n", tools, pid, fd, tools);

    wait_for_line();
    if (sem_post(checkpoint_lock) == -1)
        die("sem_post");
}

bool fdinfo_field(pid_t pid, int fd, const char *field, char *value, size_t size)
{
    char path[64], line[256];
    if (pid == 0)
        snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    else
        snprintf(path, sizeof path, "/proc/%ld/fdinfo/%d", (long) pid, fd);
    FILE *fdinfo = fopen(path, "r");
    if (fdinfo == NULL)
        die("open /proc/PID/fdinfo");

    size_t length = strlen(field);
    bool found = false;
    while (!found && fgets(line, sizeof line, fdinfo)) {
        if (strncmp(line, field, length) != 0 || line[length] != ':')
            continue;
        const char *start = line + length + 1;
        start += strspn(start, " \t");
        size_t end = strcspn(start, "\n");
        snprintf(value, size, "%.*s", (int) end, start);
        found = true;
    }
    if (ferror(fdinfo))         /* a failed read is not "no such field" */
        die("read /proc/PID/fdinfo");
    fclose(fdinfo);
    return found;
}

void show_fdinfo(int fd)
{
    char count[32], id[32], semaphore[8];
    printf("  /proc/%ld/fdinfo/%d:", (long) getpid(), fd);
    if (!fdinfo_field(0, fd, "eventfd-count", count, sizeof count)) {
        printf(" no eventfd-count (it needs Linux 3.8)\n");
        if (ferror(stdout))
            die("write stdout");
        return;
    }
    uint64_t value = strtoull(count, NULL, 16);   /* the kernel prints it in hex */
    printf(" eventfd-count 0x%" PRIx64 " (%" PRIu64 ")", value, value);
    if (fdinfo_field(0, fd, "eventfd-id", id, sizeof id))
        printf(", eventfd-id %s", id);
    if (fdinfo_field(0, fd, "eventfd-semaphore", semaphore, sizeof semaphore))
        printf(", eventfd-semaphore %s", semaphore);
    printf("\n");
    if (ferror(stdout))
        die("write stdout");
}

/* Reads the state letter from /proc/PID/stat; the command name in parentheses
 * may itself contain spaces and parentheses, so we look after the last ')'. */
static char process_state(pid_t pid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long) pid);
    FILE *stat = fopen(path, "r");
    if (stat == NULL)
        return '?';
    char state = '?';
    if (fgets(line, sizeof line, stat)) {
        char *paren = strrchr(line, ')');
        if (paren && paren[1] == ' ')
            state = paren[2];
    }
    fclose(stat);
    return state;
}

bool proc_text(pid_t pid, const char *name, char *text, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/%s", (long) pid, name);
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return false;
    bool ok = fgets(text, (int) size, file) != NULL;
    fclose(file);
    if (ok)
        text[strcspn(text, "\n")] = '\0';
    return ok;
}

/* Reads /proc/PID/syscall: "NR ARG0 ARG1 ..." while the process is inside a
 * system call, "running" while it runs in user space. Returns -1 when the
 * kernel has no such file, 0 when the process is not in a system call. */
static int current_syscall(pid_t pid, long *nr, unsigned long *arg0)
{
    char text[256];
    if (!proc_text(pid, "syscall", text, sizeof text))
        return -1;
    return sscanf(text, "%ld %lx", nr, arg0) == 2;
}

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

bool wait_until_blocked(pid_t pid, long syscall_nr, int fd, int timeout_ms)
{
    struct timespec start;
    const struct timespec one_ms = { 0, 1000000 };
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        long nr;
        unsigned long arg0;
        char state = process_state(pid);
        if (state == 'Z' || state == '?') {   /* it has ended: it never will */
            errno = ESRCH;
            return false;
        }
        if (state == 'S') {
            int in_call = current_syscall(pid, &nr, &arg0);
            if (in_call == -1 || (in_call == 1 && nr == syscall_nr && arg0 == (unsigned long) fd))
                return true;
        }
        if (elapsed_ms(&start) >= timeout_ms) {
            errno = ETIMEDOUT;
            return false;
        }
        nanosleep(&one_ms, NULL);   /* poll /proc again: the condition has a deadline */
    }
}

const char *describe_status(int status)
{
    static char text[96];
    if (WIFEXITED(status))
        snprintf(text, sizeof text, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(text, sizeof text, "was killed by signal %d (%s)",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(text, sizeof text, "changed state (status 0x%x)", (unsigned) status);
    return text;
}
