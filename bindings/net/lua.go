package net

import (
	"fmt"
	"io"
	"math"
	gonet "net"
	"net/netip"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
	"github.com/nslua/nslua/engine/sysctl"
)

// Module is the net module (API.md, net).
var Module = engine.Module{
	Name: "net",
	Doc:  "links, addresses, routes, sysctls, shaping and ping over netlink, in any network namespace",
	Open: open,
}

type mod struct {
	vm        *engine.VM
	pool      *Pool
	class     *engine.Class
	nsHandles map[NSID]*engine.Handle // what link.ns gave out, closed on release
}

func open(vm *engine.VM, L *lua.LState) lua.LValue {
	m := &mod{vm: vm, pool: NewPool(), nsHandles: map[NSID]*engine.Handle{}}
	vm.OnNamespaceRelease(func(dev, ino uint64) { m.release(NSID{dev, ino}) })
	// namespaces ns creates from now on come with their socket
	vm.SetNetnsOpener(func() (io.Closer, error) { return OpenHere() })
	vm.OnClose("net: netlink sockets", func() error {
		for id := range m.nsHandles {
			m.release(id)
		}
		m.pool.CloseAll()
		return nil
	})
	m.class = vm.NewClass("link", map[string]func(*lua.LState) int{
		"up":        m.linkUp,
		"down":      m.linkDown,
		"set":       m.linkSet,
		"addr_add":  m.linkAddrAdd,
		"addr_del":  m.linkAddrDel,
		"addrs":     m.linkAddrs,
		"shape":     m.linkShape,
		"unshape":   m.linkUnshape,
		"stats":     m.linkStats,
		"delete":    m.linkDelete,
		"wait_gone": m.linkWaitGone,
	}, m.field)
	return vm.Funcs(map[string]func(*lua.LState) int{
		"links":        m.links,
		"link":         m.link,
		"veth":         m.veth,
		"bridge":       m.bridge,
		"vxlan":        m.vxlan,
		"delete_links": m.deleteLinks,
		"addrs":        m.addrs,
		"routes":       m.routes,
		"route_add":    m.routeAdd,
		"route_del":    m.routeDel,
		"sysctl":       m.sysctl,
		"ping":         m.ping,
		"parse_rate": m.parser("parse_rate", func(s string) (float64, error) {
			bits, err := ParseRate(s)
			return float64(bits), err
		}),
		"parse_delay": m.parser("parse_delay", func(s string) (float64, error) {
			d, err := ParseDuration(s)
			return float64(d) / float64(time.Millisecond), err
		}),
		"parse_loss": m.parser("parse_loss", ParseLoss),
	})
}

// parseMessage is a parse error about v: a number is shown as the number,
// not as the quoted text it was read from.
func parseMessage(err error, v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		text := fmt.Sprint(float64(n))
		return strings.Replace(err.Error(), engine.Quote(text), text, 1)
	}
	return err.Error()
}

// parser makes net.parse_rate, parse_delay and parse_loss: the readers l:shape
// applies to its options (a number is bits per second, milliseconds or
// percent), for callers that check a shaping ahead of time (topo checks a
// link's when it is described). They return the value in those units, or nil
// and why a string or number is not one; other types raise.
func (m *mod) parser(name string, parse func(string) (float64, error)) func(*lua.LState) int {
	return func(L *lua.LState) int {
		m.vm.NoMoreArgs(L, 1)
		var text string
		switch v := L.Get(1).(type) {
		case lua.LNumber:
			text = fmt.Sprint(float64(v)) // as l:shape reads a number
		case lua.LString:
			text = string(v)
		default:
			m.vm.TypeError(L, 1, "string or number")
		}
		v, err := parse(text)
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(parseMessage(err, L.Get(1))))
			return 2
		}
		L.Push(lua.LNumber(v))
		return 1
	}
}

// release drops what the module holds for a namespace the script let go of.
func (m *mod) release(id NSID) {
	m.pool.Release(id)
	if h, ok := m.nsHandles[id]; ok {
		h.Close()
		delete(m.nsHandles, id)
	}
}

// ---- namespaces ----

func (m *mod) currentID() NSID {
	dev, ino := m.vm.Current().ID(engine.KindNet)
	return NSID{dev, ino}
}

// conn returns the Conn of namespace id: the cached one, else the one opened
// when ns created the namespace (engine/netnsconn.go), else one open makes.
func (m *mod) conn(id NSID, open func() (*Conn, error)) (*Conn, error) {
	return m.pool.Get(id, func() (*Conn, error) {
		if c, ok := m.vm.TakeNetnsConn(id.Dev, id.Ino).(*Conn); ok {
			if c.ID == id && !c.closed {
				return c, nil
			}
			c.Close()
		}
		return open()
	})
}

