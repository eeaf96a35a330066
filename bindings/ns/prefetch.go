package ns

import (
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// A script that creates network namespaces one after another — a lab, a
// bridge with a hundred ports — spends about 0.6 ms per namespace waiting for
// the kernel (setup_net: loopback, the per-netns state of every protocol),
// on one core, while the other core idles. netPrefetch overlaps that wait
// with the script's own work: from the second ns.create("net") on, each call
// starts making the next namespace on a pooled thread in the background and
// the following call takes it, already made.
//
// What the script gets is the same: a new network namespace, owned by
// nslua's user namespace (the only part of the creator's context a new
// netns depends on, and one a Go process can never change), that nothing but
// the returned fd holds. At most one namespace is made ahead; one the script
// never asks for is released when the VM closes. A background creation that
// fails is dropped and the call creates synchronously, so the error the
// script sees is the kernel's answer to its own request.
type netPrefetch struct {
	calls int
	next  chan prefetched // nil: nothing in flight
}

type prefetched struct {
	fd  int
	err error
}

// prefetchAfter is how many synchronous creations come before the first one
// made ahead: a script that makes a single namespace pays for no spare.
const prefetchAfter = 1

// take returns a namespace made ahead, or -1 when there is none, and starts
// making the next one once the script has shown it makes several.
func (p *netPrefetch) take(vm *engine.VM) int {
	fd := -1
	if p.next != nil {
		if r := <-p.next; r.err == nil {
			fd = r.fd
		}
		p.next = nil
	}
	p.calls++
	if p.calls > prefetchAfter {
		p.start(vm)
	}
	return fd
}

func (p *netPrefetch) start(vm *engine.VM) {
	if p.calls == prefetchAfter+1 {
		vm.OnClose("network namespace made ahead", p.release)
	}
	ch := make(chan prefetched, 1)
	p.next = ch
	go func() {
		fd, err := Create(engine.NewThreadNS(), engine.KindNet, "", -1)
		ch <- prefetched{fd, err}
	}()
}

// release closes the namespace made ahead that no call took.
func (p *netPrefetch) release() error {
	if p.next != nil {
		if r := <-p.next; r.err == nil {
			unix.Close(r.fd)
		}
		p.next = nil
	}
	return nil
}

// createNet is Create for a network namespace, through the prefetcher.
func (b *binding) createNet(cur *engine.ThreadNS) (int, error) {
	if fd := stateOf(b.vm).prefetch.take(b.vm); fd >= 0 {
		return fd, nil
	}
	return Create(cur, engine.KindNet, "", -1)
}
