package engine

import "io"

// A network namespace a script creates is usually configured next: a lab
// node gets a veth, an address, its links up. The net module's first call on
// it needs a netlink socket opened inside it, and getting there is a hand-off
// to a pooled thread and back: 0.4–0.6 ms per namespace when both cores are
// busy building (measured with the net benchmark at N = 100, where it was
// half of what separated nslua from plain Go). The thread that creates the
// namespace is inside it anyway. So once the net module is loaded it
// registers an opener; ns runs it on the creating thread, inside the new
// namespace, and the socket waits here until net asks for it.
//
// A kept connection lives exactly as long as the script's handles on its
// namespace: it is closed with the last of them (ReleaseNamespace: h:close,
// ns.delete) or when the VM closes, so it never holds a namespace alive
// that the script let go of (DESIGN.md §2.4).

// SetNetnsOpener registers fn, which opens what a binding keeps per network
// namespace. It runs on a thread inside a namespace just created, on any
// goroutine, so it must touch nothing but that thread.
func (vm *VM) SetNetnsOpener(fn func() (io.Closer, error)) { vm.netnsOpener = fn }

// NetnsOpener returns the registered opener, nil when no binding asked for
// one.
func (vm *VM) NetnsOpener() func() (io.Closer, error) { return vm.netnsOpener }

// KeepNetnsConn keeps c, opened by the opener inside the network namespace
// h refers to, until TakeNetnsConn asks for it or the namespace is
// released. With h nil (making the handle failed) c is closed.
func (vm *VM) KeepNetnsConn(h *Handle, c io.Closer) {
	if c == nil {
		return
	}
	if vm.closed || h == nil || h.IsClosed() {
		c.Close()
		return
	}
	id := nsID{h.Dev, h.Ino}
	if old := vm.netnsConns[id]; old != nil {
		old.Close()
	}
	if vm.netnsConns == nil {
		vm.netnsConns = map[nsID]io.Closer{}
		vm.OnClose("netlink sockets opened with new network namespaces", func() error {
			for id := range vm.netnsConns {
				vm.dropNetnsConn(id)
			}
			return nil
		})
	}
	vm.netnsConns[id] = c
}

// TakeNetnsConn hands over the connection kept for namespace dev/ino, nil
// when there is none. The caller owns it from then on.
func (vm *VM) TakeNetnsConn(dev, ino uint64) io.Closer {
	id := nsID{dev, ino}
	c := vm.netnsConns[id]
	delete(vm.netnsConns, id)
	return c
}

func (vm *VM) dropNetnsConn(id nsID) {
	if c := vm.netnsConns[id]; c != nil {
		c.Close()
		delete(vm.netnsConns, id)
	}
}
