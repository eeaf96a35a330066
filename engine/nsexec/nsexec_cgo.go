//go:build cgo

package nsexec

// The constructor in nsexec.c does the work; this file only links it in and
// reads what it did.

// #include <stdlib.h>
// extern int nslua_nsexec_rootless;
import "C"

// Available reports whether the pre-runtime constructor is linked in (nslua
// was built with cgo). Without it, rootless mode and joining user or time
// namespaces are impossible.
const Available = true

// RootlessChild reports whether this process is nslua re-executed by
// --rootless: the constructor made it root of a new user namespace with a
// private mount namespace before Go started.
func RootlessChild() bool { return C.nslua_nsexec_rootless != 0 }
