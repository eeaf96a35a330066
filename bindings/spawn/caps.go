package spawn

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// capNames are capabilities(7) in kernel order: the index is the number.
var capNames = []string{"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
	"setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast",
	"net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot",
	"sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
	"sys_tty_config", "mknod", "lease", "audit_write", "audit_control", "setfcap", "mac_override",
	"mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf",
	"checkpoint_restore"}

// CapByName maps "net_admin", "CAP_NET_ADMIN" or "Net_Admin" to its number.
func CapByName(name string) (int, bool) {
	n := strings.TrimPrefix(strings.ToLower(name), "cap_")
	for i, c := range capNames {
		if c == n {
			return i, true
		}
	}
	return 0, false
}

// CapSet is a set of capability numbers, as a bit mask.
type CapSet uint64

// lastCap is the highest capability this kernel knows.
func lastCap() int {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n < 64 {
			return n
		}
	}
	return len(capNames) - 1
}

// dropBounding removes every capability not in keep from the calling
// thread's bounding set (PR_CAPBSET_DROP), which its children inherit: what
// a child that is root can ever hold, as `capsh --drop` or runc's bounding
// list. It also clears the inheritable and ambient sets, so nothing comes
// back at exec.
func dropBounding(keep CapSet) error {
	for c := 0; c <= lastCap(); c++ {
		if keep&(1<<c) != 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && err != unix.EINVAL {
			return &engine.OpError{Op: "prctl", Arg: "PR_CAPBSET_DROP " + capName(c), Err: err}
		}
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil && err != unix.EINVAL {
		return &engine.OpError{Op: "prctl", Arg: "PR_CAP_AMBIENT_CLEAR_ALL", Err: err}
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return &engine.OpError{Op: "capget", Arg: "self", Err: err}
	}
	if data[0].Inheritable != 0 || data[1].Inheritable != 0 {
		data[0].Inheritable, data[1].Inheritable = 0, 0
		if err := unix.Capset(&hdr, &data[0]); err != nil {
			return &engine.OpError{Op: "capset", Arg: "inheritable", Err: err}
		}
	}
	return nil
}

func capName(c int) string {
	if c < len(capNames) {
		return "cap_" + capNames[c]
	}
	return fmt.Sprintf("cap_%d", c)
}
