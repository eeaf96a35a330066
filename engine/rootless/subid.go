package rootless

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Range is one subordinate id range of /etc/subuid or /etc/subgid
// (subuid(5)): count ids from start, owned by one user.
type Range struct {
	Start, Count uint32
}

// maxMapped bounds the ids one map may name: the kernel's id space is 32
// bits and the last value is reserved (-1).
const maxMapped = 1<<32 - 2

// ParseSubIDs returns the ranges of /etc/subuid-format data (r) that belong
// to the user called name or numbered uid, in file order. Malformed lines,
// comments and ranges that would overflow are skipped, as newuidmap does.
func ParseSubIDs(r io.Reader, name string, uid uint32) []Range {
	var out []Range
	id := strconv.FormatUint(uint64(uid), 10)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, ":")
		if len(f) != 3 || (f[0] != id && (name == "" || f[0] != name)) {
			continue
		}
		start, err1 := strconv.ParseUint(f[1], 10, 32)
		count, err2 := strconv.ParseUint(f[2], 10, 32)
		if err1 != nil || err2 != nil || count == 0 || start+count-1 > maxMapped {
			continue
		}
		out = append(out, Range{uint32(start), uint32(count)})
	}
	return out
}

// MapArgs is the argument list for newuidmap/newgidmap after the pid: the
// caller's own id as 0, then the ranges one after another from 1. It returns
// how many ids beyond 0 were mapped.
func MapArgs(own uint32, ranges []Range) (args []string, extra uint64) {
	args = []string{"0", strconv.FormatUint(uint64(own), 10), "1"}
	next := uint64(1)
	for _, r := range ranges {
		if next+uint64(r.Count) > maxMapped || len(args) >= 3*340 {
			break // the kernel takes at most 340 lines, within 32 bits
		}
		args = append(args, strconv.FormatUint(next, 10),
			strconv.FormatUint(uint64(r.Start), 10), strconv.FormatUint(uint64(r.Count), 10))
		next += uint64(r.Count)
	}
	return args, next - 1
}

// userName finds uid's name in /etc/passwd-format data, "" when absent.
func userName(r io.Reader, uid uint32) string {
	id := strconv.FormatUint(uint64(uid), 10)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) >= 3 && f[2] == id {
			return f[0]
		}
	}
	return ""
}