// current is the Conn of the script's own netns. The thread running Lua is
// in it, so the socket is opened right there.
func (m *mod) current() (*Conn, error) {
	return m.conn(m.currentID(), OpenHere)
}

// target is the Conn of the netns open as fd, opened on a worker thread
// inside it the first time.
func (m *mod) target(fd int) (*Conn, error) {
	dev, ino, err := engine.NSID(fd)
	if err != nil {
		return nil, &engine.OpError{Op: "fstat", Arg: "netns", Err: err}
	}
	id := NSID{dev, ino}
	if id == m.currentID() {
		return m.current()
	}
	return m.conn(id, func() (*Conn, error) {
		var c *Conn
		err := engine.OnPooledWorker(m.vm.Current(), []engine.Target{{Kind: engine.KindNet, Fd: fd}},
			func(*engine.ThreadNS) error {
				var err error
				c, err = OpenHere()
				return err
			})
		return c, err
	})
}

// connOpt resolves the nsref at o[key] (ns=, peer_ns=), the script's own
// netns when absent.
func (m *mod) connOpt(o *engine.Opts, key string) (*Conn, error) {
	refs, err := o.ResolveNSRefOpt(key, engine.KindNet) // raises naming the option
	if err != nil {
		return nil, err
	}
	if refs == nil {
		return m.current()
	}
	defer refs.Release()
	return m.target(refs.Targets[0].Fd)
}

// onThreadIn runs fn on a thread inside c's namespace: the thread running
// Lua when that is where the script is, else a worker.
func (m *mod) onThreadIn(c *Conn, fn func() error) error {
	if c.ID == m.currentID() {
		return fn()
	}
	fd := c.NSFd()
	if fd < 0 {
		return ErrReleased
	}
	return engine.OnPooledWorker(m.vm.Current(), []engine.Target{{Kind: engine.KindNet, Fd: fd}},
		func(*engine.ThreadNS) error { return fn() })
}

