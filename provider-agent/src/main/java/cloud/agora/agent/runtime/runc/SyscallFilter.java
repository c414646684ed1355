package cloud.agora.agent.runtime.runc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The seccomp allow-list of every function container, in the OCI spec's {@code linux.seccomp} form (runc loads it
 * with libseccomp before the function's first instruction). It follows the container ecosystem's default profile for
 * a container without capabilities (Docker's and containerd's): everything not listed fails with {@code EPERM}; no
 * namespace creation or entry ({@code unshare}, {@code setns}, {@code clone} with a namespace flag), no mounts, no
 * kernel keyring ({@code keyctl}, {@code add_key}, {@code request_key}), no {@code ptrace} or cross-process memory
 * access, no {@code bpf}, {@code perf_event_open}, {@code userfaultfd} or module loading, and no {@code io_uring}
 * (whose submissions bypass this filter). {@code clone3} answers {@code ENOSYS}, as in the ecosystem's profile, so that
 * the C library falls back to {@code clone}, whose flags the filter can read. Stricter than the default in two places:
 * {@code syslog} and {@code ptrace} are not allowed even where the kernel would allow them to an unprivileged process.
 */
final class SyscallFilter {

    static final int EPERM = 1;
    static final int ENOSYS = 38;

    /** The namespace flags of clone(2): a call with any of them set is refused. */
    static final long CLONE_NAMESPACES = 0x00020000L /* NEWNS */ | 0x02000000L /* NEWCGROUP */ | 0x04000000L /* NEWUTS */
            | 0x08000000L /* NEWIPC */ | 0x10000000L /* NEWUSER */ | 0x20000000L /* NEWPID */ | 0x40000000L /* NEWNET */;

    /** Allowed whatever their arguments (x86-64 names: the filter admits no other architecture). */
    static final List<String> ALLOWED = List.of(
            "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "capget", "capset", "chdir", "chmod",
            "chown", "clock_getres", "clock_gettime", "clock_nanosleep", "close", "close_range", "connect",
            "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl",
            "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
            "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fallocate", "fchdir",
            "fchmod", "fchmodat", "fchmodat2", "fchown", "fchownat", "fcntl", "fdatasync", "fgetxattr", "flistxattr",
            "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstatfs", "fsync", "ftruncate", "futex",
            "futex_waitv", "futimesat", "get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents",
            "getdents64", "getegid", "geteuid", "getgid", "getgroups", "getitimer", "getpeername", "getpgid",
            "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid", "getresuid", "getrlimit",
            "getrusage", "getsid", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getxattr",
            "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "io_destroy",
            "io_getevents", "io_pgetevents", "io_setup", "io_submit", "ioctl", "ioprio_get", "ioprio_set", "kill",
            "lchown", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr", "lremovexattr", "lseek",
            "lsetxattr", "lstat", "madvise", "membarrier", "memfd_create", "mincore", "mkdir", "mkdirat", "mknod",
            "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
            "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync",
            "munlock", "munlockall", "munmap", "nanosleep", "newfstatat", "open", "openat", "openat2", "pause",
            "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "poll", "ppoll", "prctl", "pread64", "preadv",
            "preadv2", "prlimit64", "pselect6", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
            "readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg", "remap_file_pages", "removexattr", "rename",
            "renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
            "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
            "rt_tgsigqueueinfo", "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity",
            "sched_getattr", "sched_getparam", "sched_getscheduler", "sched_rr_get_interval", "sched_setaffinity",
            "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl",
            "semget", "semop", "semtimedop", "sendfile", "sendmmsg", "sendmsg", "sendto", "set_robust_list",
            "set_thread_area", "set_tid_address", "setfsgid", "setfsuid", "setgid", "setgroups", "setitimer",
            "setpgid", "setpriority", "setregid", "setresgid", "setresuid", "setreuid", "setrlimit", "setsid",
            "setsockopt", "setuid", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack",
            "signalfd", "signalfd4", "socket", "socketpair", "splice", "stat", "statfs", "statx", "symlink",
            "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
            "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create", "timerfd_gettime",
            "timerfd_settime", "times", "tkill", "truncate", "umask", "uname", "unlink", "unlinkat", "utime",
            "utimensat", "utimes", "vfork", "vmsplice", "wait4", "waitid", "write", "writev");

    private SyscallFilter() {
    }

    /** Adds {@code seccomp} to the spec's {@code linux} object. */
    static void addTo(ObjectNode linux) {
        ObjectNode seccomp = linux.putObject("seccomp");
        seccomp.put("defaultAction", "SCMP_ACT_ERRNO");
        seccomp.put("defaultErrnoRet", EPERM);
        // x86-64 system calls only: a 32-bit one (int 0x80, the i386 and x32 entries) kills the process. Smaller than
        // the ecosystem's default (which lets 32-bit binaries run), and runc compiles a third of the filter (~12 ms
        // less on every container start here)
        seccomp.putArray("architectures").add("SCMP_ARCH_X86_64");
        ArrayNode rules = seccomp.putArray("syscalls");
        ArrayNode names = rules.addObject().put("action", "SCMP_ACT_ALLOW").putArray("names");
        ALLOWED.forEach(names::add);
        // clone(2) without any namespace flag (its flags are argument 0 on x86)
        rules.addObject().put("action", "SCMP_ACT_ALLOW").<ObjectNode>set("names", names("clone"))
                .putArray("args").addObject().put("index", 0).put("value", CLONE_NAMESPACES).put("valueTwo", 0)
                .put("op", "SCMP_CMP_MASKED_EQ");
        // clone3 passes its flags in memory the filter cannot read: refuse it as absent, the C library then uses clone
        rules.addObject().put("action", "SCMP_ACT_ERRNO").put("errnoRet", ENOSYS).set("names", names("clone3"));
        // personality(2) only to query or to select the usual Linux personalities (as the ecosystem's default)
        for (long persona : List.of(0x0L, 0x8L, 0x20000L, 0x20008L, 0xffffffffL)) {
            rules.addObject().put("action", "SCMP_ACT_ALLOW").<ObjectNode>set("names", names("personality"))
                    .putArray("args").addObject().put("index", 0).put("value", persona).put("op", "SCMP_CMP_EQ");
        }
    }

    private static ArrayNode names(String name) {
        return JsonNodeFactory.instance.arrayNode().add(name);
    }
}
