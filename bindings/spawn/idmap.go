package spawn

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// IDMaps are the uid and gid maps of a new user namespace.
type IDMaps struct{ UID, GID []syscall.SysProcIDMap }

// rangeSize is what a user namespace started by root maps: 0..65535, as
// useradd gives each user in /etc/subuid.
const rangeSize = 65536

// DefaultIDMap is API.md's default for ns = {user = "new"}: a caller that is
// not root (or root only inside a user namespace) becomes 0; real root maps
// 0..65535 to an unused range from 100000 — never 0 to 0, which would isolate
// nothing.
func DefaultIDMap() (IDMaps, error) {
	uid, gid := os.Getuid(), os.Getgid()
	if uid != 0 || !initialUserNS() {
		return IDMaps{
			UID: []syscall.SysProcIDMap{{ContainerID: 0, HostID: uid, Size: 1}},
			GID: []syscall.SysProcIDMap{{ContainerID: 0, HostID: gid, Size: 1}},
		}, nil
	}
	base := UnusedRange(usedRanges())
	return IDMaps{
		UID: []syscall.SysProcIDMap{{ContainerID: 0, HostID: base, Size: rangeSize}},
		GID: []syscall.SysProcIDMap{{ContainerID: 0, HostID: base, Size: rangeSize}},
	}, nil
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
// is in (uid_map and gid_map under /proc) and those handed out in
// /etc/subuid and /etc/subgid.
func usedRanges() []idRange {
	var used []idRange
	add := func(lo, n int) {
		if n < 1<<31 { // skip the identity map of the initial namespace
			used = append(used, idRange{lo, lo + n})
		}
	}
	paths, _ := filepath.Glob("/proc/[0-9]*/uid_map")
	gids, _ := filepath.Glob("/proc/[0-9]*/gid_map")
	for _, p := range append(paths, gids...) {
		b, err := os.ReadFile(p)
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