// nsHandle is link.ns: a handle of the link's namespace, one per namespace,
// closed when the namespace is released. It is a view (engine.NewViewHandle):
// reading l.ns must not keep the namespace alive once the script lets go.
func (m *mod) nsHandle(c *Conn) (*engine.Handle, error) {
	if h, ok := m.nsHandles[c.ID]; ok && !h.IsClosed() {
		return h, nil
	}
	if c.NSFd() < 0 {
		return nil, ErrReleased
	}
	fd, err := unix.FcntlInt(uintptr(c.NSFd()), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	h, err := m.vm.NewViewHandle(fd, engine.KindNet, fmt.Sprintf("net:[%d]", c.ID.Ino))
	if err != nil {
		return nil, err
	}
	m.nsHandles[c.ID] = h
	return h, nil
}

// ---- argument helpers ----

func (m *mod) checkName(L *lua.LState, n int) string {
	name := m.vm.CheckString(L, n)
	if why := CheckName(name); why != "" {
		m.vm.ArgError(L, n, "%s", why)
	}
	return name
}

func (m *mod) optName(o *engine.Opts, key string) string {
	name := o.String(key, "")
	if why := CheckName(name); o.Has(key) && why != "" {
		o.Fail(key, "%s", why)
	}
	return name
}

func (m *mod) optMTU(o *engine.Opts) int {
	mtu := o.Int("mtu", 0)
	if o.Has("mtu") && (mtu < 1 || mtu > 1<<30) {
		o.Fail("mtu", "mtu %d out of range", mtu)
	}
	return mtu
}

func (m *mod) optMAC(o *engine.Opts, key string) gonet.HardwareAddr {
	if !o.Has(key) {
		return nil
	}
	mac, err := ParseMAC(o.String(key, ""))
	if err != nil {
		o.Fail(key, "%s", err)
	}
	return mac
}

func (m *mod) optIP(o *engine.Opts, key string) netip.Addr {
	if !o.Has(key) {
		return netip.Addr{}
	}
	a, err := ParseAddr(o.String(key, ""))
	if err != nil {
		o.Fail(key, "%s", err)
	}
	return a
}

// optDev resolves dev= (a link name or a link object) in c's namespace.
func (m *mod) optDev(o *engine.Opts, key string, c *Conn) (*Link, error) {
	switch v := o.Get(key).(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LString:
		m.optName(o, key)
		return c.LinkByName(string(v))
	case *lua.LUserData:
		if l, ok := v.Value.(*Link); ok && m.class.Is(v) {
			if l.Conn.ID != c.ID {
				o.Fail(key, "link %s is in another network namespace", l.Name)
			}
			return l, nil
		}
	}
	o.Fail(key, "link name or nslua.link expected, got %s", engine.TypeName(o.Get(key)))
	return nil, nil
}

func (m *mod) checkLink(L *lua.LState) *Link {
	return engine.Check[*Link](m.vm, L, 1, m.class)
}

func (m *mod) pushLink(L *lua.LState, l *Link) lua.LValue {
	return m.class.New(L, l)
}

func (m *mod) result(L *lua.LState, err error) int {
	if err != nil {
		return engine.Fail(L, err)
	}
	return engine.OK(L)
}

// ---- link objects ----

// String is tostring(link): "link veth0 (ifindex 5, net:[4026532298])".
func (l *Link) String() string {
	return fmt.Sprintf("link %s (ifindex %d, net:[%d])", l.Name, l.Index, l.Conn.ID.Ino)
}

// Equal: the same ifindex in the same namespace.
func (l *Link) Equal(o any) bool {
	k, ok := o.(*Link)
	return ok && k.Index == l.Index && k.Conn.ID == l.Conn.ID
}

// field reads link fields live from the kernel: after l:up() l.state says
// so. A link that is gone keeps its name and index; the rest reads nil.
func (m *mod) field(L *lua.LState, v any, key string) (lua.LValue, bool) {
	l := v.(*Link)
	switch key {
	case "index":
		return lua.LNumber(l.Index), true
	case "ns":
		h, err := m.nsHandle(l.Conn)
		if err != nil {
			return lua.LNil, true
		}
		return m.vm.HandleClass().New(L, h), true
	case "name", "kind", "mtu", "mac", "state", "master", "flags":
	default:
		return nil, false
	}
	info, err := l.Info()
	if err != nil {
		if key == "name" {
			return lua.LString(l.Name), true
		}
		return lua.LNil, true
	}
	switch key {
	case "name":
		return lua.LString(info.Name), true
	case "kind":
		return lua.LString(info.Kind), true
	case "mtu":
		return lua.LNumber(info.MTU), true
	case "mac":
		return lua.LString(info.MAC), true
	case "state":
		return lua.LString(info.State), true
	case "flags":
		t := L.NewTable()
		for _, f := range info.Flags {
			t.Append(lua.LString(f))
		}
		return t, true
	case "master":
		if info.MasterIndex == 0 {
			return lua.LNil, true
		}
		if ml, err := l.Conn.LinkByIndex(info.MasterIndex); err == nil {
			return lua.LString(ml.Name), true
		}
	}
	return lua.LNil, true
}

// l:up() — ip link set NAME up
func (m *mod) linkUp(L *lua.LState) int {
	l := m.checkLink(L)
	m.vm.NoMoreArgs(L, 1)
	return m.result(L, l.Up())
}

// l:down() — ip link set NAME down
func (m *mod) linkDown(L *lua.LState) int {
	l := m.checkLink(L)
	m.vm.NoMoreArgs(L, 1)
	return m.result(L, l.Down())
}

// l:delete() — ip link del NAME
func (m *mod) linkDelete(L *lua.LState) int {
	l := m.checkLink(L)
	m.vm.NoMoreArgs(L, 1)
	return m.result(L, l.Delete())
}

// l:set{mtu=, mac=, name=, master=, ns=} — ip link set NAME mtu M address A
// name N master BR netns NS. master=false detaches (nomaster).
func (m *mod) linkSet(L *lua.LState) int {
	l := m.checkLink(L)
	o := m.vm.CheckOpts(L, 2, "mtu", "mac", "name", "master", "ns")
	if o.Table() == nil {
		m.vm.TypeError(L, 2, "table of options")
	}
	m.vm.NoMoreArgs(L, 2)
	mtu := m.optMTU(o)
	mac := m.optMAC(o, "mac")
	name := m.optName(o, "name")
	master := -1
	if v := o.Get("master"); v == lua.LFalse {
		master = 0
	} else if v != lua.LNil {
		ml, err := m.optDev(o, "master", l.Conn)
		if err != nil {
			return engine.Fail(L, err)
		}
		master = ml.Index
	}
	var to *Conn
	if o.Has("ns") {
		var err error
		if to, err = m.connOpt(o, "ns"); err != nil {
			return engine.Fail(L, err)
		}
	}
	steps := []func() error{}
	if name != "" {
		steps = append(steps, func() error { return l.SetName(name) })
	}
	if mtu != 0 {
		steps = append(steps, func() error { return l.SetMTU(mtu) })
	}
	if mac != nil {
		steps = append(steps, func() error { return l.SetMAC(mac) })
	}
	if master >= 0 {
		steps = append(steps, func() error { return l.SetMaster(master) })
	}
	if to != nil {
		steps = append(steps, func() error { return l.SetNS(to) })
	}
	if len(steps) == 0 {
		// nothing to change, but as `ip link set NAME` the link must exist
		steps = append(steps, func() error { return l.mustExist("set") })
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return engine.Fail(L, err)
		}
	}
	return engine.OK(L)
}

