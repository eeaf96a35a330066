// Command nslua runs Lua scripts that build and inspect Linux namespaces,
// network topologies and containers. See README.md and docs/.
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
	"syscall"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/term"

	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/engine/repl"
	"github.com/nslua/nslua/scripts"
	"github.com/nslua/nslua/stdlib"
)

// version is set by the Makefile through -ldflags.
var version = "dev"

const usage = `usage: nslua [options] [script [args...]]
  -e CODE        run CODE (repeatable, before the script)
  -l NAME        require NAME and bind it to a global of that name
  -l G=NAME      require NAME and bind it to the global G (as lua.c 5.4)
  -i             enter the REPL after the script / -e
  -              read the script from stdin
  -r NAME        run an embedded recipe (nslua -r list lists them)
  --rootless     run inside a new user namespace mapping the caller to root
                 (the default when started by a non-root user)
  --no-rootless  run as the calling user even when not root
  -v, --version  print the version
  -h, --help     print this help
With no script and no -e, nslua starts the REPL.
`

// exit codes (API.md)
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

type action struct {
	kind string // "e" or "l"
	val  string
}

type config struct {
	actions []action
	script  string // "" none, "-" stdin
	recipe  string
	args    []string
	repl    bool
	version bool
	help    bool
	// scriptAt is the index in argv of the script (or recipe name), -1 when
	// there is none: lua.c numbers arg from it
	scriptAt int
	argv     []string // the command line after the program name
	// afterDashDash: the script came after "--", where "-" names a file
	afterDashDash bool
	rootless      bool
	// noRootless: run as the calling user even when not root
	noRootless bool
}

type usageError string

func (e usageError) Error() string { return string(e) }

func parseArgs(argv []string) (*config, error) {
	c := &config{scriptAt: -1, argv: argv}
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		need := func() (string, error) {
			if i+1 >= len(argv) {
				return "", usageError("option " + a + " needs an argument")
			}
			i++
			return argv[i], nil
		}
		switch {
		case a == "--":
			if i+1 < len(argv) {
				c.script, c.args, c.scriptAt = argv[i+1], argv[i+2:], i+1
				c.afterDashDash = true // "-" is then a file of that name, as in lua.c
			}
			return c, nil
		case a == "-":
			c.script, c.args, c.scriptAt = "-", argv[i+1:], i
			return c, nil
		case a == "-e" || a == "-l" || a == "-r":
			v, err := need()
			if err != nil {
				return nil, err
			}
			if a == "-r" {
				c.recipe, c.args, c.scriptAt = v, argv[i+1:], i
				return c, nil
			}
			c.actions = append(c.actions, action{a[1:], v})
		case strings.HasPrefix(a, "-e") || strings.HasPrefix(a, "-l"):
			c.actions = append(c.actions, action{a[1:2], a[2:]})
		case a == "-i":
			c.repl = true
		case a == "-v" || a == "--version":
			c.version = true
		case a == "-h" || a == "--help":
			c.help = true
		case a == "--rootless":
			c.rootless = true
		case a == "--no-rootless":
			c.noRootless = true
		case strings.HasPrefix(a, "-"):
			return nil, usageError("unknown option " + a)
		default:
			c.script, c.args, c.scriptAt = a, argv[i+1:], i
			return c, nil
		}
	}
	return c, nil
}

func main() {
	// Re-executed helpers (rootless mode, proc.spawn's fresh processes) do
	// their work in engine/nsexec's C constructor, before the Go runtime
	// starts; a rootless child arrives here, and rootlessStart finishes it.
	os.Exit(run(os.Args[1:]))
}

func printVersion() { fmt.Printf("nslua %s (%s)\n", version, lua.LuaVersion) }

