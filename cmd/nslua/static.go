//go:build cgo

package main

// nslua links engine/nsexec's C constructor, so it is built with cgo; linking
// statically keeps it one self-contained binary that runs anywhere the
// kernel does (check with ldd).

// #cgo LDFLAGS: -static
import "C"
