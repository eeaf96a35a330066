package repl

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/chzyer/readline"
	"golang.org/x/sys/unix"
)

// lineReader is what the REPL needs from a line editor, so that readline can
// be swapped (ergochat/readline, liner) without touching the rest.
type lineReader interface {
	// ReadLine shows prompt and returns one line without its newline, or
	// errEOF (Ctrl-D, end of input) or errInterrupt (Ctrl-C while editing).
	ReadLine(prompt string) (string, error)
	// AddHistory records a finished chunk (several lines are one entry).
	AddHistory(chunk string)
	// Close restores the terminal; a ReadLine in progress returns.
	Close() error
}

var (
	errEOF       = io.EOF
	errInterrupt = errors.New("interrupted")
)

// completeFunc returns the word before the cursor and its completions.
type completeFunc func(line string) (word string, cands []string)

// editor is a lineReader on a terminal, with line editing, history and
// completion from github.com/chzyer/readline.
type editor struct {
	rl *readline.Instance
	in *readline.CancelableStdin
}

func newEditor(in *os.File, out, errw io.Writer, history []string, complete completeFunc) (*editor, error) {
	cin := readline.NewCancelableStdin(in)
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 prompt,
		Stdin:                  cin,
		Stdout:                 nopCloser{out},
		Stderr:                 nopCloser{errw},
		AutoComplete:           completer(complete),
		FuncGetWidth:           screenWidth(out, in),
		DisableAutoSaveHistory: true, // one entry per chunk, not per line
		HistoryLimit:           historyLimit,
		HistorySearchFold:      true,
	})
	if err != nil {
		return nil, err
	}
	for _, h := range history {
		rl.SaveHistory(oneLine(h))
	}
	return &editor{rl: rl, in: cin}, nil
}

func (e *editor) ReadLine(p string) (string, error) {
	e.rl.SetPrompt(p)
	line, err := e.rl.Readline()
	switch err {
	case readline.ErrInterrupt:
		return "", errInterrupt
	case io.EOF:
		return "", errEOF
	}
	return line, err
}

func (e *editor) AddHistory(chunk string) { e.rl.SaveHistory(oneLine(chunk)) }

// Close ends a pending read first: readline's own Close waits for its reader,
// which waits for a key, forever.
func (e *editor) Close() error {
	e.in.Close()
	return e.rl.Close()
}

// defaultWidth is the width of a terminal that reports none: a pty whose
// size nobody set says 0x0, and readline, dividing by it, can neither
// complete nor redraw. 80 columns, as the VT100 and most tools assume.
const defaultWidth = 80

// screenWidth returns readline's width function: the columns of the first of
// files that is a terminal with a size, else defaultWidth.
func screenWidth(files ...any) func() int {
	return func() int {
		for _, f := range files {
			if f, ok := f.(*os.File); ok {
				if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
					return int(ws.Col)
				}
			}
		}
		return defaultWidth
	}
}

// completer adapts a completeFunc to readline, which wants the suffixes that
// complete the word and the word's length.
type completer completeFunc

func (c completer) Do(line []rune, pos int) ([][]rune, int) {
	word, cands := c(string(line[:pos]))
	out := make([][]rune, len(cands))
	for i, s := range cands {
		out[i] = []rune(strings.TrimPrefix(s, word))
	}
	return out, len([]rune(word))
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// plainReader reads lines from a pipe or file: no prompts, no editing.
type plainReader struct {
	r *bufio.Reader
}

func (p *plainReader) ReadLine(string) (string, error) {
	line, err := p.r.ReadString('\n')
	if err != nil && line == "" {
		return "", errEOF
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

func (p *plainReader) AddHistory(string) {}

func (p *plainReader) Close() error { return nil }