func (m *mod) checkCIDR(L *lua.LState, n int) netip.Prefix {
	s := m.vm.CheckString(L, n)
	p, err := ParseCIDR(s)
	if err != nil {
		m.vm.ArgError(L, n, "%s", err)
	}
	return p
}

// l:addr_add(cidr [, {nodad=}]) — ip addr add CIDR dev NAME [nodad]
func (m *mod) linkAddrAdd(L *lua.LState) int {
	l := m.checkLink(L)
	p := m.checkCIDR(L, 2)
	o := m.vm.CheckOpts(L, 3, "nodad")
	m.vm.NoMoreArgs(L, 3)
	return m.result(L, l.AddrAdd(p, o.Bool("nodad", false)))
}

// l:addr_del(cidr) — ip addr del CIDR dev NAME
func (m *mod) linkAddrDel(L *lua.LState) int {
	l := m.checkLink(L)
	p := m.checkCIDR(L, 2)
	m.vm.NoMoreArgs(L, 2)
	return m.result(L, l.AddrDel(p))
}

func (m *mod) pushAddrs(L *lua.LState, as []AddrInfo) int {
	t := L.NewTable()
	for _, a := range as {
		e := L.NewTable()
		e.RawSetString("dev", lua.LString(a.Dev))
		e.RawSetString("index", lua.LNumber(a.Index))
		e.RawSetString("family", lua.LString(a.Family))
		e.RawSetString("addr", lua.LString(a.Addr.String()))
		e.RawSetString("prefixlen", lua.LNumber(a.PrefixLen))
		e.RawSetString("cidr", lua.LString(a.CIDR()))
		e.RawSetString("scope", lua.LString(a.Scope))
		if a.Broadcast != "" {
			e.RawSetString("broadcast", lua.LString(a.Broadcast))
		}
		t.Append(e)
	}
	L.Push(t)
	return 1
}

// l:addrs() — ip addr show dev NAME
func (m *mod) linkAddrs(L *lua.LState) int {
	l := m.checkLink(L)
	m.vm.NoMoreArgs(L, 1)
	as, err := l.Addrs()
	if err != nil {
		return engine.Fail(L, err)
	}
	return m.pushAddrs(L, as)
}

// l:shape{rate=, delay=, jitter=, loss=} — tc qdisc replace dev NAME root
// tbf … / netem …
func (m *mod) linkShape(L *lua.LState) int {
	l := m.checkLink(L)
	o := m.vm.CheckOpts(L, 2, "rate", "delay", "jitter", "loss", "qdisc")
	if o.Table() == nil {
		m.vm.TypeError(L, 2, "table of options")
	}
	m.vm.NoMoreArgs(L, 2)
	var s Shape
	if o.Has("rate") {
		var err error
		switch v := o.Get("rate").(type) {
		case lua.LNumber:
			s.Rate, err = ParseRate(fmt.Sprint(float64(v)))
		case lua.LString:
			s.Rate, err = ParseRate(string(v))
		default:
			o.Fail("rate", "string or number expected, got %s", engine.TypeName(v))
		}
		if err != nil {
			o.Fail("rate", "%s", parseMessage(err, o.Get("rate")))
		}
	}
	s.Delay = m.optDuration(o, "delay")
	s.Jitter = m.optDuration(o, "jitter")
	if s.Jitter > 0 && s.Delay == 0 {
		o.Fail("jitter", "jitter needs a delay")
	}
	if o.Has("loss") {
		var err error
		switch v := o.Get("loss").(type) {
		case lua.LNumber:
			s.Loss, err = ParseLoss(fmt.Sprint(float64(v)))
		case lua.LString:
			s.Loss, err = ParseLoss(string(v))
		default:
			o.Fail("loss", "string or number expected, got %s", engine.TypeName(v))
		}
		if err != nil {
			o.Fail("loss", "%s", parseMessage(err, o.Get("loss")))
		}
	}
	s.Qdisc = o.String("qdisc", "tbf")
	if s.Qdisc != "tbf" && s.Qdisc != "htb" {
		o.Fail("qdisc", "unknown rate qdisc %s; expected tbf or htb", engine.Quote(s.Qdisc))
	}
	if s.Rate == 0 && !s.needsNetem() {
		m.vm.ArgError(L, 2, "nothing to shape: give rate, delay or loss (l:unshape() removes shaping)")
	}
	return m.result(L, l.Shape(s))
}

