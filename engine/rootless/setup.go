package rootless

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/engine/nsexec"
)

// Setup prepares the re-executed nslua, before its VM starts: it reports
// false when this process is not a rootless child. It mounts a private tmpfs
// on the runtime directory the parent chose (nothing nslua pins or records
// there is ever seen by the host, and all of it ends with nslua's mount
// namespace), puts engine.NetnsDir and engine.RuntimeDir in it, and sets
// engine.Rootless and the counts of mapped subordinate ids.
func Setup() (bool, error) {
	if !nsexec.RootlessChild() {
		return false, nil
	}
	dir := os.Getenv(dirEnv)
	os.Unsetenv(dirEnv)
	if !filepath.IsAbs(dir) {
		return true, fmt.Errorf("rootless: no runtime directory from the parent")
	}
	if err := unix.Mount("nslua", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0700"); err != nil {
		return true, &engine.OpError{Op: "mount", Arg: "tmpfs " + dir, Err: err}
	}
	netns := filepath.Join(dir, "netns")
	if err := os.Mkdir(netns, 0o755); err != nil {
		return true, &engine.OpError{Op: "mkdir", Arg: netns, Err: err}
	}
	showAtRunNetns(netns)
	engine.Rootless = true
	engine.RuntimeDir = dir
	engine.NetnsDir = netns
	engine.SubUIDs = mappedBeyondRoot("/proc/self/uid_map")
	engine.SubGIDs = mappedBeyondRoot("/proc/self/gid_map")
	return true, nil
}

// showAtRunNetns puts nslua's netns directory over /run/netns, in nslua's
// mount namespace only, when the host has that directory: programs a script
// runs (ip netns, ip -n NAME, ip netns exec) then find nslua's names where
// iproute2 looks. The two are peers of one shared mount, so a pin made in
// either shows in both. The host's own names are hidden there; nslua could
// not enter them anyway. Best effort: without /run/netns (which only the
// host's root can create) names are found under engine.NetnsDir alone.
func showAtRunNetns(netns string) {
	const run = "/run/netns"
	var st unix.Stat_t
	if unix.Stat(run, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return
	}
	if unix.Mount(netns, netns, "", unix.MS_BIND, "") != nil ||
		unix.Mount("", netns, "", unix.MS_SHARED, "") != nil {
		return
	}
	unix.Mount(netns, run, "", unix.MS_BIND, "")
}

// mappedBeyondRoot counts the ids a uid_map or gid_map maps inside the
// namespace besides 0 (the subordinate ranges newuidmap wrote).
func mappedBeyondRoot(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) != 3 {
			continue
		}
		inside, err1 := strconv.ParseUint(fl[0], 10, 32)
		count, err2 := strconv.ParseUint(fl[2], 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		if inside == 0 {
			count-- // root itself
		}
		n += int(count)
	}
	return n
}
