package engine

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Capability names as capabilities(7) spells them without the CAP_ prefix,
// lower case, as capsh --drop and bwrap --cap-drop accept them ("net_admin").
var capNumbers = map[string]int{
	"chown": 0, "dac_override": 1, "dac_read_search": 2, "fowner": 3, "fsetid": 4, "kill": 5,
	"setgid": 6, "setuid": 7, "setpcap": 8, "linux_immutable": 9, "net_bind_service": 10,
	"net_broadcast": 11, "net_admin": 12, "net_raw": 13, "ipc_lock": 14, "ipc_owner": 15,
	"sys_module": 16, "sys_rawio": 17, "sys_chroot": 18, "sys_ptrace": 19, "sys_pacct": 20,
	"sys_admin": 21, "sys_boot": 22, "sys_nice": 23, "sys_resource": 24, "sys_time": 25,
	"sys_tty_config": 26, "mknod": 27, "lease": 28, "audit_write": 29, "audit_control": 30,
	"setfcap": 31, "mac_override": 32, "mac_admin": 33, "syslog": 34, "wake_alarm": 35,
	"block_suspend": 36, "audit_read": 37, "perfmon": 38, "bpf": 39, "checkpoint_restore": 40,
}

// CapNames lists the capability names ParseCaps accepts, sorted.
func CapNames() []string {
	names := make([]string, 0, len(capNumbers))
	for n := range capNumbers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParseCap turns "net_admin", "NET_ADMIN" or "CAP_NET_ADMIN" into its number.
func ParseCap(name string) (int, error) {
	n := strings.TrimPrefix(strings.ToLower(name), "cap_")
	if c, ok := capNumbers[n]; ok {
		return c, nil
	}
	return 0, fmt.Errorf("unknown capability %s", Quote(name))
}

// Privs are restrictions a spawner thread puts on itself just before it
// forks a child, which inherits them: the capability bounding set and
// no_new_privs are per thread, and the spawner thread dies with the child,
// so nslua's other threads keep theirs.
type Privs struct {
	// Keep, when not nil, is the capability bounding set to keep: every
	// other capability is dropped (PR_CAPBSET_DROP), so no program the
	// child execs can gain it (CapBnd in /proc/PID/status).
	Keep []int
	// NoNewPrivs sets PR_SET_NO_NEW_PRIVS: setuid bits and file
	// capabilities no longer raise privileges (NoNewPrivs: 1).
	NoNewPrivs bool
}

// Apply puts the restrictions on the calling thread, which must be locked
// and must not return to the Go runtime's pool afterwards.
func (p Privs) Apply() error {
	if p.Keep != nil {
		keep := map[int]bool{}
		for _, c := range p.Keep {
			keep[c] = true
		}
		last := lastCap()
		for c := 0; c <= last; c++ {
			if keep[c] {
				continue
			}
			if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && err != unix.EINVAL {
				return &OpError{Op: "prctl", Arg: "PR_CAPBSET_DROP", Err: err}
			}
		}
	}
	if p.NoNewPrivs {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return &OpError{Op: "prctl", Arg: "PR_SET_NO_NEW_PRIVS", Err: err}
		}
	}
	return nil
}

// lastCap is the highest capability the running kernel knows.
func lastCap() int {
	var n int
	b := make([]byte, 16)
	fd, err := unix.Open("/proc/sys/kernel/cap_last_cap", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		k, _ := unix.Read(fd, b)
		unix.Close(fd)
		if _, err := fmt.Sscan(string(b[:max(k, 0)]), &n); err == nil {
			return n
		}
	}
	return 40
}
