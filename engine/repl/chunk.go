package repl

import (
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/nslua/nslua/engine"
)

// chunkName is what error messages and tracebacks call REPL input, as in lua.c.
const chunkName = "stdin"

// readChunk reads one chunk the way lua.c 5.4 does. The first line is tried as
// `return <line>` (a leading '=' means the same), so that expressions print
// their values (compiled as `return nil, <line>`: see chunk); otherwise lines are added while the chunk's only fault is that
// it ends too early. It returns the text as typed (for history) and the
// compiled function, or a syntax error. Errors of read (io.EOF, an interrupt)
// come back as they are, with the text read so far, but the end of input on a
// continuation line comes back as an *endInChunk.
func readChunk(L *lua.LState, read func(prompt string) (string, error)) (string, *chunk, error) {
	line, err := read(prompt)
	if err != nil {
		return "", nil, err
	}
	src := line
	if strings.HasPrefix(src, "=") {
		src = src[1:]
		if fn, err := engine.Load(L, strings.NewReader("return nil, "+src), chunkName); err == nil {
			return line, &chunk{fn: fn, expr: true}, nil
		}
		src = "return " + src // an error: the loop below reports it
	} else if fn, err := engine.Load(L, strings.NewReader("return nil, "+src), chunkName); err == nil {
		return line, &chunk{fn: fn, expr: true}, nil
	}
	typed := line
	for {
		fn, err := engine.Load(L, strings.NewReader(src), chunkName)
		if err == nil {
			return typed, &chunk{fn: fn}, nil
		}
		if !incomplete(err) {
			return typed, nil, syntaxError(err, src)
		}
		next, rerr := read(continuation)
		if rerr != nil {
			if rerr == errEOF {
				return typed, nil, &endInChunk{syntaxError(err, src)}
			}
			return typed, nil, rerr
		}
		typed += "\n" + next
		src += "\n" + next
	}
}

// chunk is a compiled chunk. An expression line is compiled as `return nil,
// <line>` and its first result dropped (expr): as `return f(x)` the call
// would be a tail call, for which Lua drops the chunk's frame, and an error
// raised for the caller (topo's "stdin:1: topo: duplicate node name") had no
// line of the user's to point at, nor a stdin frame in its traceback.
type chunk struct {
	fn   *lua.LFunction
	expr bool
}

// endInChunk is the end of input met on a continuation line: the syntax
// error the unfinished chunk has. On a terminal that is Ctrl-D on a `>> `
// line, and the REPL drops the chunk as Ctrl-C does; from a pipe it is an
// error, as lua.c reports for a file that ends mid-chunk.
type endInChunk struct{ err error }

func (e *endInChunk) Error() string { return e.err.Error() }
func (e *endInChunk) Unwrap() error { return e.err }

// incomplete reports whether a chunk failed to compile only because it ended
// too early: the parser met the end of input. An unterminated short string
// ("abc) is an error on its line, as in C Lua, or the REPL would wait for a
// closing quote forever.
func incomplete(err error) bool {
	pe := parseError(err)
	return pe != nil && pe.Pos.Line == parse.EOF && pe.Message != "unterminated string"
}

// parseError digs the parser's error out of what LState.Load returned.
func parseError(err error) *parse.Error {
	var pe *parse.Error
	if ae, ok := err.(*lua.ApiError); ok && ae.Cause != nil {
		err = ae.Cause
	}
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// syntaxError rewrites gopher-lua's "stdin line:1(column:3) near 'y': parse
// error" as lua.c's "stdin:1: parse error near 'y'".
func syntaxError(err error, src string) error {
	pe := parseError(err)
	if pe == nil {
		var ae *lua.ApiError
		if errors.As(err, &ae) {
			return errors.New(strings.TrimSpace(ae.Object.String()))
		}
		return err
	}
	if pe.Pos.Line == parse.EOF {
		return fmt.Errorf("%s:%d: %s near <eof>", chunkName, strings.Count(src, "\n")+1, pe.Message)
	}
	return fmt.Errorf("%s:%d: %s near '%s'", chunkName, pe.Pos.Line, pe.Message, pe.Token)
}
