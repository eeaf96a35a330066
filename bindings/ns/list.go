package ns

import (
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/engine/mountinfo"
)

// Entry is one namespace of the system, as a row of lsns(8) plus what lsns
// misses: namespaces held only by a bind mount (pin) or an open fd.
type Entry struct {
	Kind  engine.Kind
	Ino   uint64
	Pids  []int    // processes with a task inside, sorted (lsns NPROCS counts them)
	UID   int      // owner of the lowest pid's /proc entry (lsns USER), -1 without one
	Names []string // netns names (pins directly under /run/netns)
	Pins  []string // every nsfs mount point holding it in the caller's mount namespace
	Path  string   // a path that opens it: a pin, /proc/PID/ns/TYPE or /proc/PID/fd/N
}

// nsKey identifies a namespace: all nsfs files share one device, so the
// inode and the type (for safety) suffice.
type nsKey struct {
	kind engine.Kind
	ino  uint64
}

// ListResult is what List found, and which processes it could not inspect.
type ListResult struct {
	Entries    []*Entry
	Unreadable []int // pids whose ns links were refused (EACCES), as lsns skips them
}

// the links of /proc/PID/task/TID/ns: membership first, then the
// *_for_children links, which hold a namespace without being inside it
var memberLinks, holderLinks = func() (m, h []string) {
	for _, n := range engine.TypeNames() {
		m = append(m, n)
	}
	return m, []string{"pid_for_children", "time_for_children"}
}()

// procScan is what one process contributes.
type procScan struct {
	pid        int
	uid        int
	member     []nsKey
	held       []nsKey // through *_for_children or fds
	heldPath   []string
	unreadable bool
}

// List walks /proc — every task's namespace links and every process's open
// fds — and the caller's mountinfo for nsfs pins, and returns every namespace
// found, sorted by inode. Equivalent to: `lsns`, plus namespaces lsns cannot
// see. Processes are read in parallel; /proc is opened once on the calling
// thread, so the walk sees the caller's /proc whatever thread reads it.
func List(kind engine.Kind) (*ListResult, error) {
	proc, err := unix.Open("/proc", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &engine.OpError{Op: "open", Arg: "/proc", Err: err}
	}
	defer unix.Close(proc)
	pids, err := readPids(proc)
	if err != nil {
		return nil, err
	}
	mounts, err := mountinfo.Read(0)
	if err != nil {
		return nil, &engine.OpError{Op: "read", Arg: "/proc/thread-self/mountinfo", Err: err}
	}

	scans := make([]procScan, len(pids))
	workers := runtime.GOMAXPROCS(0)
	if workers > 8 {
		workers = 8
	}
	var wg sync.WaitGroup
	next := make(chan int, len(pids))
	for i := range pids {
		next <- i
	}
	close(next)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256)
			for i := range next {
				scans[i] = scanProcess(proc, pids[i], buf)
			}
		}()
	}
	wg.Wait()

	byKey := map[nsKey]*Entry{}
	get := func(k nsKey) *Entry {
		e := byKey[k]
		if e == nil {
			e = &Entry{Kind: k.kind, Ino: k.ino, UID: -1}
			byKey[k] = e
		}
		return e
	}
	res := &ListResult{}
	for _, s := range scans { // pids ascending: the first member is the lowest
		if s.unreadable {
			res.Unreadable = append(res.Unreadable, s.pid)
		}
		for _, k := range s.member {
			e := get(k)
			if len(e.Pids) == 0 {
				e.UID = s.uid
				e.Path = "/proc/" + strconv.Itoa(s.pid) + "/ns/" + k.kind.String()
			}
			e.Pids = append(e.Pids, s.pid)
		}
		for i, k := range s.held {
			if e := get(k); e.Path == "" {
				e.Path = s.heldPath[i]
			}
		}
	}
	for _, m := range mounts {
		if m.FSType != "nsfs" {
			continue
		}
		k, ok := parseNSName(m.Root)
		if !ok {
			continue
		}
		e := get(k)
		e.Pins = append(e.Pins, m.Target)
		if k.kind == engine.KindNet && filepath.Dir(m.Target) == engine.NetnsDir {
			e.Names = append(e.Names, filepath.Base(m.Target))
		}
	}
	for _, e := range byKey {
		if kind >= 0 && e.Kind != kind {
			continue
		}
		if len(e.Pins) > 0 {
			sort.Strings(e.Pins)
			sort.Strings(e.Names)
			if len(e.Names) > 0 {
				e.Path = engine.NetnsPath(e.Names[0])
			} else if len(e.Pids) == 0 {
				e.Path = e.Pins[0]
			}
		}
		res.Entries = append(res.Entries, e)
	}
	sort.Slice(res.Entries, func(i, j int) bool {
		a, b := res.Entries[i], res.Entries[j]
		if a.Ino != b.Ino {
			return a.Ino < b.Ino
		}
		return a.Kind < b.Kind
	})
	return res, nil
}

