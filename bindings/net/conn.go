// Package net configures network namespaces over netlink: links (veth,
// bridge, vxlan), addresses, routes, per-namespace sysctls, traffic shaping
// (tbf, htb, netem) and ICMP echo. It is the plain Go layer of nslua's net
// module; lua.go binds it to Lua.
//
// Every operation goes through a Conn, a netlink socket opened inside one
// network namespace. A netlink socket stays bound to the namespace it was
// created in and works from any thread, so once a Conn exists, configuring
// its namespace needs no thread switching (DESIGN.md §2.4).
package net

import (
	"errors"
	"reflect"
	"unsafe"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// NSID identifies a network namespace: its nsfs device and inode.
type NSID struct{ Dev, Ino uint64 }

// Conn is a netlink connection bound to one network namespace. It also holds
// an fd of that namespace, so that work that must run on a thread inside it
// (sysctl, ping sockets) can get there without resolving the nsref again.
// Both keep the namespace alive: Close as soon as it is let go of.
type Conn struct {
	ID     NSID
	h      *netlink.Handle
	route  *nl.SocketHandle // h's NETLINK_ROUTE socket, for raw requests
	nsfd   int
	closed bool

	// shapes remembers the last shape applied per ifindex, to roll back to.
	shapes map[int]Shape
}

// ErrReleased is returned by a Conn whose namespace was let go of.
var ErrReleased = errors.New("network namespace released")

// OpenHere opens a Conn for the network namespace of the calling thread,
// which must be locked to its goroutine (a worker thread inside the target
// namespace). The netlink socket reports the kernel's extended error
// messages ("mtu greater than device maximum").
func OpenHere() (*Conn, error) {
	fd, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &engine.OpError{Op: "open", Arg: "/proc/thread-self/ns/net", Err: err}
	}
	dev, ino, err := engine.NSID(fd)
	if err != nil {
		unix.Close(fd)
		return nil, &engine.OpError{Op: "fstat", Arg: "netns", Err: err}
	}
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		unix.Close(fd)
		return nil, &engine.OpError{Op: "socket", Arg: "netlink", Err: err}
	}
	c := &Conn{ID: NSID{dev, ino}, h: h, nsfd: fd, shapes: map[int]Shape{}}
	c.route = handleSockets(h)[unix.NETLINK_ROUTE]
	if c.route != nil {
		c.route.Socket.SetExtAck(true) // best effort: errors then carry the kernel's words
	}
	return c, nil
}

// handleSockets reads the sockets of a netlink.Handle, which the package
// keeps unexported: nslua needs the route socket to enable extended acks
// and to send requests the typed API cannot express (the qdisc probe).
// The layout is that of netlink v1.3.1, pinned in go.mod; conn_test.go
// checks it.
func handleSockets(h *netlink.Handle) map[int]*nl.SocketHandle {
	v := reflect.ValueOf(h).Elem().FieldByName("sockets")
	if !v.IsValid() || v.Type() != reflect.TypeOf(map[int]*nl.SocketHandle(nil)) {
		return nil
	}
	return *(*map[int]*nl.SocketHandle)(unsafe.Pointer(v.UnsafeAddr()))
}

// NSFd is an fd of the Conn's namespace, -1 once closed. It stays owned by
// the Conn.
func (c *Conn) NSFd() int {
	if c.closed {
		return -1
	}
	return c.nsfd
}

// Closed reports whether Close ran.
func (c *Conn) Closed() bool { return c.closed }

// Close closes the netlink socket and the namespace fd. Idempotent.
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.h.Close()
	return unix.Close(c.nsfd)
}

// handle returns the netlink handle, or ErrReleased. A closed
// netlink.Handle would silently open sockets in the calling thread's
// namespace, so no operation may reach it.
func (c *Conn) handle() (*netlink.Handle, error) {
	if c.closed {
		return nil, ErrReleased
	}
	return c.h, nil
}

// request builds a raw netlink request sent on the Conn's route socket.
func (c *Conn) request(proto, flags int) (*nl.NetlinkRequest, error) {
	if c.closed || c.route == nil {
		return nil, ErrReleased
	}
	req := nl.NewNetlinkRequest(proto, flags)
	req.Sockets = map[int]*nl.SocketHandle{unix.NETLINK_ROUTE: c.route}
	return req, nil
}

// Pool caches one Conn per network namespace for a VM.
type Pool struct {
	conns map[NSID]*Conn
}

// NewPool returns an empty pool.
func NewPool() *Pool { return &Pool{conns: map[NSID]*Conn{}} }

// Get returns the Conn for id, opening one with open when there is none.
func (p *Pool) Get(id NSID, open func() (*Conn, error)) (*Conn, error) {
	if c, ok := p.conns[id]; ok && !c.closed {
		return c, nil
	}
	c, err := open()
	if err != nil {
		return nil, err
	}
	if c.ID != id {
		// the namespace was not the one asked for (a pid whose process
		// moved meanwhile): keep it under its real identity
		if old, ok := p.conns[c.ID]; ok && !old.closed {
			c.Close()
			return old, nil
		}
	}
	p.conns[c.ID] = c
	return c, nil
}

// Lookup returns the cached Conn for id, if any.
func (p *Pool) Lookup(id NSID) *Conn {
	if c, ok := p.conns[id]; ok && !c.closed {
		return c
	}
	return nil
}

// Release closes and forgets the Conn of namespace id: the script let go
// of that namespace, and an open socket would keep it alive.
func (p *Pool) Release(id NSID) {
	if c, ok := p.conns[id]; ok {
		c.Close()
		delete(p.conns, id)
	}
}

// Len is the number of open Conns.
func (p *Pool) Len() int { return len(p.conns) }

// CloseAll closes every Conn (VM close).
func (p *Pool) CloseAll() {
	for id, c := range p.conns {
		c.Close()
		delete(p.conns, id)
	}
}