func (m *mod) optDuration(o *engine.Opts, key string) time.Duration {
	var d time.Duration
	var err error
	switch v := o.Get(key).(type) {
	case *lua.LNilType:
		return 0
	case lua.LNumber:
		d, err = ParseDuration(fmt.Sprint(float64(v)))
	case lua.LString:
		d, err = ParseDuration(string(v))
	default:
		o.Fail(key, "string or number (milliseconds) expected, got %s", engine.TypeName(v))
	}
	if err != nil {
		o.Fail(key, "%s", parseMessage(err, o.Get(key)))
	}
	return d
}

// l:unshape() — tc qdisc del dev NAME root
func (m *mod) linkUnshape(L *lua.LState) int {
	l := m.checkLink(L)
	m.vm.NoMoreArgs(L, 1)
	return m.result(L, l.Unshape())
}

// counter returns a 64-bit counter as a number while it is exact (below
// 2^53), as a decimal string beyond.
func counter(v uint64) lua.LValue {
	if v < 1<<53 {
		return lua.LNumber(v)
	}
	return lua.LString(fmt.Sprint(v))
}

// l:stats() — ip -s link show NAME
func (m *mod) linkStats(L *lua.LState) int {
	l := m.checkLink(L)
	m.vm.NoMoreArgs(L, 1)
	s, err := l.Stats()
	if err != nil {
		return engine.Fail(L, err)
	}
	t := L.NewTable()
	for k, v := range map[string]uint64{
		"rx_packets": s.RxPackets, "tx_packets": s.TxPackets, "rx_bytes": s.RxBytes, "tx_bytes": s.TxBytes,
		"rx_errors": s.RxErrors, "tx_errors": s.TxErrors, "rx_dropped": s.RxDropped, "tx_dropped": s.TxDropped,
		"multicast": s.Multicast, "collisions": s.Collisions,
	} {
		t.RawSetString(k, counter(v))
	}
	L.Push(t)
	return 1
}

// l:wait_gone([timeout]) waits until the link no longer exists (the kernel
// tears a deleted namespace's links down asynchronously): true, or nil,
// msg, "ETIMEDOUT". timeout in seconds, default 5.
func (m *mod) linkWaitGone(L *lua.LState) int {
	l := m.checkLink(L)
	timeout := m.vm.OptTimeout(L, 2, 5)
	m.vm.NoMoreArgs(L, 2)
	ctx := L.Context()
	deadline := time.Now().Add(engine.Seconds(timeout))
	delay := time.Millisecond
	for {
		if !l.Exists() {
			return engine.OK(L)
		}
		if time.Now().After(deadline) {
			return engine.Fail(L, engine.Errorf(unix.ETIMEDOUT, "wait_gone", l.Name,
				fmt.Sprintf("link still present after %gs", timeout)))
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return engine.Fail(L, engine.Errorf(unix.ECANCELED, "wait_gone", l.Name, "interrupted"))
		case <-t.C:
		}
		if delay < 5*time.Millisecond {
			delay *= 2
		}
	}
}

// ---- module functions ----

// net.links([{ns=}]) — ip link show
func (m *mod) links(L *lua.LState) int {
	o := m.vm.CheckOpts(L, 1, "ns")
	m.vm.NoMoreArgs(L, 1)
	c, err := m.connOpt(o, "ns")
	if err != nil {
		return engine.Fail(L, err)
	}
	links, _, err := c.Links()
	if err != nil {
		return engine.Fail(L, err)
	}
	t := L.NewTable()
	for _, l := range links {
		t.Append(m.pushLink(L, l))
	}
	L.Push(t)
	return 1
}

// net.link(name [, {ns=}]) — ip link show NAME; nil, msg, "ENODEV" when absent
func (m *mod) link(L *lua.LState) int {
	name := m.checkName(L, 1)
	o := m.vm.CheckOpts(L, 2, "ns")
	m.vm.NoMoreArgs(L, 2)
	c, err := m.connOpt(o, "ns")
	if err != nil {
		return engine.Fail(L, err)
	}
	l, err := c.LinkByName(name)
	if err != nil {
		return engine.Fail(L, err)
	}
	L.Push(m.pushLink(L, l))
	return 1
}