// readPids lists the numeric entries of /proc, ascending.
func readPids(proc int) ([]int, error) {
	names, err := readDirNames(proc, ".")
	if err != nil {
		return nil, &engine.OpError{Op: "readdir", Arg: "/proc", Err: err}
	}
	return engine.PIDs(names), nil
}

// readDirNames lists a directory relative to dirfd with getdents.
func readDirNames(dirfd int, path string) ([]string, error) {
	fd, err := unix.Openat(dirfd, path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var names []string
	buf := make([]byte, 8192)
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			return names, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}

// scanProcess reads one process: the ns links of each of its tasks, the
// owner of its /proc entry, and its open nsfs fds. A process that exits
// meanwhile contributes what was read before.
func scanProcess(proc, pid int, buf []byte) procScan {
	s := procScan{pid: pid, uid: -1}
	base := strconv.Itoa(pid)
	var st unix.Stat_t
	if err := unix.Fstatat(proc, base, &st, 0); err != nil {
		return s
	}
	s.uid = int(st.Uid)
	tids, err := readDirNames(proc, base+"/task")
	if err != nil {
		return s
	}
	seen, held := map[nsKey]bool{}, map[nsKey]bool{}
	hold := func(k nsKey, path string) {
		if !held[k] {
			held[k] = true
			s.held = append(s.held, k)
			s.heldPath = append(s.heldPath, path)
		}
	}
	for _, tid := range tids {
		dir := base + "/task/" + tid + "/ns/"
		for _, l := range memberLinks {
			k, err := readNSLink(proc, dir+l, buf)
			if err == unix.EACCES {
				s.unreadable = true
				break
			}
			if err == nil && !seen[k] {
				seen[k] = true
				s.member = append(s.member, k)
			}
		}
		for _, l := range holderLinks {
			if k, err := readNSLink(proc, dir+l, buf); err == nil {
				hold(k, "/proc/"+base+"/task/"+tid+"/ns/"+l)
			}
		}
	}
	fds, _ := readDirNames(proc, base+"/fd")
	for _, fd := range fds {
		if k, err := readNSLink(proc, base+"/fd/"+fd, buf); err == nil {
			hold(k, "/proc/"+base+"/fd/"+fd)
		}
	}
	return s
}

// readNSLink reads a /proc link and parses "net:[4026531840]"; any other
// target (a path, "socket:[…]", "anon_inode:…") is EINVAL.
func readNSLink(dirfd int, path string, buf []byte) (nsKey, error) {
	n, err := unix.Readlinkat(dirfd, path, buf)
	if err != nil {
		return nsKey{}, err
	}
	k, ok := parseNSName(string(buf[:n]))
	if !ok {
		return nsKey{}, unix.EINVAL
	}
	return k, nil
}

// parseNSName parses the nsfs name of a namespace: "net:[4026531840]".
func parseNSName(s string) (nsKey, bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 || len(s) < i+4 || s[i+1] != '[' || s[len(s)-1] != ']' {
		return nsKey{}, false
	}
	k, ok := engine.KindByName(s[:i])
	if !ok {
		return nsKey{}, false
	}
	ino, err := strconv.ParseUint(s[i+2:len(s)-1], 10, 64)
	if err != nil {
		return nsKey{}, false
	}
	return nsKey{k, ino}, true
}
