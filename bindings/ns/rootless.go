package ns

import (
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// Rootless mode (engine.Rootless, nslua --rootless): nslua's pins live in its
// own mount namespace and end with it, and the host's /run belongs to the
// host's root. What cannot work is refused up front, with the reason.

// refuseKeep fails a request to keep a pin (opts.keep) in rootless mode
// unless the pin lives on nslua's private runtime tmpfs (its netns
// directory, also shown at /run/netns): elsewhere the user asks for
// something that outlives nslua, and it cannot. On the tmpfs, keep means
// "until nslua ends", which holds, and topo keeps its pins so.
func refuseKeep(path string, keep bool) error {
	if !keep || !engine.Rootless || path == "" {
		return nil
	}
	var dir, pin unix.Stat_t
	if unix.Stat(engine.RuntimeDir, &dir) == nil && unix.Stat(filepath.Dir(path), &pin) == nil && dir.Dev == pin.Dev {
		return nil
	}
	return engine.RootlessRefusal("pin", path, "keep a pin after nslua exits", engine.WhyPinsDie)
}

// rootlessPinError explains a pin refused for permission in rootless mode
// (a path under /run/netns, /run or another host-root directory).
func rootlessPinError(err error, path string) error {
	return engine.RootlessError(err, "pin at "+path, engine.WhyHostRoot)
}