// net.veth(name, peer [, {ns=, peer_ns=, mtu=, mac=, peer_mac=, queues=,
// master=, up=}]) — ip link add NAME [netns NS] numtxqueues Q numrxqueues Q
// [master BR] [up] type veth peer name PEER [netns PEER_NS] (Q:
// DefaultVethQueues unless queues=; up sets both ends up), in one request
func (m *mod) veth(L *lua.LState) int {
	name := m.checkName(L, 1)
	peer := m.checkName(L, 2)
	o := m.vm.CheckOpts(L, 3, "ns", "peer_ns", "mtu", "mac", "peer_mac", "queues", "master", "up")
	m.vm.NoMoreArgs(L, 3)
	vo := VethOpts{MTU: m.optMTU(o), MAC: m.optMAC(o, "mac"), PeerMAC: m.optMAC(o, "peer_mac"),
		Queues: o.Int("queues", DefaultVethQueues), Up: o.Bool("up", false)}
	if vo.Queues < 1 || vo.Queues > 4096 {
		o.Fail("queues", "%d queues out of range 1..4096", vo.Queues)
	}
	c, err := m.connOpt(o, "ns")
	if err != nil {
		return engine.Fail(L, err)
	}
	vo.Peer = c
	if o.Has("peer_ns") {
		if vo.Peer, err = m.connOpt(o, "peer_ns"); err != nil {
			return engine.Fail(L, err)
		}
	}
	if o.Has("master") {
		ml, err := m.optDev(o, "master", c)
		if err != nil {
			return engine.Fail(L, err)
		}
		vo.Master = ml.Index
	}
	a, b, err := c.Veth(name, peer, vo)
	if err != nil {
		return engine.Fail(L, err)
	}
	L.Push(m.pushLink(L, a))
	L.Push(m.pushLink(L, b))
	return 2
}

// net.delete_links(links) — ip link delete group G, after tagging the links
// with a fresh group G: the links (of any namespaces) deleted in one kernel
// batch per namespace; those already gone are skipped. Returns the number
// of listed links deleted (DeleteLinks). links must be a list: a table with
// other keys raises rather than leave links behind unseen.
func (m *mod) deleteLinks(L *lua.LState) int {
	t := m.vm.CheckTable(L, 1)
	m.vm.NoMoreArgs(L, 1)
	n := t.Len()
	var bad lua.LValue
	t.ForEach(func(k, _ lua.LValue) {
		if i, ok := k.(lua.LNumber); bad == nil && (!ok || float64(i) != math.Trunc(float64(i)) || i < 1 || int(i) > n) {
			bad = k
		}
	})
	if bad != nil {
		key := fmt.Sprint(bad)
		if s, ok := bad.(lua.LString); ok {
			key = engine.Quote(string(s))
		}
		m.vm.ArgError(L, 1, "a list of nslua.link expected, got key %s (a %s)", key, bad.Type())
	}
	links := make([]*Link, 0, n)
	for i := 1; i <= n; i++ {
		ud, ok := t.RawGetInt(i).(*lua.LUserData)
		l, isLink := (*Link)(nil), false
		if ok && m.class.Is(ud) {
			l, isLink = ud.Value.(*Link)
		}
		if !isLink {
			m.vm.ArgError(L, 1, "links[%d]: nslua.link expected, got %s", i, engine.TypeName(t.RawGetInt(i)))
		}
		links = append(links, l)
	}
	deleted, err := DeleteLinks(links)
	if err != nil {
		return engine.Fail(L, err)
	}
	L.Push(lua.LNumber(deleted))
	return 1
}

// net.bridge(name [, {ns=, mtu=, mac=, up=}]) — ip link add NAME [up] type
// bridge
func (m *mod) bridge(L *lua.LState) int {
	name := m.checkName(L, 1)
	o := m.vm.CheckOpts(L, 2, "ns", "mtu", "mac", "up")
	m.vm.NoMoreArgs(L, 2)
	bo := BridgeOpts{MTU: m.optMTU(o), MAC: m.optMAC(o, "mac"), Up: o.Bool("up", false)}
	c, err := m.connOpt(o, "ns")
	if err != nil {
		return engine.Fail(L, err)
	}
	l, err := c.Bridge(name, bo)
	if err != nil {
		return engine.Fail(L, err)
	}
	L.Push(m.pushLink(L, l))
	return 1
}

// net.vxlan(name, {id=, remote=, local_ip=, dev=, port=, mtu=, ns=}) — ip
// link add NAME type vxlan id ID remote R local L dev D dstport P
func (m *mod) vxlan(L *lua.LState) int {
	name := m.checkName(L, 1)
	m.vm.CheckTable(L, 2)
	o := m.vm.CheckOpts(L, 2, "id", "remote", "local_ip", "dev", "port", "mtu", "ns")
	m.vm.NoMoreArgs(L, 2)
	if !o.Has("id") {
		o.Fail("id", "the VXLAN network identifier is required")
	}
	xo := VxlanOpts{ID: o.Int("id", 0), Port: o.Int("port", 4789), MTU: m.optMTU(o)}
	if xo.ID < 0 || xo.ID >= 1<<24 {
		o.Fail("id", "VNI %d out of range 0..16777215", xo.ID)
	}
	if xo.Port < 1 || xo.Port > 65535 {
		o.Fail("port", "port %d out of range 1..65535", xo.Port)
	}
	if r := m.optIP(o, "remote"); r.IsValid() {
		xo.Remote = gonet.IP(r.AsSlice())
	}
	if a := m.optIP(o, "local_ip"); a.IsValid() {
		xo.Local = gonet.IP(a.AsSlice())
	}
	c, err := m.connOpt(o, "ns")
	if err != nil {
		return engine.Fail(L, err)
	}
	dev, err := m.optDev(o, "dev", c)
	if err != nil {
		return engine.Fail(L, err)
	}
	if dev != nil {
		xo.DevIdx = dev.Index
	}
	l, err := c.Vxlan(name, xo)
	if err != nil {
		return engine.Fail(L, err)
	}
	L.Push(m.pushLink(L, l))
	return 1
}

