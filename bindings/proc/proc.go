// Package proc inspects processes through /proc: the pids of the system
// (ps -e), one process's identity, credentials and namespaces (ps -o …,
// /proc/PID/status), its children and tree (pstree -p), processes by name or
// namespace (pgrep -x, lsns -p) and signals (kill). Spawning lives in the
// spawn binding; the Lua module proc is composed from both. This file is
// plain Go; lua.go binds it to Lua.
package proc

import (
	"bytes"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture (sysconf(_SC_CLK_TCK) without cgo).
const clockTicks = 100

// Info is what proc.info returns. Pointer and slice fields are nil when the
// caller may not read them (another user's exe, cwd and root, say).
type Info struct {
	PID, PPID       int
	Name            string // comm, as ps -o comm
	State           string // "R", "S", ... as /proc/PID/stat
	StartTime       float64
	Cmdline         []string
	Exe, Cwd, Root  *string
	UID, EUID       *int
	GID, EGID       *int
	Threads         *int
	NSpid           []int
	NS              map[string]uint64
	Cgroup          *string
	cmdlineReadable bool
}

// Stat is the part of /proc/PID/stat proc needs.
type Stat struct {
	PID, PPID int
	Comm      string
	State     string
	StartTime float64 // seconds since boot
}

// ReadStat reads /proc/PID/stat. A process that does not exist gives ESRCH.
func ReadStat(pid int) (*Stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, noProcess(pid, err)
	}
	return ParseStat(b)
}

// noProcess turns ENOENT on /proc/PID into ESRCH naming the pid.
func noProcess(pid int, err error) error {
	if os.IsNotExist(err) || engine.ErrnoName(err) == "ESRCH" {
		return engine.Errorf(unix.ESRCH, "proc", strconv.Itoa(pid), "no such process")
	}
	return &engine.OpError{Op: "read", Arg: "/proc/" + strconv.Itoa(pid) + "/stat", Err: err}
}

// ParseStat parses a /proc/PID/stat line; comm may hold spaces and ")".
func ParseStat(b []byte) (*Stat, error) {
	open, close := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || close < open {
		return nil, engine.Errorf(unix.EINVAL, "parse", "stat", "malformed /proc stat line")
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:open])))
	if err != nil {
		return nil, engine.Errorf(unix.EINVAL, "parse", "stat", "malformed pid")
	}
	f := strings.Fields(string(b[close+1:]))
	// f[0] is field 3 (state); ppid is field 4, starttime field 22
	if len(f) < 20 {
		return nil, engine.Errorf(unix.EINVAL, "parse", "stat", "too few fields")
	}
	ppid, err1 := strconv.Atoi(f[1])
	start, err2 := strconv.ParseUint(f[19], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, engine.Errorf(unix.EINVAL, "parse", "stat", "malformed number")
	}
	return &Stat{PID: pid, PPID: ppid, Comm: string(b[open+1 : close]), State: f[0],
		StartTime: float64(start) / clockTicks}, nil
}

// ReadInfo gathers proc.info's fields. Only a process that does not exist
// is an error; a file the caller may not read leaves its fields nil.
// Equivalent to: `ps -o pid,ppid,comm,state,ruid,euid,rgid,egid,nlwp -p PID`
// with /proc/PID/{cmdline,exe,cwd,root,ns,cgroup} and NSpid.
func ReadInfo(pid int) (*Info, error) {
	st, err := ReadStat(pid)
	if err != nil {
		return nil, err
	}
	dir := "/proc/" + strconv.Itoa(pid) + "/"
	in := &Info{PID: st.PID, PPID: st.PPID, Name: st.Comm, State: st.State, StartTime: st.StartTime,
		NS: map[string]uint64{}}
	if b, err := os.ReadFile(dir + "cmdline"); err == nil {
		in.Cmdline = SplitCmdline(b)
	}
	in.Exe, in.Cwd, in.Root = readLink(dir+"exe"), readLink(dir+"cwd"), readLink(dir+"root")
	if b, err := os.ReadFile(dir + "status"); err == nil {
		parseStatus(b, in)
	}
	for _, t := range engine.TypeNames() {
		if s := readLink(dir + "ns/" + t); s != nil {
			if ino, ok := nsInode(*s); ok {
				in.NS[t] = ino
			}
		}
	}
	if b, err := os.ReadFile(dir + "cgroup"); err == nil {
		in.Cgroup = CgroupPath(b)
	}
	return in, nil
}

// SplitCmdline splits /proc/PID/cmdline at NUL bytes.
func SplitCmdline(b []byte) []string {
	b = bytes.TrimSuffix(b, []byte{0})
	if len(b) == 0 {
		return []string{}
	}
	return strings.Split(string(b), "\x00")
}

func readLink(path string) *string {
	s, err := os.Readlink(path)
	if err != nil {
		return nil
	}
	return &s
}

