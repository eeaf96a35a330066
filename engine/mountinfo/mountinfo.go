// Package mountinfo parses /proc/PID/mountinfo, the kernel's description of a
// mount namespace (proc_pid_mountinfo(5)). It is what findmnt(8) reads; the
// mount module's mount.list and ns.list's search for namespace pins use it.
package mountinfo

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Mount is one line of mountinfo.
type Mount struct {
	ID, Parent   int      // mount ids
	Major, Minor int      // st_dev of the filesystem
	Root         string   // the directory of the filesystem mounted here ("/" or a bind source)
	Target       string   // mount point, relative to the reader's root
	Options      string   // per-mount options: "rw,nosuid,relatime"
	Optional     []string // optional fields: "shared:1", "master:2", "unbindable"
	FSType       string   // "ext4", "proc", "nsfs"
	Source       string   // "/dev/vda1", "tmpfs", "none"
	SuperOptions string   // per-superblock options, unescaped as findmnt shows them
}

// Propagation spells the mount's propagation type as findmnt's PROPAGATION
// column does: "shared" or "private", then ",slave" for a mount with a master
// and ",unbindable" — so a slave of a shared peer group that is not shared
// itself reads "private,slave".
func (m *Mount) Propagation() string {
	var shared, slave, unbindable bool
	for _, f := range m.Optional {
		switch {
		case strings.HasPrefix(f, "shared:"):
			shared = true
		case strings.HasPrefix(f, "master:"):
			slave = true
		case f == "unbindable":
			unbindable = true
		}
	}
	p := "private"
	if shared {
		p = "shared"
	}
	if slave {
		p += ",slave"
	}
	if unbindable {
		p += ",unbindable"
	}
	return p
}

// Read parses /proc/PID/mountinfo; pid 0 means the calling thread's view
// (/proc/thread-self), which differs from /proc/self on a thread that
// changed mount namespace.
func Read(pid int) ([]Mount, error) {
	path := "/proc/thread-self/mountinfo"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/mountinfo"
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f)
}

// Parse reads mountinfo text. A malformed line is an error naming its number.
// Lines may be of any length: an overlay of many deep layers writes
// megabytes on one.
func Parse(r io.Reader) ([]Mount, error) {
	var out []Mount
	br := bufio.NewReaderSize(r, 64*1024)
	for n := 1; ; n++ {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, err
		}
		if line = strings.TrimSuffix(line, "\n"); line != "" {
			m, perr := ParseLine(line)
			if perr != nil {
				return nil, fmt.Errorf("mountinfo line %d: %w", n, perr)
			}
			out = append(out, m)
		}
		if err == io.EOF {
			return out, nil
		}
	}
}

// ParseLine parses one mountinfo line:
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
func ParseLine(line string) (Mount, error) {
	var m Mount
	f := strings.Split(line, " ")
	if len(f) < 10 {
		return m, fmt.Errorf("too few fields (%d)", len(f))
	}
	var err error
	if m.ID, err = strconv.Atoi(f[0]); err != nil {
		return m, fmt.Errorf("bad mount id %q", f[0])
	}
	if m.Parent, err = strconv.Atoi(f[1]); err != nil {
		return m, fmt.Errorf("bad parent id %q", f[1])
	}
	maj, min, ok := strings.Cut(f[2], ":")
	if !ok {
		return m, fmt.Errorf("bad device %q", f[2])
	}
	if m.Major, err = strconv.Atoi(maj); err != nil {
		return m, fmt.Errorf("bad device %q", f[2])
	}
	if m.Minor, err = strconv.Atoi(min); err != nil {
		return m, fmt.Errorf("bad device %q", f[2])
	}
	m.Root = Unescape(f[3])
	m.Target = Unescape(f[4])
	m.Options = f[5]
	i := 6
	for ; i < len(f) && f[i] != "-"; i++ {
		if f[i] != "" {
			m.Optional = append(m.Optional, f[i])
		}
	}
	if len(f) < i+4 { // "-", fstype, source, super options
		return m, fmt.Errorf("missing separator or fields after it")
	}
	m.FSType = Unescape(f[i+1])
	m.Source = Unescape(f[i+2])
	m.SuperOptions = Unescape(strings.Join(f[i+3:], " "))
	return m, nil
}

// Unescape decodes the octal escapes (\040 for space, \011 tab, \012 newline,
// \134 backslash) the kernel writes into paths.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			v := (s[i+1]-'0')*64 + (s[i+2]-'0')*8 + (s[i+3] - '0')
			b.WriteByte(v)
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
