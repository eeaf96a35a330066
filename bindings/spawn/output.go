package spawn

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"time"
)

// Output is nslua's end of a child's piped stdout or stderr. The script may
// read it while the child runs (Read, ReadLine); once a wait begins, Drain
// collects the rest in the background, so that a child writing more than a
// pipe holds never blocks on a reader that is not there.
type Output struct {
	f   *os.File
	max int // bytes kept by Drain; the rest is read and dropped

	pending []byte // read from f but not yet returned
	eof     bool

	mu       sync.Mutex
	draining bool
	buf      bytes.Buffer
	dropped  int64
	done     chan struct{}
}

// NewOutput wraps the read end of a pipe.
func NewOutput(f *os.File, max int) *Output {
	return &Output{f: f, max: max, done: make(chan struct{})}
}

// errCancelled is returned when the context ends a blocking read.
var errCancelled = errors.New("interrupted")

// fill reads one chunk into pending, honouring ctx.
func (o *Output) fill(ctx context.Context) error {
	if o.eof {
		return io.EOF
	}
	if o.isDraining() {
		select {
		case <-o.done:
		case <-ctx.Done():
			return errCancelled
		}
		o.mu.Lock()
		o.pending = append(o.pending, o.buf.Bytes()...)
		o.buf.Reset()
		o.mu.Unlock()
		o.eof = true
		if len(o.pending) == 0 {
			return io.EOF
		}
		return nil
	}
	buf := make([]byte, 64<<10)
	stop := context.AfterFunc(ctx, func() { _ = o.f.SetReadDeadline(time.Unix(1, 0)) })
	n, err := o.f.Read(buf)
	if !stop() {
		_ = o.f.SetReadDeadline(time.Time{})
		if n == 0 {
			return errCancelled
		}
	}
	o.pending = append(o.pending, buf[:n]...)
	if err == io.EOF || (n == 0 && err != nil) {
		o.eof = true
		if len(o.pending) == 0 {
			return io.EOF
		}
	}
	return nil
}

// Read returns up to n bytes (n <= 0: whatever one read brings), blocking
// until some arrive; io.EOF at the end.
func (o *Output) Read(ctx context.Context, n int) ([]byte, error) {
	if len(o.pending) == 0 {
		if err := o.fill(ctx); err != nil {
			return nil, err
		}
	}
	if n <= 0 || n > len(o.pending) {
		n = len(o.pending)
	}
	out := append([]byte(nil), o.pending[:n]...)
	o.pending = o.pending[n:]
	return out, nil
}

// ReadLine returns the next line without its newline; the last line may
// lack one. io.EOF at the end.
func (o *Output) ReadLine(ctx context.Context) (string, error) {
	for {
		if i := bytes.IndexByte(o.pending, '\n'); i >= 0 {
			line := string(o.pending[:i])
			o.pending = o.pending[i+1:]
			return line, nil
		}
		if err := o.fill(ctx); err != nil {
			if err == io.EOF && len(o.pending) > 0 {
				line := string(o.pending)
				o.pending = nil
				return line, nil
			}
			return "", err
		}
		if o.eof && bytes.IndexByte(o.pending, '\n') < 0 {
			line := string(o.pending)
			o.pending = nil
			if line == "" {
				return "", io.EOF
			}
			return line, nil
		}
	}
}

func (o *Output) isDraining() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.draining
}

// Drain starts collecting what is left, up to max bytes. Idempotent.
func (o *Output) Drain() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.draining {
		return
	}
	o.draining = true
	if o.eof {
		close(o.done)
		return
	}
	go func() {
		defer close(o.done)
		buf := make([]byte, 64<<10)
		for {
			n, err := o.f.Read(buf)
			if n > 0 {
				o.mu.Lock()
				keep := o.max - o.buf.Len()
				if keep > n {
					keep = n
				}
				if keep > 0 {
					o.buf.Write(buf[:keep])
				}
				o.dropped += int64(n - max(keep, 0))
				o.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
}

// Collected waits for the end of the output and returns what the script has
// not read, up to max bytes, and how many bytes were dropped beyond it. A
// second call returns nothing.
func (o *Output) Collected(ctx context.Context) ([]byte, int64, error) {
	o.Drain()
	select {
	case <-o.done:
	case <-ctx.Done():
		return nil, 0, errCancelled
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	out := append(append([]byte(nil), o.pending...), o.buf.Bytes()...)
	if len(out) > o.max {
		out = out[:o.max]
	}
	// what the result holds is consumed: later reads see the end
	o.pending, o.eof = nil, true
	o.buf.Reset()
	return out, o.dropped, nil
}

// Close closes nslua's end.
func (o *Output) Close() error { return o.f.Close() }
