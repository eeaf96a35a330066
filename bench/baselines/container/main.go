// Command container is the floor for the container benchmark: the container
// that container.lua builds, written directly in Go against the kernel, with
// no Lua, no option checking and no handles. Each of N containers gets an
// overlay of ROOTFS with a tmpfs upper layer, a minimal /dev (tmpfs, six
// device nodes, devpts, shm, the usual links), sysfs of a new network
// namespace with loopback up (made one ahead on a thread of its own, as
// nslua's look-ahead does) mounted read-only, /sys/firmware masked, new mnt,
// uts (hostname "container"), ipc, cgroup and pid namespaces, pivot_root, a
// /proc of the new pid namespace with runc's masked and read-only paths,
// and runs /bin/true there as pid 1 with a minimal environment.
//
// Two locked threads take turns: one builds the next container's root while
// the other runs its container, as a program that uses both cores would, and
// each goes back to its original namespaces after a container, so no thread
// is made per container. The containers still run one after another. As
// in nslua, the child is held in a ptrace stop at its exec while /proc of
// its new pid namespace is mounted: the kernel gives no handle on a pid
// namespace before its first process exists. bench/container.go
// runs it beside nslua, bwrap and crun.
//
// Usage: container ROOTFS N
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// The main goroutine keeps the main thread: a goroutine that exits locked
// to the main thread parks it instead of ending it.
func init() { runtime.LockOSThread() }

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: container ROOTFS N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "container: N must be a positive number")
		os.Exit(2)
	}
	done := make(chan error)
	go func() { done <- runAll(os.Args[1], n) }()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "container:", err)
		os.Exit(1)
	}
}

// home holds the builder threads' original namespaces, to go back to.
type home struct{ mnt, net, uts int }