// nsInode parses "net:[4026531840]".
func nsInode(s string) (uint64, bool) {
	i := strings.Index(s, ":[")
	if i < 0 || !strings.HasSuffix(s, "]") {
		return 0, false
	}
	ino, err := strconv.ParseUint(s[i+2:len(s)-1], 10, 64)
	return ino, err == nil
}

// parseStatus fills credentials, threads and NSpid from /proc/PID/status.
func parseStatus(b []byte, in *Info) {
	for _, line := range strings.Split(string(b), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(val)
		switch key {
		case "Uid", "Gid":
			if len(f) < 2 {
				continue
			}
			r, err1 := strconv.Atoi(f[0])
			e, err2 := strconv.Atoi(f[1])
			if err1 != nil || err2 != nil {
				continue
			}
			if key == "Uid" {
				in.UID, in.EUID = &r, &e
			} else {
				in.GID, in.EGID = &r, &e
			}
		case "Threads":
			if n, err := strconv.Atoi(strings.TrimSpace(val)); err == nil {
				in.Threads = &n
			}
		case "NSpid":
			in.NSpid = nil
			for _, s := range f {
				if n, err := strconv.Atoi(s); err == nil {
					in.NSpid = append(in.NSpid, n)
				}
			}
		}
	}
}

// CgroupPath returns the process's cgroup v2 path (the "0::" line of
// /proc/PID/cgroup), or on a v1-only system the first line's path.
func CgroupPath(b []byte) *string {
	var first *string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		p := parts[2]
		if parts[0] == "0" && parts[1] == "" {
			return &p
		}
		if first == nil {
			first = &p
		}
	}
	return first
}

// List returns the pids of /proc, sorted (ps -e -o pid).
func List() ([]int, error) {
	f, err := os.Open("/proc")
	if err != nil {
		return nil, &engine.OpError{Op: "open", Arg: "/proc", Err: err}
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, &engine.OpError{Op: "readdir", Arg: "/proc", Err: err}
	}
	return engine.PIDs(names), nil
}

// Snapshot is every process's stat at one moment, for children and trees.
type Snapshot struct {
	ByPID    map[int]*Stat
	Children map[int][]int // sorted
}

// TakeSnapshot reads the stat of every process (ps -e -o pid,ppid,comm).
func TakeSnapshot() (*Snapshot, error) {
	pids, err := List()
	if err != nil {
		return nil, err
	}
	s := &Snapshot{ByPID: map[int]*Stat{}, Children: map[int][]int{}}
	for _, pid := range pids {
		st, err := ReadStat(pid)
		if err != nil {
			continue // exited meanwhile
		}
		s.ByPID[pid] = st
		s.Children[st.PPID] = append(s.Children[st.PPID], pid)
	}
	return s, nil
}

// Node is one process of a tree (pstree -p).
type Node struct {
	PID      int
	Name     string
	Children []*Node
}

// Tree builds the tree of processes below pid from a snapshot.
func (s *Snapshot) Tree(pid int) *Node {
	n := &Node{PID: pid}
	if st := s.ByPID[pid]; st != nil {
		n.Name = st.Comm
	}
	for _, c := range s.Children[pid] {
		if c != pid { // the kernel's pid 0 parents pid 1 and 2 only
			n.Children = append(n.Children, s.Tree(c))
		}
	}
	return n
}

// NSMatch is a namespace a process must be in (proc.find's ns option).
type NSMatch struct {
	Type string
	Ino  uint64
}

// Find returns the pids whose comm is name (when not empty) and that are in
// every namespace of ns, sorted. Equivalent to: `pgrep -x NAME` with
// `--ns PID --nslist TYPES`.
func Find(name string, ns []NSMatch) ([]int, error) {
	pids, err := List()
	if err != nil {
		return nil, err
	}
	var out []int
	for _, pid := range pids {
		if name != "" {
			st, err := ReadStat(pid)
			if err != nil || st.Comm != name {
				continue
			}
		}
		if inAll(pid, ns) {
			out = append(out, pid)
		}
	}
	return out, nil
}

func inAll(pid int, ns []NSMatch) bool {
	for _, m := range ns {
		s := readLink("/proc/" + strconv.Itoa(pid) + "/ns/" + m.Type)
		if s == nil {
			return false
		}
		if ino, ok := nsInode(*s); !ok || ino != m.Ino {
			return false
		}
	}
	return true
}

// ParseSignal accepts "TERM", "SIGTERM", "term" or a number 0..64.
func ParseSignal(s string) (unix.Signal, bool) {
	s = strings.ToUpper(s)
	if !strings.HasPrefix(s, "SIG") {
		s = "SIG" + s
	}
	sig := unix.SignalNum(s)
	return sig, sig != 0
}

// Kill sends sig to pid, as kill(1).
func Kill(pid int, sig unix.Signal) error {
	if err := unix.Kill(pid, sig); err != nil {
		return &engine.OpError{Op: "kill", Arg: strconv.Itoa(pid), Err: err}
	}
	return nil
}
