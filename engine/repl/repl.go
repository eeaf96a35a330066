// Package repl is nslua's interactive prompt, with the behaviour of lua.c 5.4.
package repl

import (
	"io"

	"github.com/nslua/nslua/engine"
)

// Config says where the REPL reads and writes.
type Config struct {
	In       io.Reader
	Out, Err io.Writer
}

// Run reads chunks until end of input.
func Run(vm *engine.VM, cfg Config) error {
	return nil
}
