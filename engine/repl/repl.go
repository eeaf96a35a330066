// Package repl is nslua's interactive prompt, with the behaviour of lua.c 5.4:
// an expression prints its values, an unfinished chunk continues on the next
// line, errors are printed and the session goes on. On a terminal it edits
// lines, completes names and keeps history; on a pipe it reads chunks with no
// prompts. See docs/repl.md.
package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/nslua/nslua/engine"
)

const (
	prompt       = "nslua> "
	continuation = ">> "
)

// Config says where the REPL reads and writes.
type Config struct {
	In       io.Reader
	Out, Err io.Writer
	Banner   string // printed first when In is a terminal
}

// errStop ends the session: a signal arrived while it waited for input
// (SIGTERM, or SIGINT on a pipe), and nslua exits 128+signal.
var errStop = errors.New("stopped by a signal")

type session struct {
	vm      *engine.VM
	cfg     Config
	lines   lineReader
	tty     bool
	history string // file; "" when not kept

	ctx              context.Context // the VM's context while reading
	pendingInterrupt bool            // SIGINT came while reading: for the chunk

	completions chan completion
	closed      chan struct{}
}

type completion struct {
	line  string
	reply chan []string // the word, then its candidates
}

// Run reads and runs chunks until end of input (Ctrl-D), os.exit, or a signal
// that ends nslua. SIGINT interrupts the running chunk and the session goes
// on. It returns the *engine.LuaError of os.exit or of SIGTERM, for main to
// turn into the exit code.
func Run(vm *engine.VM, cfg Config) error {
	s := &session{vm: vm, cfg: cfg, completions: make(chan completion), closed: make(chan struct{})}
	defer close(s.closed)
	if f, ok := cfg.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		s.history = HistoryPath()
		ed, err := newEditor(f, cfg.Out, cfg.Err, loadHistory(s.history), s.completeOnVM)
		if err != nil {
			return err
		}
		s.lines, s.tty = ed, true
		if cfg.Banner != "" {
			fmt.Fprintln(cfg.Out, cfg.Banner)
		}
	} else {
		s.lines = &plainReader{r: bufio.NewReader(cfg.In)}
	}
	defer s.lines.Close()
	s.ctx = vm.NewChunkContext()
	return s.loop()
}

// signalled handles a signal that came after the last chunk ended: on a
// terminal SIGINT is dropped (Ctrl-C a moment too late); otherwise the session
// ends, as it would have during the wait for input. The context is renewed
// only here and after an interrupted chunk, so no signal falls between two
// contexts unseen.
func (s *session) signalled() bool {
	s.pendingInterrupt = false
	select {
	case <-s.ctx.Done():
	default:
		return false
	}
	if s.tty && s.vm.Interrupted() == os.Interrupt {
		s.ctx = s.vm.NewChunkContext()
		return false
	}
	return true
}

func (s *session) loop() error {
	for {
		if s.signalled() {
			return nil
		}
		text, c, err := readChunk(s.vm.L, s.read)
		switch err {
		case errStop:
			return nil
		case errEOF:
			if s.tty {
				fmt.Fprintln(s.cfg.Out)
			}
			return nil
		case errInterrupt:
			continue // Ctrl-C while editing drops the chunk
		}
		var end *endInChunk
		if s.tty && errors.As(err, &end) {
			// Ctrl-D on a continuation line drops the chunk too. lua.c 5.4
			// reports the unfinished chunk instead (5.4.4 prints "(null)"),
			// which tells a person who meant to give up nothing useful.
			continue
		}
		if strings.TrimSpace(text) != "" {
			s.lines.AddHistory(text)
			appendHistory(s.history, text)
		}
		if err != nil {
			fmt.Fprintln(s.cfg.Err, err)
			continue
		}
		if err := s.run(c); err != nil {
			return err
		}
	}
}

// run calls one compiled chunk and prints what it returned, tab-separated,
// with the pretty printer. Errors are printed; only os.exit and SIGTERM end
// the session.
func (s *session) run(c *chunk) error {
	// The context is the one made before the chunk was read: a SIGINT
	// that came after Enter has already cancelled it.
	if s.pendingInterrupt {
		s.vm.Interrupt(os.Interrupt)
	}
	vals, err := s.vm.Call(c.fn)
	if err == nil && c.expr && len(vals) > 0 {
		vals = vals[1:]
	}
	if err != nil {
		var le *engine.LuaError
		if errors.As(err, &le) && (le.Exit != nil || le.Signal != nil && le.Signal != os.Interrupt) {
			return err
		}
		fmt.Fprintln(s.cfg.Err, err)
		if s.vm.Interrupted() != nil {
			s.ctx = s.vm.NewChunkContext()
		}
		return nil
	}
	if sig := s.vm.Interrupted(); sig != nil {
		// a blocking binding answered Ctrl-C with its EINTR triple and the
		// chunk ended before Lua could raise: interrupted all the same
		if sig != os.Interrupt {
			msg := "terminated"
			if sig == syscall.SIGHUP {
				msg = "hangup"
			}
			return &engine.LuaError{Message: msg, Signal: sig}
		}
		fmt.Fprintln(s.cfg.Err, "interrupted")
		s.ctx = s.vm.NewChunkContext()
		return nil
	}
	if len(vals) > 0 {
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = engine.Inspect(v, engine.InspectOptions{L: s.vm.L})
		}
		fmt.Fprintln(s.cfg.Out, strings.Join(parts, "\t"))
	}
	return nil
}

// read gets one line from the line reader, which runs on its own goroutine,
// while this one (the VM thread) answers completion requests, so that only
// the VM thread touches Lua, and watches for signals.
func (s *session) read(p string) (string, error) {
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		l, err := s.lines.ReadLine(p)
		done <- result{l, err}
	}()
	for {
		select {
		case r := <-done:
			return r.line, r.err
		case req := <-s.completions:
			req.reply <- s.complete(req.line)
		case <-s.ctx.Done():
			if s.tty && s.vm.Interrupted() == os.Interrupt {
				// Ctrl-C is a key while the line is edited; SIGINT comes
				// in the moment after Enter, before the chunk starts, and
				// is meant for the chunk.
				s.ctx = s.vm.NewChunkContext()
				s.pendingInterrupt = true
				continue
			}
			return "", errStop // Run closes the line reader: the terminal is restored
		}
	}
}

// complete answers a completion request: the word, then its candidates. A
// bug in completion must not cost the user the session.
func (s *session) complete(line string) (out []string) {
	defer func() {
		if recover() != nil {
			out = []string{""}
		}
	}()
	word, cands := complete(s.vm, line)
	return append([]string{word}, cands...)
}

// completeOnVM is the line editor's completer: it runs on the editor's
// goroutine and hands the work to the VM thread.
func (s *session) completeOnVM(line string) (string, []string) {
	req := completion{line: line, reply: make(chan []string, 1)}
	select {
	case s.completions <- req:
	case <-s.closed:
		return "", nil
	}
	r := <-req.reply
	return r[0], r[1:]
}
