// nsexec: namespace changes that must happen before the Go runtime starts.
//
// The kernel refuses unshare(CLONE_NEWUSER) and setns into a user or time
// namespace to a multi-threaded process (EINVAL / EUSERS), and a Go process
// is multi-threaded before the first line of main runs. So, as runc's nsexec
// does, this constructor runs when the C library starts the program, before
// the Go runtime exists, and acts only when the environment carries the
// marker _NSLUA_NSEXEC set by nslua itself (engine/nsexec). Otherwise it
// returns at once and costs one getenv.
//
// Modes:
//
//   rootless  nslua re-executed by its own parent (nslua --rootless): become
//             root of a new user namespace, owner of a new private mount
//             namespace, then return and let Go start.
//   join      a helper process for proc.spawn: join the namespaces whose fds
//             are named (user and time among them, as nsenter -U -T), set
//             credentials, and execve the payload. Go never starts.
//
// Failures in join mode are written to the error pipe as "op\targ\terrno"
// and the helper exits 127; the pipe is close-on-exec, so EOF means the
// payload is running. Rootless failures go to stderr (the terminal the user
// sees) and the process exits 1.

#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

// Read by Go (nsexec_cgo.go): 1 when this process became rootless here.
int nslua_nsexec_rootless = 0;

static int err_fd = -1;

// fail reports op(arg) with errno e and ends the process.
static void fail(const char *op, const char *arg, int e)
{
	if (err_fd >= 0) {
		char buf[512];
		int n = snprintf(buf, sizeof buf, "%s\t%s\t%d", op, arg, e);
		if (n > 0) {
			ssize_t w = write(err_fd, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
			(void)w;
		}
		_exit(127);
	}
	// as engine.OpError reads: "EPERM: unshare(user): operation not permitted"
	char text[128];
	snprintf(text, sizeof text, "%s", strerror(e));
	text[0] = (char)tolower((unsigned char)text[0]);
	const char *name = strerrorname_np(e);
	fprintf(stderr, "nslua: rootless: %s: %s(%s): %s%s\n", name ? name : "EIO", op, arg, text,
		strcmp(op, "unshare") == 0 && strcmp(arg, "user") == 0
			? " (are unprivileged user namespaces disabled? see user.max_user_namespaces, "
			  "kernel.unprivileged_userns_clone, or an AppArmor userns restriction)"
			: "");
	_exit(1);
}

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end)
		return def;
	return (int)n;
}

static void write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open", path, errno);
	size_t len = strlen(data);
	if (write(fd, data, len) != (ssize_t)len)
		fail("write", path, errno);
	close(fd);
}

// Pdeathsig is cleared when credentials change; arm it again and make sure
// the parent did not die before it was armed.
static void arm_pdeathsig(int sig, int ppid)
{
	if (sig <= 0)
		return;
	if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) < 0)
		fail("prctl", "PR_SET_PDEATHSIG", errno);
	if (ppid > 0 && getppid() != ppid)
		raise(sig);
}

static void rootless(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	int ppid = env_int("_NSLUA_NSEXEC_PPID", 0);
	int sync_fd = env_int("_NSLUA_NSEXEC_SYNC", -1);

	if (unshare(CLONE_NEWUSER) < 0)
		fail("unshare", "user", errno);

	// A map with more than one line (the caller plus its /etc/subuid and
	// /etc/subgid ranges) can only be written by a process with CAP_SETUID in
	// the parent namespace: the kernel leaves that to the setuid helpers
	// newuidmap and newgidmap (shadow's uidmap package), which check the
	// ranges against /etc/subuid. They are the only programs nslua runs for
	// its own work. The parent runs them for us: we say we are ready, it
	// answers which maps it wrote ('u' uid, 'g' gid), and we write the rest
	// as a single line mapping ourselves to 0, as unshare -r does.
	int have_uid = 0, have_gid = 0;
	if (sync_fd >= 0) {
		fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
		char c = 'r', ans[8] = {0};
		if (write(sync_fd, &c, 1) != 1)
			fail("write", "sync", errno);
		ssize_t n = read(sync_fd, ans, sizeof ans);
		if (n <= 0)
			_exit(1); // the parent is gone
		for (ssize_t i = 0; i < n; i++) {
			have_uid |= ans[i] == 'u';
			have_gid |= ans[i] == 'g';
		}
		close(sync_fd);
	}
	char map[64];
	if (!have_gid) {
		write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
		write_file("/proc/self/gid_map", map);
	}
	if (!have_uid) {
		snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
		write_file("/proc/self/uid_map", map);
	}
	if (setresgid(0, 0, 0) < 0)
		fail("setresgid", "0", errno);
	if (setresuid(0, 0, 0) < 0)
		fail("setresuid", "0", errno);

	// A mount namespace of our own, private, so that nothing mounted here
	// (netns pins, tmpfs, container roots) is ever seen by the host.
	if (unshare(CLONE_NEWNS) < 0)
		fail("unshare", "mnt", errno);
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail("mount", "/ rprivate", errno);

	arm_pdeathsig(SIGKILL, ppid);
	nslua_nsexec_rootless = 1;
}

