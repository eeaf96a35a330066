package ns

import (
	"path/filepath"
	"strings"

	"github.com/nslua/nslua/engine"
)

// Rootless mode (engine.Rootless, nslua --rootless): nslua's pins live in its
// own mount namespace and end with it, and the host's /run belongs to the
// host's root. What cannot work is refused up front, with the reason.

// refuseKeep fails a request to keep a pin (opts.keep) outside nslua's
// runtime directory in rootless mode: the user asks for something that
// outlives nslua, and it cannot. Inside the runtime directory (where named
// netns and topo's pins live) keep means "until nslua ends", which holds.
func refuseKeep(path string, keep bool) error {
	if !keep || !engine.Rootless || path == "" || !filepath.IsAbs(path) {
		return nil
	}
	if dir := filepath.Clean(engine.RuntimeDir); strings.HasPrefix(filepath.Clean(path), dir+"/") {
		return nil
	}
	return engine.RootlessRefusal("pin", path, "keep a pin after nslua exits", engine.WhyPinsDie)
}

// rootlessPinError explains a pin refused for permission in rootless mode
// (a path under /run/netns, /run or another host-root directory).
func rootlessPinError(err error, path string) error {
	return engine.RootlessError(err, "pin at "+path, engine.WhyHostRoot)
}