func run(argv []string) int {
	c, err := parseArgs(argv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nslua: %v (try 'nslua --help')\n", err)
		return exitUsage
	}
	switch {
	case c.help:
		fmt.Print(usage)
		printModules(os.Stdout)
		return exitOK
	case c.version && c.script == "" && c.recipe == "" && len(c.actions) == 0 && !c.repl:
		printVersion()
		return exitOK
	}
	if code, done := rootlessStart(c); done {
		return code
	}
	if c.version { // as lua.c: the version, then what else was asked
		printVersion()
	}
	if c.recipe == "list" {
		listRecipes(os.Stdout)
		return exitOK
	}

	// Catch SIGINT, SIGTERM and SIGHUP (a closed terminal or ssh session ends
	// the script with its cleanup, as SIGTERM does: exit 129) before the
	// script makes anything that needs cleaning up: one that comes later
	// interrupts the script, and the closers run. os/signal enables each
	// signal through a round trip to a thread of the runtime's own
	// (ensureSigM), which parked and woke the main thread three times, about
	// 0.4 ms here, and with it every start. So they run on another goroutine
	// while the script starts, and the main thread waits for them only when
	// the first closer is registered (the first thing made that cleanup must
	// undo) or the REPL starts. A signal before that ends nslua by the
	// signal's default action, with nothing to clean up. No signal.Stop at
	// the end: the process exits when run returns.
	sigs := make(chan os.Signal, 2)
	notified := make(chan struct{})
	go func() {
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
		close(notified)
	}()
	vm := engine.New(modules, stdlib.FS)
	defer vm.Close()
	vm.BeforeFirstCloser(func() { <-notified })
	go forwardSignals(vm, sigs)

	code := runVM(vm, c, notified)
	vm.Close()
	if sig := vm.Interrupted(); sig != nil {
		if s, ok := sig.(syscall.Signal); ok {
			return 128 + int(s)
		}
	}
	return code
}

// runVM runs -e/-l actions, the script or recipe, and the REPL, in lua.c's
// order, and returns the exit code.
func runVM(vm *engine.VM, c *config, signalsCaught <-chan struct{}) int {
	setArg(vm.L, c)
	interactive := c.script == "" && c.recipe == "" && len(c.actions) == 0
	if c.repl || interactive || len(c.actions) > 0 {
		vm.PreloadGlobals()
	}
	for _, a := range c.actions {
		var err error
		switch a.kind {
		case "e":
			err = vm.DoString(a.val, "(command line)")
		case "l":
			// -l NAME, or -l G=NAME as in lua.c 5.4
			glob, mod, _ := strings.Cut(a.val, "=")
			if mod == "" {
				mod = glob
			}
			err = vm.DoString("local g, m = ...; _G[g] = require(m)", "(command line)", lua.LString(glob), lua.LString(mod))
		}
		if err != nil {
			return report(err)
		}
	}
	switch {
	case c.recipe != "":
		src, err := scripts.FS.ReadFile(c.recipe + ".lua")
		if err != nil {
			fmt.Fprintf(os.Stderr, "nslua: no recipe %q (nslua -r list shows them)\n", c.recipe)
			return exitUsage
		}
		if code := runScript(vm, "recipe:"+c.recipe+".lua", string(src), c); code != exitOK {
			return code
		}
	case c.script != "":
		if code := runScript(vm, c.script, "", c); code != exitOK {
			return code
		}
	}
	if c.repl || interactive {
		<-signalsCaught // Ctrl-C at the prompt must reach the REPL
		if err := repl.Run(vm, repl.Config{In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
			Banner: fmt.Sprintf("nslua %s (%s); Ctrl-D exits", version, lua.LuaVersion)}); err != nil {
			return report(err)
		}
	}
	return exitOK
}

// setArg makes the global arg as lua.c does, before -e and -l run: the
// script's name at 0, its arguments from 1, and the interpreter and its
// options at negative indices ("nslua" at the lowest); without a script,
// the interpreter at 0 and its options from 1. A recipe's name at 0 is its
// chunk name, "recipe:NAME.lua".
func setArg(L *lua.LState, c *config) {
	full := append([]string{os.Args[0]}, c.argv...)
	at := 0
	if c.scriptAt >= 0 {
		at = c.scriptAt + 1
	}
	argt := L.NewTable()
	for i, a := range full {
		argt.RawSetInt(i-at, lua.LString(a))
	}
	if c.recipe != "" {
		argt.RawSetInt(0, lua.LString("recipe:"+c.recipe+".lua"))
	}
	L.SetGlobal("arg", argt)
}