struct nsfd {
	const char *name;
	const char *env;
	int flag;
	int fd;
	int done;
};

static int nsenter(struct nsfd *n)
{
	if (n->fd < 0 || n->done)
		return 0;
	if (setns(n->fd, n->flag) < 0)
		return errno;
	n->done = 1;
	return 0;
}

static void join(char **argv)
{
	// user first in the table; it is entered between the two passes below.
	struct nsfd ns[] = {
		{"user", "_NSLUA_NSEXEC_USER", CLONE_NEWUSER, -1, 0},
		{"cgroup", "_NSLUA_NSEXEC_CGROUP", CLONE_NEWCGROUP, -1, 0},
		{"ipc", "_NSLUA_NSEXEC_IPC", CLONE_NEWIPC, -1, 0},
		{"uts", "_NSLUA_NSEXEC_UTS", CLONE_NEWUTS, -1, 0},
		{"net", "_NSLUA_NSEXEC_NET", CLONE_NEWNET, -1, 0},
		{"mnt", "_NSLUA_NSEXEC_MNT", CLONE_NEWNS, -1, 0},
		{"time", "_NSLUA_NSEXEC_TIME", CLONE_NEWTIME, -1, 0},
	};
	const int n = sizeof ns / sizeof ns[0];
	err_fd = env_int("_NSLUA_NSEXEC_ERR", -1);
	if (err_fd >= 0)
		fcntl(err_fd, F_SETFD, FD_CLOEXEC);
	int exe_fd = env_int("_NSLUA_NSEXEC_EXEFD", -1);
	if (exe_fd >= 0)
		fcntl(exe_fd, F_SETFD, FD_CLOEXEC); // the payload never inherits it

	// A new time namespace with offsets: they can be written only by the
	// process that unshared it, before anything runs inside, and the
	// payload enters it at execve. procfd, when given, is a /proc that
	// shows this process whatever its root is.
	const char *offsets = getenv("_NSLUA_NSEXEC_OFFSETS");
	if (offsets && *offsets) {
		if (unshare(CLONE_NEWTIME) < 0)
			fail("unshare", "time", errno);
		int procfd = env_int("_NSLUA_NSEXEC_PROCFD", -1);
		int fd = procfd >= 0 ? openat(procfd, "self/timens_offsets", O_WRONLY | O_CLOEXEC)
				     : open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			fail("open", "/proc/self/timens_offsets", errno);
		size_t len = strlen(offsets);
		if (write(fd, offsets, len) != (ssize_t)len)
			fail("write", "timens_offsets", errno);
		close(fd);
		if (procfd >= 0)
			close(procfd);
	}

	// Keep nslua's binary out of reach of the processes whose namespaces we
	// join (ptrace, /proc/PID/exe: runc's CVE-2019-5736); execve of the
	// payload resets this. Only now: our own /proc files must stay ours
	// while the offsets are written.
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (int i = 0; i < n; i++) {
		ns[i].fd = env_int(ns[i].env, -1);
		if (ns[i].fd >= 0)
			fcntl(ns[i].fd, F_SETFD, FD_CLOEXEC);
	}
	const char *path = getenv("_NSLUA_NSEXEC_PATH");
	if (!path || !*path)
		fail("nsexec", "path", EINVAL);
	path = strdup(path);
	const char *cwd = getenv("_NSLUA_NSEXEC_CWD");
	if (cwd)
		cwd = strdup(cwd);
	int uid = env_int("_NSLUA_NSEXEC_UID", -1);
	int gid = env_int("_NSLUA_NSEXEC_GID", -1);
	int unshare_flags = env_int("_NSLUA_NSEXEC_UNSHARE", 0);
	int pdeathsig = env_int("_NSLUA_NSEXEC_PDEATHSIG", 0);

	// As nsenter does: enter what we may before the user namespace (so that
	// a process dropping privilege into a container still can), then the
	// user namespace, then retry what needed its privilege (a namespace
	// owned by a user namespace we own, entered by an unprivileged caller).
	for (int i = 1; i < n; i++)
		nsenter(&ns[i]);
	if (ns[0].fd >= 0) {
		int e = nsenter(&ns[0]);
		if (e)
			fail("setns", "user", e);
	}
	for (int i = 1; i < n; i++) {
		int e = nsenter(&ns[i]);
		if (e)
			fail("setns", ns[i].name, e);
	}
	if (unshare_flags && unshare(unshare_flags) < 0)
		fail("unshare", "namespaces", errno);

	// A bounding set (proc.spawn caps): drop the rest, as capsh --drop, and
	// clear the ambient and inheritable sets so nothing comes back at exec.
	// Here, after the joins and before the credentials change: entering a
	// user namespace gives a full bounding set again (and a new one starts
	// with it), and a setresuid to a non-root id takes the CAP_SETPCAP the
	// drop needs.
	const char *caps = getenv("_NSLUA_NSEXEC_CAPS");
	if (caps && *caps) {
		unsigned long long keep = strtoull(caps, NULL, 16);
		for (int c = 0; c < 64; c++) {
			if (keep & (1ULL << c))
				continue;
			if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
				if (errno == EINVAL)
					break; // past the last capability this kernel knows
				fail("prctl", "PR_CAPBSET_DROP", errno);
			}
		}
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
			fail("prctl", "PR_CAP_AMBIENT_CLEAR_ALL", errno);
		struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
		struct __user_cap_data_struct data[2];
		if (syscall(SYS_capget, &hdr, data) < 0)
			fail("capget", "self", errno);
		if (data[0].inheritable || data[1].inheritable) {
			data[0].inheritable = data[1].inheritable = 0;
			if (syscall(SYS_capset, &hdr, data) < 0)
				fail("capset", "inheritable", errno);
		}
	}
	// Inside a joined user namespace the caller's ids may be unmapped
	// (65534) and execve would then drop every capability: become the
	// requested ids (default root of that namespace), as nsenter -U does.
	if (ns[0].fd >= 0) {
		if (uid < 0)
			uid = 0;
		if (gid < 0)
			gid = 0;
	}
	if (gid >= 0) {
		if (setgroups(0, NULL) < 0 && errno != EPERM)
			fail("setgroups", "0", errno);
		if (setresgid(gid, gid, gid) < 0)
			fail("setresgid", getenv("_NSLUA_NSEXEC_GID") ? getenv("_NSLUA_NSEXEC_GID") : "0", errno);
	}
	if (uid >= 0 && setresuid(uid, uid, uid) < 0)
		fail("setresuid", getenv("_NSLUA_NSEXEC_UID") ? getenv("_NSLUA_NSEXEC_UID") : "0", errno);
	// no_new_privs survives setns and execve; set it last, as setpriv does.
	if (env_int("_NSLUA_NSEXEC_NNP", 0) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail("prctl", "PR_SET_NO_NEW_PRIVS", errno);
	if (cwd && *cwd && chdir(cwd) < 0)
		fail("chdir", cwd, errno);
	arm_pdeathsig(pdeathsig, 0);

	for (int i = 0; i < n; i++) {
		unsetenv(ns[i].env);
		if (ns[i].fd >= 0)
			close(ns[i].fd);
	}
	const char *vars[] = {"_NSLUA_NSEXEC", "_NSLUA_NSEXEC_ERR", "_NSLUA_NSEXEC_EXEFD", "_NSLUA_NSEXEC_PATH",
			      "_NSLUA_NSEXEC_OFFSETS", "_NSLUA_NSEXEC_PROCFD", "_NSLUA_NSEXEC_CAPS", "_NSLUA_NSEXEC_NNP",
			      "_NSLUA_NSEXEC_CWD", "_NSLUA_NSEXEC_UID", "_NSLUA_NSEXEC_GID",
			      "_NSLUA_NSEXEC_UNSHARE", "_NSLUA_NSEXEC_PDEATHSIG"};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
	// No descriptor of nslua's reaches the payload, even one its parent
	// inherited without close-on-exec.
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	extern char **environ;
	// a bare name is looked up in the payload's PATH, inside the joined
	// mount namespace
	if (strchr(path, '/'))
		execve(path, argv, environ);
	else
		execvpe(path, argv, environ);
	fail("execve", path, errno);
}