func runAll(rootfs string, n int) error {
	var h home
	for _, p := range []struct {
		fd   *int
		name string
	}{{&h.mnt, "mnt"}, {&h.net, "net"}, {&h.uts, "uts"}} {
		fd, err := unix.Open("/proc/thread-self/ns/"+p.name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		*p.fd = fd
	}
	masks, err := procMasks()
	if err != nil {
		return err
	}
	nets := make(chan netns, 1)
	go netnsMaker(nets)
	turns := make([]chan struct{}, n+1)
	for i := range turns {
		turns[i] = make(chan struct{})
	}
	errs := make(chan error, 2)
	for w := 0; w < 2; w++ {
		go func(w int) {
			runtime.LockOSThread()
			if err := unix.Unshare(unix.CLONE_FS); err != nil {
				errs <- err
				return
			}
			for i := w; i < n; i += 2 {
				if err := one(rootfs, nets, masks, turns[i]); err != nil {
					errs <- err
					return
				}
				close(turns[i+1])
				for _, b := range []struct {
					fd   int
					flag int
				}{{h.mnt, unix.CLONE_NEWNS}, {h.net, unix.CLONE_NEWNET}, {h.uts, unix.CLONE_NEWUTS}} {
					if err := unix.Setns(b.fd, b.flag); err != nil {
						errs <- err
						return
					}
				}
			}
			errs <- nil
		}(w)
	}
	close(turns[0])
	for w := 0; w < 2; w++ {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

type netns struct {
	fd  int
	err error
}

// netnsMaker makes network namespaces with loopback up, one ahead, on a
// locked thread that returns to its own netns after each.
func netnsMaker(out chan<- netns) {
	runtime.LockOSThread()
	home, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	for err == nil {
		var fd int
		if err = unix.Unshare(unix.CLONE_NEWNET); err != nil {
			break
		}
		if err = loopbackUp(); err != nil {
			break
		}
		if fd, err = unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
			break
		}
		if err = unix.Setns(home, unix.CLONE_NEWNET); err != nil {
			break
		}
		out <- netns{fd: fd}
	}
	out <- netns{fd: -1, err: err}
}

func loopbackUp() error {
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(s)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	ifr.SetUint16(unix.IFF_UP | unix.IFF_LOOPBACK | unix.IFF_RUNNING)
	return unix.IoctlIfreq(s, unix.SIOCSIFFLAGS, ifr)
}

// mask is one of runc's masked or read-only /proc paths that this host has.
type mask struct {
	path string
	dir  bool // masked directory: a read-only tmpfs
	ro   bool // read-only path: a read-only bind of itself
}

func procMasks() ([]mask, error) {
	var out []mask
	for _, p := range []string{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi"} {
		if st, err := os.Stat(p); err == nil {
			out = append(out, mask{path: p, dir: st.IsDir()})
		}
	}
	for _, p := range []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"} {
		if _, err := os.Stat(p); err == nil {
			out = append(out, mask{path: p, ro: true})
		}
	}
	return out, nil
}

func check(op string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// one builds a container on the calling thread and runs /bin/true in it
// once turn is closed. It takes its network namespace from nets once the
// root is built.
func one(rootfs string, nets <-chan netns, masks []mask, turn <-chan struct{}) error {
	if err := unix.Unshare(unix.CLONE_NEWNS | unix.CLONE_NEWUTS); err != nil {
		return check("unshare", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return check("rprivate", err)
	}
	if err := unix.Sethostname([]byte("container")); err != nil {
		return check("sethostname", err)
	}
	if err := overlay(rootfs); err != nil {
		return err
	}
	if err := dev(rootfs + "/dev"); err != nil {
		return err
	}
	nn := <-nets
	if nn.err != nil {
		return fmt.Errorf("netns: %w", nn.err)
	}
	err := unix.Setns(nn.fd, unix.CLONE_NEWNET)
	unix.Close(nn.fd)
	if err != nil {
		return check("setns net", err)
	}
	sys, err := detached("sysfs", nil, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return err
	}
	if err := attach(sys, rootfs+"/sys"); err != nil {
		return err
	}
	fw, err := detached("tmpfs", map[string]string{"mode": "555"}, unix.MOUNT_ATTR_RDONLY)
	if err != nil {
		return err
	}
	if err := attach(fw, rootfs+"/sys/firmware"); err != nil {
		return err
	}
	hostProc, err := unix.Open("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return check("open /proc", err)
	}
	defer unix.Close(hostProc)
	if err := pivot(rootfs); err != nil {
		return err
	}
	<-turn // the previous container has ended
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "HOSTNAME=container"}
	p, err := os.StartProcess("/bin/true", []string{"/bin/true"}, &os.ProcAttr{
		Dir: "/", Env: env, Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
		Sys: &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWPID | unix.CLONE_NEWIPC | unix.CLONE_NEWCGROUP,
			Pdeathsig: syscall.SIGKILL, Ptrace: true},
	})
	if err != nil {
		return check("start /bin/true", err)
	}
	// the child is held at its exec while /proc of its pid namespace is made
	var ws unix.WaitStatus
	if _, err := unix.Wait4(p.Pid, &ws, 0, nil); err != nil || !ws.Stopped() {
		p.Kill()
		return fmt.Errorf("child did not stop at exec: %v %v", err, ws)
	}
	err = procMount(hostProc, p.Pid, masks)
	if err != nil {
		p.Kill()
	}
	if derr := unix.PtraceDetach(p.Pid); err == nil {
		err = check("ptrace detach", derr)
	}
	st, werr := p.Wait()
	if err != nil {
		return err
	}
	if werr != nil {
		return check("wait", werr)
	}
	if !st.Success() {
		return fmt.Errorf("/bin/true: %v", st)
	}
	return nil
}

// procMount mounts /proc of pid's pid namespace in the new root, then
// runc's masked and read-only paths.
func procMount(hostProc, pid int, masks []mask) error {
	pidns, err := unix.Openat(hostProc, strconv.Itoa(pid)+"/ns/pid", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return check("open pid ns", err)
	}
	fd, err := detached("proc", map[string]string{"pidns": ""}, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC, pidns)
	unix.Close(pidns)
	if err != nil {
		return err
	}
	if err := attach(fd, "/proc"); err != nil {
		return err
	}
	for _, m := range masks {
		switch {
		case m.dir:
			fd, err = detached("tmpfs", map[string]string{"mode": "555"}, unix.MOUNT_ATTR_RDONLY)
		case m.ro:
			fd, err = bind(m.path, unix.MOUNT_ATTR_RDONLY)
		default:
			fd, err = bind("/dev/null", 0)
		}
		if err != nil {
			return err
		}
		if err := attach(fd, m.path); err != nil {
			return err
		}
	}
	return nil
}

// detached makes a filesystem and returns its detached mount. A key whose
// value is "" takes the next fd argument.
func detached(fstype string, opts map[string]string, attrs uint64, fds ...int) (int, error) {
	fs, err := unix.Fsopen(fstype, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, check("fsopen "+fstype, err)
	}
	defer unix.Close(fs)
	if err := unix.FsconfigSetString(fs, "source", fstype); err != nil {
		return -1, check("fsconfig source", err)
	}
	for k, v := range opts {
		if v == "" {
			err = unix.FsconfigSetFd(fs, k, fds[0])
			fds = fds[1:]
		} else {
			err = unix.FsconfigSetString(fs, k, v)
		}
		if err != nil {
			return -1, check("fsconfig "+fstype+" "+k, err)
		}
	}
	if err := unix.FsconfigCreate(fs); err != nil {
		return -1, check("fsconfig create "+fstype, err)
	}
	fd, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, int(attrs))
	return fd, check("fsmount "+fstype, err)
}

