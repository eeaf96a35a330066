package net

import (
	"errors"
	"fmt"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

// Shape is the egress shaping of a link: a rate limit through tbf (or htb)
// and delay, jitter and loss through netem.
type Shape struct {
	Rate   uint64 // bits per second, 0: no limit
	Delay  time.Duration
	Jitter time.Duration
	Loss   float64 // percent
	Qdisc  string  // rate qdisc: "tbf" (default) or "htb"
}

func (s Shape) needsNetem() bool { return s.Delay > 0 || s.Jitter > 0 || s.Loss > 0 }

func (s Shape) rateKind() string {
	if s.Qdisc == "" {
		return "tbf"
	}
	return s.Qdisc
}

// Handles nslua gives its qdiscs: the rate qdisc (or netem alone) at the
// root as 1:, netem below the rate qdisc's class 1:1 as 10:.
var (
	rootHandle  = netlink.MakeHandle(1, 0)
	classHandle = netlink.MakeHandle(1, 1)
	netemHandle = netlink.MakeHandle(10, 0)
	probeHandle = netlink.MakeHandle(0xfffe, 0)
)

// qdiscKnown caches what HasQdisc found: which qdiscs a kernel has does
// not change while nslua runs (short of loading a module by hand).
var qdiscKnown = map[string]bool{}

// HasQdisc reports whether the kernel offers the qdisc kind, without
// changing anything: it asks to create one as root of the link with no
// options. The kernel looks the kind up first (loading its module if it
// can) and answers an unknown kind with ENOENT; a known kind then refuses
// the missing options with EINVAL, before anything is attached.
func (l *Link) HasQdisc(kind string) (bool, error) {
	if ok, seen := qdiscKnown[kind]; seen {
		return ok, nil
	}
	req, err := l.Conn.request(unix.RTM_NEWQDISC, unix.NLM_F_CREATE|unix.NLM_F_REPLACE|unix.NLM_F_ACK)
	if err != nil {
		return false, opErr("shape", l.Name, err)
	}
	req.AddData(&nl.TcMsg{Family: nl.FAMILY_ALL, Ifindex: int32(l.Index), Handle: probeHandle, Parent: netlink.HANDLE_ROOT})
	req.AddData(nl.NewRtAttr(nl.TCA_KIND, nl.ZeroTerminated(kind)))
	_, err = req.Execute(unix.NETLINK_ROUTE, 0)
	switch {
	case errors.Is(err, unix.ENOENT):
		qdiscKnown[kind] = false
		return false, nil
	case errors.Is(err, unix.EINVAL):
		qdiscKnown[kind] = true
		return true, nil
	case err == nil:
		// it took no options after all: undo, and call it present
		l.delQdisc(probeHandle, netlink.HANDLE_ROOT)
		qdiscKnown[kind] = true
		return true, nil
	}
	return false, opErr("shape", l.Name, err)
}

// Shape replaces the link's egress shaping. It first checks that the kernel
// has every qdisc needed and changes nothing when one is missing (ENOTSUP,
// naming it). A shape that fails half way is rolled back to what was there
// before. Equivalent to `tc qdisc replace dev NAME root handle 1: tbf rate R
// burst B limit L` plus `tc qdisc add dev NAME parent 1:1 handle 10: netem
// delay D J loss P`.
func (l *Link) Shape(s Shape) error {
	var need []string
	if s.Rate > 0 {
		need = append(need, s.rateKind())
	}
	if s.needsNetem() {
		need = append(need, "netem")
	}
	for _, kind := range need {
		ok, err := l.HasQdisc(kind)
		if err != nil {
			return err
		}
		if !ok {
			what := "rate"
			if kind == "netem" {
				what = "delay, jitter and loss"
			}
			return &engine.OpError{Op: "shape", Arg: l.Name, Err: unix.ENOTSUP,
				Text: fmt.Sprintf("the kernel has no %s qdisc (sch_%s), needed for %s", kind, kind, what)}
		}
	}
	info, err := l.info("shape")
	if err != nil {
		return err
	}
	old, err := l.rootQdisc()
	if err != nil {
		return err
	}
	prev, hadPrev := l.Conn.shapes[l.Index]
	if err := l.clearRoot(old); err != nil {
		return err
	}
	if err := l.apply(s, info.MTU); err != nil {
		// roll back: drop what was half built, put back what was there
		l.delQdisc(0, netlink.HANDLE_ROOT)
		if hadPrev {
			l.apply(prev, info.MTU)
		} else if old != nil {
			l.do("shape", func(h *netlink.Handle) error { return h.QdiscReplace(old) })
		}
		return err
	}
	l.Conn.shapes[l.Index] = s
	return nil
}

// Unshape removes the link's shaping: the kernel puts back its default
// qdisc. Equivalent to `tc qdisc del dev NAME root`; a link without shaping
// is fine, a link that is gone is ENODEV.
func (l *Link) Unshape() error {
	delete(l.Conn.shapes, l.Index)
	if err := l.mustExist("unshape"); err != nil {
		return err
	}
	old, err := l.rootQdisc()
	if err != nil {
		return opErr("unshape", l.Name, err)
	}
	if old == nil {
		return nil
	}
	return opErr("unshape", l.Name, l.delQdisc(0, netlink.HANDLE_ROOT))
}

// failAfterRoot lets a test make apply fail half way.
var failAfterRoot func() error

func (l *Link) apply(s Shape, mtu int) error {
	parent := uint32(netlink.HANDLE_ROOT)
	add := func(q netlink.Qdisc) error {
		return l.do("shape", func(h *netlink.Handle) error { return h.QdiscAdd(q) })
	}
	if s.Rate > 0 {
		bytesPerSec := s.Rate / 8
		burst := bytesPerSec / 100 // 10 ms worth
		if min := uint64(2 * (mtu + 14)); burst < min {
			burst = min
		}
		limit := bytesPerSec/10 + burst // 100 ms of queue
		attrs := netlink.QdiscAttrs{LinkIndex: l.Index, Handle: rootHandle, Parent: netlink.HANDLE_ROOT}
		if s.rateKind() == "htb" {
			q := netlink.NewHtb(attrs)
			q.Defcls = 1
			if err := add(q); err != nil {
				return err
			}
			c := netlink.NewHtbClass(netlink.ClassAttrs{LinkIndex: l.Index, Parent: rootHandle, Handle: classHandle},
				netlink.HtbClassAttrs{Rate: s.Rate, Buffer: uint32(burst), Cbuffer: uint32(burst)})
			if err := l.do("shape", func(h *netlink.Handle) error { return h.ClassAdd(c) }); err != nil {
				return err
			}
		} else {
			q := &netlink.Tbf{QdiscAttrs: attrs, Rate: bytesPerSec, Limit: uint32(limit),
				Buffer: netlink.Xmittime(bytesPerSec, uint32(burst))}
			if err := add(q); err != nil {
				return err
			}
		}
		parent = classHandle
	}
	if failAfterRoot != nil {
		if err := failAfterRoot(); err != nil {
			return err
		}
	}
	if s.needsNetem() {
		handle := netemHandle
		if parent == netlink.HANDLE_ROOT {
			handle = rootHandle
		}
		q := netlink.NewNetem(netlink.QdiscAttrs{LinkIndex: l.Index, Handle: handle, Parent: parent},
			netlink.NetemQdiscAttrs{Latency: uint32(s.Delay / time.Microsecond),
				Jitter: uint32(s.Jitter / time.Microsecond), Loss: float32(s.Loss)})
		if err := add(q); err != nil {
			return err
		}
	}
	return nil
}

// rootQdisc returns the link's root qdisc when it is not the kernel's
// default (defaults have handle 0), else nil.
func (l *Link) rootQdisc() (netlink.Qdisc, error) {
	h, err := l.Conn.handle()
	if err != nil {
		return nil, opErr("shape", l.Name, err)
	}
	qs, err := h.QdiscList(l.ref())
	if err != nil {
		return nil, opErr("shape", l.Name, err)
	}
	for _, q := range qs {
		a := q.Attrs()
		if a.Parent == netlink.HANDLE_ROOT && a.LinkIndex == l.Index && a.Handle != 0 {
			return q, nil
		}
	}
	return nil, nil
}

// Qdiscs lists the link's qdiscs, for inspection (`tc qdisc show dev NAME`).
func (l *Link) Qdiscs() ([]netlink.Qdisc, error) {
	h, err := l.Conn.handle()
	if err != nil {
		return nil, opErr("qdiscs", l.Name, err)
	}
	qs, err := h.QdiscList(l.ref())
	return qs, opErr("qdiscs", l.Name, err)
}

func (l *Link) clearRoot(old netlink.Qdisc) error {
	if old == nil {
		return nil
	}
	return opErr("shape", l.Name, l.delQdisc(0, netlink.HANDLE_ROOT))
}

func (l *Link) delQdisc(handle, parent uint32) error {
	h, err := l.Conn.handle()
	if err != nil {
		return err
	}
	return h.QdiscDel(&netlink.GenericQdisc{QdiscAttrs: netlink.QdiscAttrs{LinkIndex: l.Index, Handle: handle, Parent: parent}})
}