// grow_fd_table makes the fd table big enough for a thousand descriptors
// while the process still has one thread. The kernel grows the table by
// doubling it, and when the table is shared — by the threads of a Go
// process, always — each growth waits for a full RCU grace period
// (expand_fdtable: synchronize_rcu), measured at 10 ms and more on this
// kind of machine: a script holding a few hundred namespace fds and netlink
// sockets would otherwise pay that three or four times. Here, single
// threaded, the growth costs no wait. The limit is left as it is.
static void grow_fd_table(void)
{
	struct rlimit rl;
	int want = 1023;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 1024)
		want = (int)rl.rlim_cur - 1;
	if (want < 64)
		return;
	for (int fd = 0; fd <= 2; fd++) {
		int high = fcntl(fd, F_DUPFD_CLOEXEC, want);
		if (high >= 0) {
			close(high);
			return;
		}
	}
}

// glibc passes argc, argv and envp to ELF constructors.
__attribute__((constructor)) static void nslua_nsexec(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)envp;
	const char *mode = getenv("_NSLUA_NSEXEC");
	if (!mode) {
		grow_fd_table();
		return;
	}
	if (strcmp(mode, "rootless") == 0) {
		rootless();
		grow_fd_table(); // this process runs the script: still one thread
		unsetenv("_NSLUA_NSEXEC");
		unsetenv("_NSLUA_NSEXEC_PPID");
		unsetenv("_NSLUA_NSEXEC_SYNC");
		return;
	}
	if (strcmp(mode, "join") == 0)
		join(argv);
	fprintf(stderr, "nslua: unknown _NSLUA_NSEXEC mode \"%s\"\n", mode);
	_exit(127);
}
