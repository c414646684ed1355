/*
 * What a hostile function tries first: each line is "<attempt> <result>", where the result is "ok" or the errno's
 * number ("int80" prints how its child ended: "exit <status>" or "signal <number>"). With the argument "fds" it opens files until refused and prints "fds <opened> <errno>" instead. Built
 * statically by the test (gcc -static) and run inside a function container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *attempt, long result) {
    if (result < 0) {
        printf("%s %d\n", attempt, errno);
    } else {
        printf("%s ok\n", attempt);
    }
}

/* A 32-bit system call (getpid through int 0x80, the i386 entry) in a child: how did the child end? */
static void int80(void) {
    pid_t child = fork();
    if (child == 0) {
        long pid;
        __asm__ volatile("int $0x80" : "=a"(pid) : "a"(20) : "memory");
        _exit(pid > 0 ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFSIGNALED(status)) {
        printf("int80 signal %d\n", WTERMSIG(status));
    } else {
        printf("int80 exit %d\n", WEXITSTATUS(status));
    }
}

static int exhaust_descriptors(void) {
    int opened = 0;
    while (open("/dev/null", O_RDONLY) >= 0) {
        opened++;
    }
    printf("fds %d %d\n", opened, errno);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "fds") == 0) {
        return exhaust_descriptors();
    }
    report("unshare-user", unshare(CLONE_NEWUSER));
    report("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
    report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    report("ptrace", ptrace(PTRACE_ATTACH, child, NULL, NULL));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    report("io_uring_setup", syscall(SYS_io_uring_setup, 4, &params));
    fflush(stdout);
    long cloned = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
    if (cloned == 0) {
        _exit(0);
    }
    if (cloned > 0) {
        waitpid((pid_t) cloned, NULL, 0);
    }
    report("clone-newns", cloned);
    fflush(stdout);
    int80();
    fflush(stdout);
    return 0;
}
