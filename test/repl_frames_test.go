package test

import (
	"strings"
	"testing"

	"github.com/nslua/nslua/test/harness"
)

// TestREPLExpressionKeepsTheCallersFrame: an expression line is not turned
// into a tail call, so an error below it keeps the frames of the function
// called and of the line itself (lua.c's `return <line>` loses them), and
// an error a module raises for its caller points at the line typed.
func TestREPLExpressionKeepsTheCallersFrame(t *testing.T) {
	harness.NoLeaks(t)
	r := harness.RunWith(t, harness.RunOpts{Stdin: "function f()\n  local t = nil\n  return t.x\nend\nf()\n" +
		"u = topo.new{name = \"nslua-test-frames\"}\nu:host(\"a\")\nu:host(\"a\")\n"}, "-i")
	for _, want := range []string{
		"stdin:3: in function 'f'",
		"stdin:1: in main chunk",
		`stdin:1: topo: duplicate node name "a"`,
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
}
