/* course.h — the small teaching harness that the lessons share.
 *
 * Nothing here is needed to *use* eventfd: the eventfd code in every lesson is
 * plain libc that you can copy as it is. This header only gives the lessons
 *
 *   - the command line every lesson shares (--pause, --help) and strict number
 *     parsing, so that bad input always ends in a usage message and exit 2;
 *   - die(), which names the failing call, reaps any children and exits 1;
 *   - say(), which starts each line with who is speaking ("parent 1234:");
 *   - checkpoint(), the pause points where you (or a test) inspect /proc;
 *   - small readers of /proc/PID/fdinfo and of a process's state.
 *
 * The checkpoint protocol (used by humans and by the tests alike):
 *   Without --pause a checkpoint does nothing. With --pause, the process that
 *   reaches one prints a single flushed line on stdout,
 *       checkpoint NAME pid=PID fd=FD
 *   prints ready-to-paste inspection commands on stderr, and waits for one line
 *   on stdin (end of input also continues). The state the checkpoint names is
 *   complete before its line is printed. Only one process of a lesson is ever
 *   paused at a time, so each input line resumes exactly the process whose
 *   checkpoint line came last.
 */
#ifndef COURSE_H
#define COURSE_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads the options every lesson shares (--pause, --help) and the lesson's own.
 *   usage    what follows the program's name in "usage: NAME ...", then lines
 *            describing the lesson's own options (--pause and --help are
 *            described by the harness); printed for --help and for bad input.
 *   options  the lesson's own long options (may be NULL); each option's 'val'
 *            is passed to on_option together with its argument.
 * --list-options, left out of the usage, prints this table and the operands
 * the usage's first line names, for scripts/prove/check's bad-input step.
 * Returns the index in argv of the first operand. Must be called before fork. */
int course_options(int argc, char *argv[], const char *usage,
                   const struct option *options,
                   void (*on_option)(int val, const char *arg));

/* True when --pause was given: a lesson that execs another course program
 * passes --pause on to it. */
bool course_pausing(void);

/* Prints "NAME: <reason>" and the usage on stderr, then exits with status 2. */
_Noreturn void usage_error(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

/* Prints "NAME: CALL: strerror(errno)" on stderr. In the lesson's first
 * process it then kills and reaps any children it still has, so that a failure
 * never leaves an orphan; it exits with status 1. */
_Noreturn void die(const char *call);

/* Parses a whole number written in decimal or as 0x-prefixed hexadecimal and
 * checks min <= n <= max; anything else is a usage error (exit 2) that names
 * 'what'. No sign, no spaces, no octal surprises ("010" is ten). */
uint64_t parse_u64(const char *text, const char *what, uint64_t min, uint64_t max);

/* printf() to stdout, prefixed with "parent PID: " in the lesson's first
 * process and "child PID: " in any other. A line that cannot be written (a
 * full disk, say) is an error: die("write stdout"). show_fdinfo() too. */
void say(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* A pause point (see the protocol above). 'fd' is the eventfd to inspect. */
void checkpoint(const char *name, int fd);

/* Copies the value of one fdinfo field ("eventfd-count", "eventfd-id", ...)
 * of descriptor 'fd' of process 'pid' (0 means this process) into 'value'.
 * Returns false when the kernel does not print that field. */
bool fdinfo_field(pid_t pid, int fd, const char *field, char *value, size_t size);

/* Prints the eventfd fields the kernel shows for 'fd' of this process, with
 * the count in hex and decimal, e.g.
 *   "  /proc/1234/fdinfo/3: eventfd-count 0x1c (28), eventfd-id 46" */
void show_fdinfo(int fd);

/* Copies the first line of /proc/PID/NAME (for example "syscall", "wchan")
 * into 'text' without its newline. Returns false if it cannot be read. */
bool proc_text(pid_t pid, const char *name, char *text, size_t size);

/* Waits, up to 'timeout_ms', until process 'pid' sleeps (state S) inside
 * system call 'syscall_nr' on descriptor 'fd', as /proc/PID/stat and
 * /proc/PID/syscall show it (on a kernel without /proc/PID/syscall, state S
 * alone). Returns true once it does; false with errno ETIMEDOUT on time-out,
 * or with errno ESRCH as soon as the process has ended (it never will). */
bool wait_until_blocked(pid_t pid, long syscall_nr, int fd, int timeout_ms);

/* Describes how a child ended, from waitpid()'s status: "exited with status 0",
 * "was killed by signal 9 (Killed)". Returns a static buffer. */
const char *describe_status(int status);

#endif