// net.addrs([{ns=}]) — ip addr show
func (m *mod) addrs(L *lua.LState) int {
	o := m.vm.CheckOpts(L, 1, "ns")
	m.vm.NoMoreArgs(L, 1)
	c, err := m.connOpt(o, "ns")
	if err != nil {
		return engine.Fail(L, err)
	}
	as, err := c.Addrs()
	if err != nil {
		return engine.Fail(L, err)
	}
	return m.pushAddrs(L, as)
}

// net.routes([{ns=, family=}]) — ip route show; ip -6 route show
func (m *mod) routes(L *lua.LState) int {
	o := m.vm.CheckOpts(L, 1, "ns", "family")
	m.vm.NoMoreArgs(L, 1)
	fam := o.String("family", "")
	if fam != "" && fam != "inet" && fam != "inet6" {
		o.Fail("family", "unknown family %s; expected inet or inet6", engine.Quote(fam))
	}
	c, err := m.connOpt(o, "ns")
	if err != nil {
		return engine.Fail(L, err)
	}
	rs, err := c.Routes(fam)
	if err != nil {
		return engine.Fail(L, err)
	}
	t := L.NewTable()
	for _, r := range rs {
		e := L.NewTable()
		e.RawSetString("family", lua.LString(r.Family))
		e.RawSetString("dst", lua.LString(r.Dst))
		if r.Via != "" {
			e.RawSetString("via", lua.LString(r.Via))
		}
		if r.Dev != "" {
			e.RawSetString("dev", lua.LString(r.Dev))
		}
		if r.Src != "" {
			e.RawSetString("src", lua.LString(r.Src))
		}
		e.RawSetString("metric", lua.LNumber(r.Metric))
		e.RawSetString("protocol", lua.LString(r.Protocol))
		e.RawSetString("scope", lua.LString(r.Scope))
		e.RawSetString("type", lua.LString(r.Type))
		e.RawSetString("table", lua.LNumber(r.Table))
		t.Append(e)
	}
	L.Push(t)
	return 1
}

func (m *mod) routeSpec(L *lua.LState) (*Conn, RouteSpec, int) {
	o := m.vm.CheckOpts(L, 1, "dst", "via", "dev", "metric", "src", "table", "family", "ns")
	if o.Table() == nil {
		m.vm.TypeError(L, 1, "table of options")
	}
	m.vm.NoMoreArgs(L, 1)
	if !o.Has("dst") {
		o.Fail("dst", `a destination ("default" or a CIDR) is required`)
	}
	var s RouteSpec
	s.Via = m.optIP(o, "via")
	s.Src = m.optIP(o, "src")
	fam := o.String("family", "")
	if fam != "" && fam != "inet" && fam != "inet6" {
		o.Fail("family", "unknown family %s; expected inet or inet6", engine.Quote(fam))
	}
	if s.Via.IsValid() && fam != "" && s.Via.Is6() != (fam == "inet6") {
		o.Fail("via", "gateway %s is not of family %s", s.Via, fam)
	}
	v6 := fam == "inet6" || (s.Via.IsValid() && s.Via.Is6())
	dst, err := ParseDst(o.String("dst", ""), v6)
	if err != nil {
		o.Fail("dst", "%s", err)
	}
	s.Dst = dst
	if fam != "" && dst.Addr().Is6() != (fam == "inet6") {
		o.Fail("dst", "destination %s is not of family %s", dst, fam)
	}
	if s.Via.IsValid() && s.Via.Is6() != dst.Addr().Is6() {
		o.Fail("via", "gateway %s and destination %s are of different families", s.Via, dst)
	}
	if s.Src.IsValid() && s.Src.Is6() != dst.Addr().Is6() {
		o.Fail("src", "source %s and destination %s are of different families", s.Src, dst)
	}
	s.Metric = o.Int("metric", 0)
	if s.Metric < 0 || s.Metric > 1<<32-1 {
		o.Fail("metric", "metric %d out of range", s.Metric)
	}
	s.Table = o.Int("table", 0)
	if s.Table < 0 || s.Table > 1<<32-1 {
		o.Fail("table", "table %d out of range", s.Table)
	}
	c, err := m.connOpt(o, "ns")
	if err != nil {
		return nil, s, engine.Fail(L, err)
	}
	dev, err := m.optDev(o, "dev", c)
	if err != nil {
		return nil, s, engine.Fail(L, err)
	}
	if dev != nil {
		s.Dev = dev.Index
	}
	return c, s, 0
}