func bind(source string, attrs uint64) (int, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, source, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return -1, check("open_tree "+source, err)
	}
	if attrs != 0 {
		if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &unix.MountAttr{Attr_set: attrs}); err != nil {
			unix.Close(fd)
			return -1, check("mount_setattr "+source, err)
		}
	}
	return fd, nil
}

// attach moves a detached mount to target and closes its fd.
func attach(fd int, target string) error {
	err := unix.MoveMount(fd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH)
	unix.Close(fd)
	return check("move_mount "+target, err)
}

// overlay mounts ROOTFS as the lower layer of an overlay on itself, with
// upper and work directories in a tmpfs that only the overlay holds:
// overlayfs takes private clones of its layers, and only of mounts in the
// caller's namespace, so the tmpfs sits on ROOTFS until the overlay is made.
func overlay(rootfs string) error {
	upper, err := detached("tmpfs", map[string]string{"mode": "755"}, 0)
	if err != nil {
		return err
	}
	defer unix.Close(upper)
	ovl, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return check("fsopen overlay", err)
	}
	defer unix.Close(ovl)
	if err := unix.FsconfigSetString(ovl, "source", "overlay"); err != nil {
		return check("fsconfig source", err)
	}
	if err := unix.FsconfigSetString(ovl, "lowerdir+", rootfs); err != nil {
		return check("fsconfig lowerdir+", err)
	}
	if err := unix.MoveMount(upper, "", unix.AT_FDCWD, rootfs, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return check("move_mount tmpfs", err)
	}
	for _, d := range []string{"upper", "work"} {
		if err := unix.Mkdirat(upper, d, 0o755); err != nil {
			return check("mkdir "+d, err)
		}
		fd, err := unix.Openat(upper, d, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return check("open "+d, err)
		}
		err = unix.FsconfigSetFd(ovl, d+"dir", fd)
		unix.Close(fd)
		if err != nil {
			return check("fsconfig "+d+"dir", err)
		}
	}
	if err := unix.FsconfigCreate(ovl); err != nil {
		return check("fsconfig create overlay", err)
	}
	fd, err := unix.Fsmount(ovl, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return check("fsmount overlay", err)
	}
	if err := unix.Unmount("/proc/self/fd/"+strconv.Itoa(upper), unix.MNT_DETACH); err != nil {
		unix.Close(fd)
		return check("umount tmpfs", err)
	}
	return attach(fd, rootfs)
}

// dev makes a minimal /dev at target, as container.lua's does.
func dev(target string) error {
	if err := unix.Mount("tmpfs", target, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=755,size=64k"); err != nil {
		return check("mount /dev", err)
	}
	d, err := unix.Open(target, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return check("open /dev", err)
	}
	defer unix.Close(d)
	for _, n := range []struct {
		name         string
		major, minor uint32
	}{{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}} {
		if err := unix.Mknodat(d, n.name, unix.S_IFCHR|0o666, int(unix.Mkdev(n.major, n.minor))); err != nil {
			return check("mknod "+n.name, err)
		}
		if err := unix.Fchmodat(d, n.name, 0o666, 0); err != nil {
			return check("chmod "+n.name, err)
		}
	}
	for _, m := range []struct{ name, fstype, data string }{
		{"pts", "devpts", "newinstance,ptmxmode=0666,mode=0620"}, {"shm", "tmpfs", "mode=1777,size=65536k"}} {
		flags := uintptr(unix.MS_NOSUID | unix.MS_NOEXEC)
		if m.name == "shm" {
			flags |= unix.MS_NODEV
		}
		if err := unix.Mkdirat(d, m.name, 0o755); err != nil {
			return check("mkdir "+m.name, err)
		}
		if err := unix.Mount(m.fstype, target+"/"+m.name, m.fstype, flags, m.data); err != nil {
			return check("mount "+m.name, err)
		}
	}
	for _, l := range [][2]string{{"ptmx", "pts/ptmx"}, {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
		{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}} {
		if err := unix.Symlinkat(l[1], d, l[0]); err != nil {
			return check("symlink "+l[0], err)
		}
	}
	return nil
}

// pivot makes rootfs the thread's root and detaches the old one.
func pivot(rootfs string) error {
	if err := unix.Chdir(rootfs); err != nil {
		return check("chdir", err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return check("pivot_root", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return check("umount old root", err)
	}
	return check("chdir /", unix.Chdir("/"))
}
