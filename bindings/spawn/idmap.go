package spawn

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// IDMaps are the uid and gid maps of a new user namespace.
type IDMaps struct{ UID, GID []syscall.SysProcIDMap }

// rangeSize is what a user namespace started by root maps: 0..65535, as
// useradd gives each user in /etc/subuid.
const rangeSize = 65536

// DefaultIDMap is API.md's default for ns = {user = "new"}: rootless with
// the caller's subordinate range, 0..65535 map to it; a caller that is not
// root (or root only inside a user namespace) becomes 0; real root maps
// 0..65535 to an unused range from 100000 — never 0 to 0, which would isolate
// nothing. release gives the range back once the child has ended (nil when
// there is nothing to give back).
func DefaultIDMap() (m IDMaps, release func()) {
	uid, gid := os.Getuid(), os.Getgid()
	if engine.Rootless && engine.SubUIDs >= rangeSize && engine.SubGIDs >= rangeSize {
		// rootless with the caller's /etc/subuid range mapped 1..n: that
		// range is the unused one (ids 1.. of nslua's own namespace)
		return IDMaps{
			UID: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 1, Size: rangeSize}},
			GID: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 1, Size: rangeSize}},
		}, nil
	}
	if uid != 0 || !initialUserNS() {
		return IDMaps{
			UID: []syscall.SysProcIDMap{{ContainerID: 0, HostID: uid, Size: 1}},
			GID: []syscall.SysProcIDMap{{ContainerID: 0, HostID: gid, Size: 1}},
		}, nil
	}
	base, release := allocRange()
	return IDMaps{
		UID: []syscall.SysProcIDMap{{ContainerID: 0, HostID: base, Size: rangeSize}},
		GID: []syscall.SysProcIDMap{{ContainerID: 0, HostID: base, Size: rangeSize}},
	}, release
}

// ranges remembers the last scan of /proc (a few ms with a hundred
// processes) for a while, and the ranges this nslua handed out and whose
// children still run, so a script starting many containers scans rarely and
// still gives each its own range.
var ranges struct {
	sync.Mutex
	scanned time.Time
	used    []idRange
	live    map[int]int // base -> children using it
}

const rescanAfter = 2 * time.Second

func allocRange() (int, func()) {
	ranges.Lock()
	defer ranges.Unlock()
	if time.Since(ranges.scanned) > rescanAfter {
		ranges.used, ranges.scanned = usedRanges(), time.Now()
	}
	used := ranges.used
	for b := range ranges.live {
		used = append(used, idRange{b, b + rangeSize})
	}
	base := UnusedRange(used)
	if ranges.live == nil {
		ranges.live = map[int]int{}
	}
	ranges.live[base]++
	return base, func() {
		ranges.Lock()
		defer ranges.Unlock()
		if ranges.live[base]--; ranges.live[base] <= 0 {
			delete(ranges.live, base)
		}
	}
}

type idRange struct{ lo, hi int } // [lo, hi)

// UnusedRange returns the lowest base >= 100000, in steps of 65536, whose
// range overlaps none of used.
func UnusedRange(used []idRange) int {
	for base := 100000; ; base += rangeSize {
		free := true
		for _, r := range used {
			if r.lo < base+rangeSize && base < r.hi {
				free = false
				break
			}
		}
		if free {
			return base
		}
	}
}

// usedRanges collects the outside ranges of every user namespace a process
// is in (uid_map and gid_map under /proc, read once per namespace) and
// those handed out in /etc/subuid and /etc/subgid.
func usedRanges() []idRange {
	var used []idRange
	add := func(lo, n int) {
		if n < 1<<31 { // skip the identity map of the initial namespace
			used = append(used, idRange{lo, lo + n})
		}
	}
	// one read per user namespace, not per process: most share ours
	var self unix.Stat_t
	_ = unix.Stat("/proc/self/ns/user", &self)
	seen := map[uint64]bool{self.Ino: true}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		name := e.Name()
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		var st unix.Stat_t
		if unix.Stat("/proc/"+name+"/ns/user", &st) != nil || seen[st.Ino] {
			continue
		}
		seen[st.Ino] = true
		for _, m := range []string{"/uid_map", "/gid_map"} {
			b, err := os.ReadFile("/proc/" + name + m)
			if err != nil {
				continue
			}
			for _, line := range strings.Split(string(b), "\n") {
				f := strings.Fields(line)
				if len(f) != 3 {
					continue
				}
				lo, e1 := strconv.Atoi(f[1])
				n, e2 := strconv.Atoi(f[2])
				if e1 == nil && e2 == nil {
					add(lo, n)
				}
			}
		}
	}
	for _, p := range []string{"/etc/subuid", "/etc/subgid"} {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			parts := strings.Split(sc.Text(), ":")
			if len(parts) != 3 {
				continue
			}
			lo, e1 := strconv.Atoi(parts[1])
			n, e2 := strconv.Atoi(parts[2])
			if e1 == nil && e2 == nil {
				add(lo, n)
			}
		}
		f.Close()
	}
	return used
}
