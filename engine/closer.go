package engine

import "fmt"

// Closer is one resource registered for release when the VM closes (DESIGN.md
// §4). gopher-lua never runs __gc, so nothing a binding creates may depend on
// garbage collection: it registers a Closer instead.
type Closer struct {
	name string
	fn   func() error
	list *closerList
	idx  int
}

type closerList struct {
	items []*Closer
	live  int
}

// BeforeFirstCloser has fn called once, just before the first closer is
// registered: the command line waits there until its signal handlers are
// in place, so that a signal never skips a closer (cmd/nslua).
func (vm *VM) BeforeFirstCloser(fn func()) { vm.firstCloser = fn }

// OnClose registers fn to run when the VM closes, unless the returned Closer
// is closed or kept first. name says what it releases, for error messages.
func (vm *VM) OnClose(name string, fn func() error) *Closer {
	if gate := vm.firstCloser; gate != nil {
		vm.firstCloser = nil
		gate()
	}
	l := &vm.closers
	c := &Closer{name: name, fn: fn, list: l, idx: len(l.items)}
	l.items = append(l.items, c)
	l.live++
	l.compact()
	return c
}

// Close runs the closer now (if it has not run) and unregisters it.
func (c *Closer) Close() error {
	if c == nil || c.fn == nil {
		return nil
	}
	fn := c.fn
	c.Keep()
	if err := fn(); err != nil {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	return nil
}

// Keep unregisters the closer without running it: the resource outlives the
// script on purpose (keep, pin, name).
func (c *Closer) Keep() {
	if c == nil || c.fn == nil {
		return
	}
	c.fn = nil
	c.list.live--
}

// Active reports whether the closer is still pending.
func (c *Closer) Active() bool { return c != nil && c.fn != nil }

// compact drops finished closers once they dominate the list, so a script that
// opens and closes a million handles does not grow it without bound.
func (l *closerList) compact() {
	if len(l.items) < 64 || l.live*2 > len(l.items) {
		return
	}
	kept := l.items[:0]
	for _, c := range l.items {
		if c.fn != nil {
			c.idx = len(kept)
			kept = append(kept, c)
		}
	}
	for i := len(kept); i < len(l.items); i++ {
		l.items[i] = nil
	}
	l.items = kept
}

// runAll runs every pending closer, newest first, including closers that
// closers register while running.
func (l *closerList) runAll() []error {
	var errs []error
	for len(l.items) > 0 {
		c := l.items[len(l.items)-1]
		l.items = l.items[:len(l.items)-1]
		if c.fn == nil {
			continue
		}
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