// net.route_add{dst=, via=, dev=, metric=, src=, table=, ns=} — ip route add
func (m *mod) routeAdd(L *lua.LState) int {
	c, s, n := m.routeSpec(L)
	if c == nil {
		return n
	}
	if !s.Via.IsValid() && s.Dev == 0 {
		m.vm.ArgError(L, 1, "a route needs via= or dev=")
	}
	return m.result(L, c.RouteAdd(s))
}

// net.route_del{dst=, via=, dev=, metric=, ns=} — ip route del; ESRCH, "no
// such route" when it is not there
func (m *mod) routeDel(L *lua.LState) int {
	c, s, n := m.routeSpec(L)
	if c == nil {
		return n
	}
	return m.result(L, c.RouteDel(s))
}

// net.sysctl(key [, value [, {ns=}]]) — sysctl -n KEY / sysctl -w KEY=VALUE
// inside the namespace. Values read back as strings. A value the kernel
// would cut short (a newline or NUL in it) or that is no number (NaN,
// infinity) raises.
func (m *mod) sysctl(L *lua.LState) int {
	key := m.vm.CheckString(L, 1)
	path, err := sysctl.Path(key)
	if err != nil {
		m.vm.ArgError(L, 1, "%s", err)
	}
	var value string
	write := false
	switch v := L.Get(2).(type) {
	case *lua.LNilType:
	case lua.LString, lua.LNumber, lua.LBool:
		if value, err = sysctl.Value(v); err != nil {
			m.vm.ArgError(L, 2, "%s", err)
		}
		write = true
	default:
		m.vm.TypeError(L, 2, "string, number or boolean")
	}
	o := m.vm.CheckOpts(L, 3, "ns")
	m.vm.NoMoreArgs(L, 3)
	c, err := m.connOpt(o, "ns")
	if err != nil {
		return engine.Fail(L, err)
	}
	var got string
	err = m.onThreadIn(c, func() error {
		if write {
			return sysctl.Write(key, path, value)
		}
		var err error
		got, err = sysctl.Read(key, path)
		return err
	})
	if err != nil {
		return engine.Fail(L, opErr("sysctl", key, err))
	}
	if write {
		return engine.OK(L)
	}
	L.Push(lua.LString(got))
	return 1
}

// net.ping(addr [, {ns=, count=, timeout=}]) — ping -c COUNT -W TIMEOUT ADDR
// from inside the namespace, without starting a process: {sent=, received=,
// rtt_ms=} (rtt_ms the mean, nil when nothing came back). count defaults to
// 1; timeout (seconds to wait for each reply) to 2, longer than the one
// second a first neighbour resolution can take.
func (m *mod) ping(L *lua.LState) int {
	s := m.vm.CheckString(L, 1)
	dst, err := ParseAddr(s)
	if err != nil {
		m.vm.ArgError(L, 1, "%s", err)
	}
	o := m.vm.CheckOpts(L, 2, "ns", "count", "timeout")
	m.vm.NoMoreArgs(L, 2)
	count := o.Int("count", 1)
	if count < 1 || count > 1e6 {
		o.Fail("count", "count %d out of range 1..1000000", count)
	}
	timeout := o.Number("timeout", 2)
	if !(timeout > 0 && timeout <= 3600) {
		o.Fail("timeout", "timeout %g out of range (seconds, > 0)", timeout)
	}
	c, err := m.connOpt(o, "ns")
	if err != nil {
		return engine.Fail(L, err)
	}
	var sock *ICMPSocket
	err = m.onThreadIn(c, func() error {
		var err error
		sock, err = OpenICMP(dst.Is6())
		return err
	})
	if err != nil {
		return engine.Fail(L, opErr("ping", s, err))
	}
	defer sock.Close()
	res, err := sock.Ping(L.Context(), dst, count, time.Duration(timeout*float64(time.Second)))
	if err != nil {
		return engine.Fail(L, err)
	}
	t := L.NewTable()
	t.RawSetString("sent", lua.LNumber(res.Sent))
	t.RawSetString("received", lua.LNumber(res.Received))
	if len(res.RTTs) > 0 {
		var sum time.Duration
		for _, d := range res.RTTs {
			sum += d
		}
		t.RawSetString("rtt_ms", lua.LNumber(float64(sum)/float64(len(res.RTTs))/1e6))
	}
	L.Push(t)
	return 1
}
