package net

import (
	"errors"
	"os"
	"runtime"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// privateConn opens a Conn in a new network namespace, made on a thread that
// is never given back to the runtime. The namespace lives as long as the
// Conn. Needs root.
func privateConn(t *testing.T) *Conn {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	type result struct {
		c   *Conn
		err error
	}
	ch := make(chan result)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, err}
			return
		}
		c, err := OpenHere()
		ch <- result{c, err}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { r.c.Close() })
	return r.c
}

func TestHandleSocketsLayout(t *testing.T) {
	c := privateConn(t)
	if c.route == nil {
		t.Fatal("could not reach the netlink handle's route socket: netlink's Handle layout changed")
	}
	// extended acks are on: the kernel's words come back
	l, _, err := c.Veth("t0", "t1", VethOpts{})
	if err != nil {
		t.Fatal(err)
	}
	err = l.SetMTU(70000)
	if err == nil || err.Error() != "EINVAL: set(t0): invalid argument: mtu greater than device maximum" {
		t.Errorf("SetMTU(70000) = %v", err)
	}
}

func TestReleasedConnRefuses(t *testing.T) {
	c := privateConn(t)
	lo, err := c.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool()
	p.conns[c.ID] = c
	p.Release(c.ID)
	if p.Lookup(c.ID) != nil {
		t.Error("released conn still cached")
	}
	err = lo.Up()
	if err == nil || !errors.Is(err, unix.ENODEV) {
		t.Errorf("Up on a released namespace = %v, want ENODEV", err)
	}
	if lo.Exists() {
		t.Error("a link of a released namespace exists")
	}
}

// TestShapeRollsBack: a shape that fails after its root qdisc was attached
// leaves the link as it was, with no shaping, or with the shape it had.
func TestShapeRollsBack(t *testing.T) {
	c := privateConn(t)
	l, _, err := c.Veth("s0", "s1", VethOpts{})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("injected failure")
	failAfterRoot = func() error { return boom }
	defer func() { failAfterRoot = nil }()
	if err := l.Shape(Shape{Rate: 1e6}); err != boom {
		t.Fatalf("Shape = %v, want the injected failure", err)
	}
	if q, _ := l.rootQdisc(); q != nil {
		t.Errorf("after a failed first shape the root is %v, want the default", q)
	}
	failAfterRoot = nil
	if err := l.Shape(Shape{Rate: 2e6}); err != nil {
		t.Fatal(err)
	}
	failAfterRoot = func() error { return boom }
	if err := l.Shape(Shape{Rate: 5e6, Qdisc: "htb"}); err != boom {
		t.Fatalf("Shape = %v, want the injected failure", err)
	}
	q, _ := l.rootQdisc()
	tbf, ok := q.(*netlink.Tbf)
	if !ok || tbf.Rate != 2e6/8 {
		t.Errorf("after a failed reshape the root is %#v, want the earlier tbf at 2 Mbit", q)
	}
}

func TestQdiscProbe(t *testing.T) {
	c := privateConn(t)
	lo, _ := c.LinkByName("lo")
	for _, kind := range []string{"tbf", "htb"} {
		ok, err := lo.HasQdisc(kind)
		if err != nil || !ok {
			t.Errorf("HasQdisc(%s) = %v, %v; this kernel has it", kind, ok, err)
		}
	}
	delete(qdiscKnown, "nosuchqdisc")
	if ok, err := lo.HasQdisc("nosuchqdisc"); err != nil || ok {
		t.Errorf("HasQdisc(nosuchqdisc) = %v, %v", ok, err)
	}
	if q, _ := lo.rootQdisc(); q != nil {
		t.Errorf("probing left a root qdisc: %v", q)
	}
}
