package spawn

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"sync"
)

// Output is nslua's end of a child's piped stdout or stderr. A goroutine
// reads the pipe from the start into a buffer, so a child never blocks on a
// full pipe while the script does something else (writes to its stdin,
// waits), and closes nslua's end as soon as the pipe reaches its end: a
// process object the script drops holds no descriptor once its child is
// done. The script reads from the buffer (Read, ReadLine); a wait takes
// what is left (Take).
//
// The buffer is bounded. A readable output (stdout) holds at most
// max(max, 64 KiB) unread bytes outside a wait: then the collector stops
// reading and the child waits, as it would on a full pipe, until the script
// reads; nothing is lost. While a wait runs (BeginWait .. EndWait), and
// always for an output the script cannot read (stderr), what goes beyond
// max unread bytes is read and dropped, as the result keeps only max.
type Output struct {
	f        *os.File
	max      int  // unread bytes a result keeps; beyond, a wait drops
	limit    int  // unread bytes before the collector stops (readable only)
	readable bool // the script may read it; else it is only collected

	mu       sync.Mutex
	buf      bytes.Buffer  // read from the pipe, not yet taken
	eof      bool          // the pipe ended (or was closed); f is closed
	closed   bool          // Close was called
	waits    int           // waits in progress: beyond max, output is dropped
	lineWait int           // ReadLines waiting for a newline past the limit
	changed  chan struct{} // closed and replaced on every change of state
	done     chan struct{} // closed once the collector has finished
}

// readChunk is how much one read of the pipe takes, and the least a
// readable output buffers.
const readChunk = 64 << 10

// NewOutput wraps the read end of a pipe and starts collecting it. A
// readable output is for the script to read (stdout); the other kind is only
// collected for the result (stderr).
func NewOutput(f *os.File, max int, readable bool) *Output {
	o := &Output{f: f, max: max, limit: max, readable: readable,
		changed: make(chan struct{}), done: make(chan struct{})}
	if o.limit < readChunk {
		o.limit = readChunk
	}
	go o.collect()
	return o
}

// errCancelled is returned when the context ends a blocking read.
var errCancelled = errors.New("interrupted")

// signal wakes whoever waits for a change; o.mu is held.
func (o *Output) signal() {
	close(o.changed)
	o.changed = make(chan struct{})
}

// full reports whether the collector must wait for the script; o.mu is held.
func (o *Output) full() bool {
	return o.readable && o.waits == 0 && o.lineWait == 0 && o.buf.Len() >= o.limit
}

func (o *Output) collect() {
	defer close(o.done)
	defer o.f.Close()
	chunk := make([]byte, readChunk)
	for {
		o.mu.Lock()
		for o.full() && !o.closed {
			ch := o.changed
			o.mu.Unlock()
			<-ch
			o.mu.Lock()
		}
		closed := o.closed
		o.mu.Unlock()
		if closed {
			break
		}
		n, err := o.f.Read(chunk)
		o.mu.Lock()
		if n > 0 {
			keep := n
			if !o.readable || o.waits > 0 {
				keep = min(n, max(o.max-o.buf.Len(), 0))
			}
			o.buf.Write(chunk[:keep])
		}
		if err != nil { // io.EOF, or closed under us: the end either way
			o.eof = true
		}
		o.signal()
		o.mu.Unlock()
		if err != nil {
			return
		}
	}
	o.mu.Lock()
	o.eof = true
	o.signal()
	o.mu.Unlock()
}

// Read returns up to n bytes (n <= 0: all that has arrived), blocking until
// some arrive; io.EOF at the end.
func (o *Output) Read(ctx context.Context, n int) ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for o.buf.Len() == 0 {
		if o.eof {
			return nil, io.EOF
		}
		if err := o.await(ctx); err != nil {
			return nil, err
		}
	}
	if n <= 0 || n > o.buf.Len() {
		n = o.buf.Len()
	}
	out := bytes.Clone(o.buf.Next(n))
	o.signal() // room for the collector
	return out, nil
}

// await waits for the next change of state or the end of ctx; o.mu is held
// and held again on return.
func (o *Output) await(ctx context.Context) error {
	ch := o.changed
	o.mu.Unlock()
	defer o.mu.Lock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return errCancelled
	}
}

// ReadLine returns the next line without its newline; the last line may
// lack one. io.EOF at the end. A line longer than the buffer's bound is
// read whole: the collector goes on while ReadLine waits for its newline.
func (o *Output) ReadLine(ctx context.Context) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for {
		if i := bytes.IndexByte(o.buf.Bytes(), '\n'); i >= 0 {
			line := string(o.buf.Next(i + 1)[:i])
			o.signal()
			return line, nil
		}
		if o.eof {
			if o.buf.Len() == 0 {
				return "", io.EOF
			}
			line := o.buf.String()
			o.buf.Reset()
			return line, nil
		}
		o.lineWait++
		o.signal() // a full collector may go on
		err := o.await(ctx)
		o.lineWait--
		if err != nil {
			return "", err
		}
	}
}

// BeginWait starts a wait: until EndWait, the collector reads on whatever the
// script left unread and drops what goes beyond max bytes.
func (o *Output) BeginWait() {
	o.mu.Lock()
	o.waits++
	o.signal()
	o.mu.Unlock()
}

// EndWait ends what BeginWait started (after a timed-out wait the script may
// read on).
func (o *Output) EndWait() {
	o.mu.Lock()
	o.waits--
	o.mu.Unlock()
}

// Done is closed once the pipe has reached its end (every writer closed it)
// and nslua's end is closed.
func (o *Output) Done() <-chan struct{} { return o.done }

// Take returns what the script has not read, up to max bytes, and empties
// the buffer: later reads see the end. Call it once Done is closed.
func (o *Output) Take() []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := bytes.Clone(o.buf.Bytes())
	if len(out) > o.max {
		out = out[:o.max]
	}
	o.buf = bytes.Buffer{}
	o.eof = true
	return out
}

// Close stops the collector and closes nslua's end. Idempotent.
func (o *Output) Close() error {
	o.mu.Lock()
	o.closed = true
	o.signal()
	o.mu.Unlock()
	err := o.f.Close()
	if errors.Is(err, os.ErrClosed) {
		err = nil
	}
	return err
}
