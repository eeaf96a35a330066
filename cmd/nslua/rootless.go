package main

import (
	"fmt"
	"os"

	"github.com/nslua/nslua/engine/rootless"
)

// rootlessStart runs before the VM exists. In the re-executed child it sets
// up rootless mode and lets run continue (done false). In a process that
// should be rootless — --rootless, or a non-root user without --no-rootless
// — it re-executes nslua inside a new user namespace, waits, and returns the
// child's exit code (done true). Otherwise it does nothing.
func rootlessStart(c *config) (code int, done bool) {
	child, err := rootless.Setup()
	if child {
		if err != nil {
			fmt.Fprintf(os.Stderr, "nslua: %v\n", err)
			return exitError, true
		}
		return 0, false
	}
	if c.rootless && c.noRootless {
		fmt.Fprintf(os.Stderr, "nslua: --rootless and --no-rootless exclude each other\n%s", "try 'nslua --help'\n")
		return exitUsage, true
	}
	if c.noRootless || (!c.rootless && os.Getuid() == 0) {
		return 0, false
	}
	if !c.rootless {
		fmt.Fprintln(os.Stderr, "nslua: not root: running rootless in a user namespace of its own (--no-rootless turns this off)")
	}
	return rootless.Reexec(os.Args[0], os.Args[1:]), true
}
