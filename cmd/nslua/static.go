//go:build cgo && netgo

package main

// nslua links engine/nsexec's C constructor, so it is built with cgo; linking
// statically keeps it one self-contained binary that runs anywhere the
// kernel does (check with ldd). Only with the netgo tag (make build sets it):
// without it package net uses glibc's resolver, which a static link warns
// about, so a plain `go build` makes an ordinary dynamic binary instead.

// #cgo LDFLAGS: -static
import "C"
