package ns

import (
	"io"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// A script that creates network namespaces one after another — a lab, a
// bridge with a hundred ports, a container per test case — spends about
// 0.6 ms per namespace waiting for the kernel (setup_net: loopback, the
// per-netns state of every protocol) on one core while the other idles.
// netPrefetch overlaps that wait with the script's own work: from the second
// ns.create("net") on, each call starts making the next namespace on a
// pooled thread in the background and the following call takes it, already
// made. ns.prepare starts one explicitly, before the first call: a container
// starts its network namespace that way while it builds its root.
//
// What the script gets is the same: a new network namespace, made from the
// network namespace the call is made from (a few sysctls of a new netns, such
// as net.ipv4.tcp_child_ehash_entries, come from its creator's), owned by
// nslua's user namespace (which a Go process can never change), held by
// nothing but the returned fd, with the sysctls and loopback the call asked
// for. At most one namespace is made ahead; one made from another namespace
// or for other options (lo, sysctl) than the call's, or never asked for, is
// released (at the latest when the VM closes). A background creation that
// fails (a sysctl the kernel refuses, say) is dropped and the call creates
// synchronously, so the error the script sees is the kernel's answer to its
// own request. Once the net module is loaded, its
// netlink socket for the namespace is opened on the same thread, inside it
// (engine/netnsconn.go), and goes with the namespace.
type netPrefetch struct {
	calls   int
	next    chan prefetched // nil: nothing made ahead or in the making
	nextOpt string          // the NetOpts key next is made with
	nextIn  [2]uint64       // dev and inode of the netns next is made from
	release *engine.Closer
}

type prefetched struct {
	fd   int
	conn io.Closer // the VM's NetnsOpener's, or nil
	err  error
}

// close releases a namespace made ahead that nobody takes.
func (r prefetched) close() {
	if r.err == nil {
		unix.Close(r.fd)
	}
	if r.conn != nil {
		r.conn.Close()
	}
}

// prefetchAfter is how many synchronous creations come before the first one
// made ahead: a script that makes a single namespace pays for no spare.
const prefetchAfter = 1

// take returns a namespace made ahead from cur's network namespace with the
// options o (fd -1 when there is none) and what the VM's opener
// opened in it, and starts making the next one once the script has shown it
// makes several.
func (p *netPrefetch) take(vm *engine.VM, cur *engine.ThreadNS, o NetOpts) (int, io.Closer) {
	r := prefetched{fd: -1}
	if p.next != nil {
		r = <-p.next
		p.next = nil
		if r.err != nil || p.nextOpt != o.key() || p.nextIn != netOf(cur) {
			r.close()
			r = prefetched{fd: -1}
		}
	}
	p.calls++
	if p.calls > prefetchAfter {
		p.start(vm, cur, o)
	}
	return r.fd, r.conn
}

func netOf(cur *engine.ThreadNS) [2]uint64 {
	dev, ino := cur.ID(engine.KindNet)
	return [2]uint64{dev, ino}
}

// start makes a namespace ahead from cur's network namespace, unless one
// for the same place and options is made or in the making; one for others
// is dropped.
func (p *netPrefetch) start(vm *engine.VM, cur *engine.ThreadNS, o NetOpts) {
	if p.next != nil {
		if p.nextOpt == o.key() && p.nextIn == netOf(cur) {
			return
		}
		old := p.next
		go func() { (<-old).close() }()
		p.next = nil
	}
	base, err := cur.Clone()
	if err != nil {
		return // nothing made ahead: the next call creates it itself
	}
	if p.release == nil {
		p.release = vm.OnClose("network namespace made ahead", p.drop)
	}
	ch := make(chan prefetched, 1)
	p.next, p.nextOpt, p.nextIn = ch, o.key(), netOf(cur)
	open := vm.NetnsOpener()
	go func() {
		defer base.Close()
		fd, conn, err := CreateNet(base, o, open)
		ch <- prefetched{fd, conn, err}
	}()
}

// drop closes the namespace made ahead that no call took.
func (p *netPrefetch) drop() error {
	if p.next != nil {
		(<-p.next).close()
		p.next = nil
	}
	return nil
}

// createNet is CreateNet through the prefetcher, with the VM's opener.
func (b *binding) createNet(cur *engine.ThreadNS, o NetOpts) (int, io.Closer, error) {
	if fd, conn := stateOf(b.vm).prefetch.take(b.vm, cur, o); fd >= 0 {
		return fd, conn, nil
	}
	return CreateNet(cur, o, b.vm.NetnsOpener())
}

// ns.prepare("net" [, {lo = true, sysctl = {...}}]): start making a network
// namespace in the background now, from the caller's network namespace; the
// next ns.create("net") from there with the same lo and sysctl takes it (one for other
// options in the making is dropped). A hint for a script that knows it will
// need one and has other work first.
func (b *binding) prepare(L *lua.LState) int {
	vm := b.vm
	k := b.checkKind(L, 1)
	o := vm.CheckOpts(L, 2, "lo", "sysctl")
	vm.NoMoreArgs(L, 2)
	if k != engine.KindNet {
		vm.ArgError(L, 1, "only a network namespace can be prepared, not %s", k)
	}
	stateOf(vm).prefetch.start(vm, vm.Current(), b.netOpts(o))
	return engine.OK(L)
}
