package test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/nslua/nslua/test/harness"
)

// TestContainerAutoRootlessNeedsARange: rootless, user = "auto" maps the
// container's 0..65535 to the caller's subordinate ids; with none mapped
// (root has no /etc/subuid range here: TestRootlessAsRoot) container.new
// says so and how to get one, instead of mapping root alone. nslua.subids
// agrees with the uid_map the kernel shows.
func TestContainerAutoRootlessNeedsARange(t *testing.T) {
	harness.NoLeaks(t)
	if os.Getuid() != 0 {
		t.Skip("needs root")
	}
	rootfs := busyboxRootfs(t)
	r := harness.Run(t, "--rootless", "-e", "ROOTFS = "+strconv.Quote(rootfs), "-e", `
local host = require "nslua"
io.write(io.open("/proc/self/uid_map"):read("*a"))
print("subids", host.subids)
local ok, err = pcall(require("container").new, {rootfs = ROOTFS, user = "auto"})
print(ok, err)`)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "0 0 1" {
		t.Skipf("root has subordinate ids here (uid_map %q): nothing to refuse", r.Stdout)
	}
	if lines[1] != "subids\t0" {
		t.Errorf("nslua.subids: %q, want 0 with uid_map %q", lines[1], lines[0])
	}
	for _, want := range []string{"false\t", `user = "auto" needs 65536 subordinate ids`, "/etc/subuid", "uidmap"} {
		if !strings.Contains(lines[2], want) {
			t.Errorf("container.new{user = \"auto\"} rootless without a range: %q, want it to say %q", lines[2], want)
		}
	}
}
