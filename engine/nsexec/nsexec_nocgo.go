//go:build !cgo

package nsexec

// Available reports whether the pre-runtime constructor is linked in. This
// build has no cgo, so it is not.
const Available = false

// RootlessChild is always false without the constructor.
func RootlessChild() bool { return false }