// runScript loads a script (from src, or from the file c.script) and runs it
// with arg and ... set as lua.c does.
func runScript(vm *engine.VM, name, src string, c *config) int {
	var fn *lua.LFunction
	var err error
	if src != "" {
		fn, err = vm.Load(strings.NewReader(src), name)
	} else if fi, serr := os.Stat(name); serr == nil && fi.IsDir() {
		// gopher-lua would read a directory as an empty, garbled chunk
		fmt.Fprintf(os.Stderr, "nslua: cannot read %s: is a directory\n", name)
		return exitError
	} else {
		path := name
		if path == "-" && c.afterDashDash {
			path = "./-" // a file named "-", not standard input
		}
		fn, err = vm.LoadFile(path)
		var le *engine.LuaError
		if path != name && errors.As(err, &le) { // say the name the user gave
			le.Message = strings.Replace(le.Message, path, name, 1)
		}
	}
	if err != nil {
		return report(err)
	}
	args := make([]lua.LValue, len(c.args))
	for i, a := range c.args {
		args[i] = lua.LString(a)
	}
	if _, err := vm.Call(fn, args...); err != nil {
		return report(err)
	}
	return exitOK
}

func report(err error) int {
	if le, ok := err.(*engine.LuaError); ok {
		if le.Exit != nil {
			return *le.Exit
		}
		msg := le.Error()
		if le.Syntax {
			msg = syntaxLine(le.Message)
		}
		fmt.Fprintf(os.Stderr, "nslua: %s\n", msg)
		return le.ExitCode()
	}
	fmt.Fprintf(os.Stderr, "nslua: %v\n", err)
	return exitError
}

// forwardSignals turns SIGINT and SIGTERM into an interrupt of the running
// chunk; the script then unwinds, the closers run, and nslua exits 130/143.
func forwardSignals(vm *engine.VM, sigs <-chan os.Signal) {
	for s := range sigs {
		vm.Interrupt(s)
	}
}

// gopher-lua words a syntax error "NAME line:2(column:5) near '=':   syntax
// error"; people and editors expect lua.c's "NAME:2: ..." form, so the
// message becomes one such line. (One at the end of input is in that form
// already: engine.Compile counts the lines gopher-lua does not.)
// (The patterns are compiled here, not at init: start-up pays for nothing
// that only an error needs.)
func syntaxLine(msg string) string {
	syntaxAtLine := regexp.MustCompile(`^(.*) line:(\d+)\(column:(\d+)\) near '(.*)':\s+(.*)$`)
	msg = strings.TrimSpace(msg)
	if strings.Contains(msg, "\n") {
		msg = msg[:strings.Index(msg, "\n")]
	}
	if m := syntaxAtLine.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s:%s:%s: %s near '%s'", m[1], m[2], m[3], m[5], m[4])
	}
	return msg
}

// printModules lists the modules require finds without a file, for --help.
func printModules(w io.Writer) {
	fmt.Fprintln(w, "\nModules (require \"NAME\"; globals in the REPL and -e):")
	sorted := append([]engine.Module(nil), modules...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, m := range sorted {
		fmt.Fprintf(w, "  %-12s %s\n", m.Name, m.Doc)
	}
	entries, _ := fs.ReadDir(stdlib.FS, ".")
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".lua"); ok {
			fmt.Fprintf(w, "  %-12s (Lua, stdlib/%s)\n", name, e.Name())
		}
	}
}

func listRecipes(w io.Writer) {
	for _, r := range scripts.List() {
		fmt.Fprintf(w, "%-14s %s\n", r.Name, r.Doc)
	}
}

var _ = term.IsTerminal
