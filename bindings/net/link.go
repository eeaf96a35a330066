package net

import (
	"errors"
	"fmt"
	"math/rand/v2"
	gonet "net"
	"sort"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// Link is a network interface in the namespace of Conn, identified by its
// ifindex there. Name is the last name nslua knew it by.
type Link struct {
	Conn  *Conn
	Index int
	Name  string
}

// LinkInfo is what the kernel reports about a link at one moment.
type LinkInfo struct {
	Index       int
	Name        string
	Kind        string // "veth", "bridge", "vxlan", "loopback", "device", ...
	MTU         int
	MAC         string
	State       string // operstate as ip shows it, lower case: "up", "down", "unknown", ...
	Flags       []string
	MasterIndex int
	Stats       *netlink.LinkStatistics
}

func (l *Link) ref() netlink.Link {
	return &netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: l.Index, Name: l.Name}}
}

// ifFlags are the interface flags in the order and with the names ip(8)
// prints them.
var ifFlags = []struct {
	bit  uint32
	name string
}{
	{unix.IFF_LOOPBACK, "loopback"}, {unix.IFF_BROADCAST, "broadcast"}, {unix.IFF_POINTOPOINT, "pointopoint"},
	{unix.IFF_MULTICAST, "multicast"}, {unix.IFF_NOARP, "noarp"}, {unix.IFF_ALLMULTI, "allmulti"},
	{unix.IFF_PROMISC, "promisc"}, {unix.IFF_MASTER, "master"}, {unix.IFF_SLAVE, "slave"},
	{unix.IFF_DEBUG, "debug"}, {unix.IFF_DYNAMIC, "dynamic"}, {unix.IFF_AUTOMEDIA, "automedia"},
	{unix.IFF_PORTSEL, "portsel"}, {unix.IFF_NOTRAILERS, "notrailers"}, {unix.IFF_UP, "up"},
	{unix.IFF_LOWER_UP, "lower_up"}, {unix.IFF_DORMANT, "dormant"}, {unix.IFF_ECHO, "echo"},
}

func infoOf(nl netlink.Link) *LinkInfo {
	a := nl.Attrs()
	kind := nl.Type()
	if kind == "device" && a.EncapType == "loopback" {
		kind = "loopback"
	}
	st := strings.ToLower(a.OperState.String())
	if st == "lower-layer-down" {
		st = "lowerlayerdown"
	} else if st == "not-present" {
		st = "notpresent"
	}
	var flags []string
	for _, f := range ifFlags {
		if a.RawFlags&f.bit != 0 {
			flags = append(flags, f.name)
		}
	}
	mac := a.HardwareAddr.String()
	if mac == "" && (a.EncapType == "ether" || a.EncapType == "loopback") {
		mac = "00:00:00:00:00:00" // netlink drops an all-zero address; ip shows it
	}
	return &LinkInfo{Index: a.Index, Name: a.Name, Kind: kind, MTU: a.MTU, MAC: mac,
		State: st, Flags: flags, MasterIndex: a.MasterIndex, Stats: a.Statistics}
}

// Info asks the kernel about the link now. It also refreshes l.Name.
func (l *Link) Info() (*LinkInfo, error) { return l.info("link") }

// info is Info for operation op: a link that is gone is ENODEV, "no such
// device", as the kernel says for a request on a missing ifindex.
func (l *Link) info(op string) (*LinkInfo, error) {
	h, err := l.Conn.handle()
	if err != nil {
		return nil, opErr(op, l.Name, err)
	}
	nl, err := h.LinkByIndex(l.Index)
	var nf netlink.LinkNotFoundError
	if errors.As(err, &nf) {
		return nil, opErr(op, l.Name, unix.ENODEV)
	}
	if err != nil {
		return nil, opErr(op, l.Name, err)
	}
	l.Name = nl.Attrs().Name
	return infoOf(nl), nil
}

// mustExist fails with ENODEV for operation op when the link is gone. It
// guards the operations whose netlink request would not notice: dumps
// (addresses, qdiscs) filtered by ifindex in user space come back empty for
// a missing link, and requests with nothing to change send nothing.
func (l *Link) mustExist(op string) error {
	_, err := l.info(op)
	return err
}

// LinkByName finds a link by name. Equivalent to `ip link show NAME`.
func (c *Conn) LinkByName(name string) (*Link, error) {
	h, err := c.handle()
	if err != nil {
		return nil, opErr("link", name, err)
	}
	nl, err := h.LinkByName(name)
	if err != nil {
		return nil, opErr("link", name, err)
	}
	return &Link{Conn: c, Index: nl.Attrs().Index, Name: nl.Attrs().Name}, nil
}

// LinkByIndex finds a link by ifindex.
func (c *Conn) LinkByIndex(index int) (*Link, error) {
	h, err := c.handle()
	if err != nil {
		return nil, opErr("link", fmt.Sprint(index), err)
	}
	nl, err := h.LinkByIndex(index)
	if err != nil {
		return nil, opErr("link", fmt.Sprint(index), err)
	}
	return &Link{Conn: c, Index: index, Name: nl.Attrs().Name}, nil
}

// Links lists the links of the namespace, by ifindex. Equivalent to
// `ip link show`.
func (c *Conn) Links() ([]*Link, []*LinkInfo, error) {
	h, err := c.handle()
	if err != nil {
		return nil, nil, opErr("links", "", err)
	}
	nls, err := h.LinkList()
	if err != nil {
		return nil, nil, opErr("links", "", err)
	}
	sort.Slice(nls, func(i, j int) bool { return nls[i].Attrs().Index < nls[j].Attrs().Index })
	links := make([]*Link, len(nls))
	infos := make([]*LinkInfo, len(nls))
	for i, nl := range nls {
		links[i] = &Link{Conn: c, Index: nl.Attrs().Index, Name: nl.Attrs().Name}
		infos[i] = infoOf(nl)
	}
	return links, infos, nil
}

// VethOpts are the optional settings of a veth pair.
type VethOpts struct {
	Peer    *Conn // namespace of the peer end; nil: the same as the first end
	MTU     int
	MAC     gonet.HardwareAddr
	PeerMAC gonet.HardwareAddr
	Queues  int  // tx and rx queues of each end; 0: DefaultVethQueues
	Master  int  // ifindex of a bridge in c's namespace the first end joins; 0: none
	Up      bool // both ends up
}

// DefaultVethQueues is the number of tx and rx queues a veth end gets unless
// asked otherwise. iproute2 leaves the count to the kernel, which allocates
// one per possible CPU and then cuts the number in use down to one — a
// change on a registered device that waits for an RCU grace period, once per
// end and direction (measured here: half the time of creating the pair).
// Asking for one queue up front gives the same device in use, without the
// waits; `ip link add ... numtxqueues 1 numrxqueues 1` does the same. More
// queues matter only for multi-queue XDP (ethtool -L): opts.queues.
const DefaultVethQueues = 1

// Veth creates a veth pair with name in c's namespace and peer in
// o.Peer's, both ends directly in their namespaces, the first joined to
// o.Master and up as asked, in one request (the peer's namespace travels as
// an fd attribute; the kernel undoes the whole creation if any part fails).
// The peer cannot come up in that request — the kernel opens it before the
// pair is linked and answers ENOTCONN — so with o.Up a second request sets it
// up, and the pair is deleted if that fails. Equivalent to `ip link add NAME
// numtxqueues Q numrxqueues Q master BR up type veth peer name PEER netns
// NS` plus `ip -n NS link set PEER up`.
func (c *Conn) Veth(name, peer string, o VethOpts) (*Link, *Link, error) {
	pc := o.Peer
	if pc == nil {
		pc = c
	}
	if pc.closed {
		return nil, nil, opErr("veth", peer, ErrReleased)
	}
	req, err := c.request(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK)
	if err != nil {
		return nil, nil, opErr("veth", name, err)
	}
	q := o.Queues
	if q <= 0 {
		q = DefaultVethQueues
	}
	// attrs adds what both ends have (the peer end takes the first end's
	// queue counts and mtu)
	attrs := func(add func(int, []byte), name string, mac gonet.HardwareAddr) {
		add(unix.IFLA_IFNAME, nl.ZeroTerminated(name))
		add(unix.IFLA_NUM_TX_QUEUES, nl.Uint32Attr(uint32(q)))
		add(unix.IFLA_NUM_RX_QUEUES, nl.Uint32Attr(uint32(q)))
		if o.MTU > 0 {
			add(unix.IFLA_MTU, nl.Uint32Attr(uint32(o.MTU)))
		}
		if mac != nil {
			add(unix.IFLA_ADDRESS, mac)
		}
	}
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	if o.Up {
		msg.Flags, msg.Change = unix.IFF_UP, unix.IFF_UP
	}
	req.AddData(msg)
	attrs(func(t int, v []byte) { req.AddData(nl.NewRtAttr(t, v)) }, name, o.MAC)
	if o.Master > 0 {
		req.AddData(nl.NewRtAttr(unix.IFLA_MASTER, nl.Uint32Attr(uint32(o.Master))))
	}
	info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
	info.AddRtAttr(nl.IFLA_INFO_KIND, nl.NonZeroTerminated("veth"))
	p := info.AddRtAttr(nl.IFLA_INFO_DATA, nil).AddRtAttr(nl.VETH_INFO_PEER, nil)
	nl.NewIfInfomsgChild(p, unix.AF_UNSPEC)
	attrs(func(t int, v []byte) { p.AddRtAttr(t, v) }, peer, o.PeerMAC)
	if pc != c {
		p.AddRtAttr(unix.IFLA_NET_NS_FD, nl.Uint32Attr(uint32(pc.nsfd)))
	}
	req.AddData(info)
	if _, err := req.Execute(unix.NETLINK_ROUTE, 0); err != nil {
		return nil, nil, opErr("veth", name, err)
	}
	a, err := c.LinkByName(name)
	if err != nil {
		return nil, nil, err
	}
	if o.Up {
		err = pc.upByName(peer)
	}
	var b *Link
	if err == nil {
		b, err = pc.LinkByName(peer)
	}
	if err != nil {
		if h, herr := c.handle(); herr == nil {
			h.LinkDel(a.ref())
		}
		return nil, nil, opErr("veth", peer, err)
	}
	return a, b, nil
}

// upByName sets the link called name up, found by the kernel from its name:
// one request, where Link.Up needs the index first.
func (c *Conn) upByName(name string) error {
	req, err := c.request(unix.RTM_NEWLINK, unix.NLM_F_ACK)
	if err != nil {
		return err
	}
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Flags, msg.Change = unix.IFF_UP, unix.IFF_UP
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(name)))
	_, err = req.Execute(unix.NETLINK_ROUTE, 0)
	return err
}

// BridgeOpts are the optional settings of a bridge.
type BridgeOpts struct {
	MTU int
	MAC gonet.HardwareAddr
	Up  bool
}

// Bridge creates a bridge, up if o.Up. Equivalent to `ip link add NAME
// [up] type bridge`.
func (c *Conn) Bridge(name string, o BridgeOpts) (*Link, error) {
	attrs := netlink.LinkAttrs{Name: name, MTU: o.MTU, HardwareAddr: o.MAC, TxQLen: -1}
	if o.Up {
		attrs.Flags = gonet.FlagUp
	}
	return c.add("bridge", &netlink.Bridge{LinkAttrs: attrs})
}

// VxlanOpts describe a vxlan device.
type VxlanOpts struct {
	ID     int
	Remote gonet.IP // unicast remote or multicast group
	Local  gonet.IP
	DevIdx int
	Port   int
	MTU    int
}

// Vxlan creates a vxlan device. Equivalent to
// `ip link add NAME type vxlan id ID remote R local L dev D dstport P`.
func (c *Conn) Vxlan(name string, o VxlanOpts) (*Link, error) {
	v := &netlink.Vxlan{LinkAttrs: netlink.LinkAttrs{Name: name, MTU: o.MTU, TxQLen: -1},
		VxlanId: o.ID, SrcAddr: o.Local, VtepDevIndex: o.DevIdx, Port: o.Port, Learning: true}
	if o.Remote != nil {
		v.Group = o.Remote // the kernel reads a unicast group as the remote
	}
	return c.add("vxlan", v)
}

func (c *Conn) add(op string, l netlink.Link) (*Link, error) {
	name := l.Attrs().Name
	h, err := c.handle()
	if err != nil {
		return nil, opErr(op, name, err)
	}
	if err := h.LinkAdd(l); err != nil {
		return nil, opErr(op, name, err)
	}
	if idx := l.Attrs().Index; idx != 0 {
		return &Link{Conn: c, Index: idx, Name: name}, nil
	}
	return c.LinkByName(name)
}

// Up sets the link up. Equivalent to `ip link set NAME up`.
func (l *Link) Up() error {
	return l.do("up", func(h *netlink.Handle) error { return h.LinkSetUp(l.ref()) })
}

// Down sets the link down. Equivalent to `ip link set NAME down`.
func (l *Link) Down() error {
	return l.do("down", func(h *netlink.Handle) error { return h.LinkSetDown(l.ref()) })
}

// Delete removes the link (a veth takes its peer along). Equivalent to
// `ip link del NAME`.
func (l *Link) Delete() error {
	return l.do("delete", func(h *netlink.Handle) error { return h.LinkDel(l.ref()) })
}

// SetMTU is `ip link set NAME mtu N`.
func (l *Link) SetMTU(mtu int) error {
	return l.do("set", func(h *netlink.Handle) error { return h.LinkSetMTU(l.ref(), mtu) })
}

// SetMAC is `ip link set NAME address MAC`.
func (l *Link) SetMAC(mac gonet.HardwareAddr) error {
	return l.do("set", func(h *netlink.Handle) error { return h.LinkSetHardwareAddr(l.ref(), mac) })
}

// SetName is `ip link set NAME name NEW`.
func (l *Link) SetName(name string) error {
	err := l.do("set", func(h *netlink.Handle) error { return h.LinkSetName(l.ref(), name) })
	if err == nil {
		l.Name = name
	}
	return err
}

// SetMaster enslaves the link to master (index; 0 releases it). Equivalent
// to `ip link set NAME master BR` / `nomaster`.
func (l *Link) SetMaster(master int) error {
	return l.do("set", func(h *netlink.Handle) error {
		if master == 0 {
			return h.LinkSetNoMaster(l.ref())
		}
		return h.LinkSetMasterByIndex(l.ref(), master)
	})
}

// SetNS moves the link into the namespace of to and follows it there (its
// ifindex may change). Equivalent to `ip link set NAME netns NS`.
func (l *Link) SetNS(to *Conn) error {
	if to == l.Conn {
		return l.mustExist("set")
	}
	if to.closed {
		return opErr("set", l.Name, ErrReleased)
	}
	if err := l.do("set", func(h *netlink.Handle) error { return h.LinkSetNsFd(l.ref(), to.nsfd) }); err != nil {
		return err
	}
	moved, err := to.LinkByName(l.Name)
	if err != nil {
		return err
	}
	*l = *moved
	return nil
}

// Stats returns the link's 64-bit counters. Equivalent to `ip -s link show`.
func (l *Link) Stats() (*netlink.LinkStatistics, error) {
	info, err := l.info("stats")
	if err != nil {
		return nil, err
	}
	if info.Stats == nil {
		return &netlink.LinkStatistics{}, nil
	}
	return info.Stats, nil
}

func (l *Link) do(op string, f func(h *netlink.Handle) error) error {
	h, err := l.Conn.handle()
	if err != nil {
		return opErr(op, l.Name, err)
	}
	return opErr(op, l.Name, f(h))
}

// Exists reports whether the link is still there under the same name (an
// ifindex alone could be reused). A released namespace has no links.
func (l *Link) Exists() bool {
	h, err := l.Conn.handle()
	if err != nil {
		return false
	}
	nl, err := h.LinkByIndex(l.Index)
	return err == nil && nl.Attrs().Name == l.Name
}

// DeleteLinks deletes links of c's namespace in one kernel batch, as `ip
// link delete group G` does: each link still there (same index, same name)
// is tagged by its index with a group number no other link of the namespace
// carries, then one request deletes the group. The kernel unregisters them
// together, paying its grace-period waits once instead of once per link:
// deleting a hundred bridge ports this way takes a few milliseconds where
// one by one (or deleting their namespaces) takes tens. Links already gone
// are skipped; it returns how many were deleted. If the group request
// fails, the tagged links are deleted one by one.
func (c *Conn) DeleteLinks(links []*Link) (int, error) {
	h, err := c.handle()
	if err != nil {
		return 0, opErr("delete", "links", err)
	}
	all, err := h.LinkList()
	if err != nil {
		return 0, opErr("delete", "links", err)
	}
	names, groups := map[int]string{}, map[uint32]bool{}
	for _, l := range all {
		names[l.Attrs().Index] = l.Attrs().Name
		groups[l.Attrs().Group] = true
	}
	group := uint32(rand.Uint32N(1<<31) + 1<<16) // clear of the small numbers people pick
	for groups[group] {
		group++
	}
	var tagged []*Link
	seen := map[int]bool{}
	for _, l := range links {
		if l.Conn != c || seen[l.Index] || names[l.Index] != l.Name {
			continue
		}
		seen[l.Index] = true
		switch err := c.setGroup(l.Index, group); {
		case err == nil:
			tagged = append(tagged, l)
		case errors.Is(err, unix.ENODEV):
			// gone meanwhile
		default:
			return 0, opErr("delete", l.Name, err)
		}
	}
	if len(tagged) == 0 {
		return 0, nil
	}
	req, err := c.request(unix.RTM_DELLINK, unix.NLM_F_ACK)
	if err == nil {
		req.AddData(nl.NewIfInfomsg(unix.AF_UNSPEC))
		req.AddData(nl.NewRtAttr(unix.IFLA_GROUP, nl.Uint32Attr(group)))
		_, err = req.Execute(unix.NETLINK_ROUTE, 0)
	}
	if err != nil {
		for _, l := range tagged {
			if err := l.Delete(); err != nil && !errors.Is(err, unix.ENODEV) {
				return 0, err
			}
		}
	}
	return len(tagged), nil
}

// setGroup is `ip link set DEV group G` for the link with index.
func (c *Conn) setGroup(index int, group uint32) error {
	req, err := c.request(unix.RTM_NEWLINK, unix.NLM_F_ACK)
	if err != nil {
		return err
	}
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(index)
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.IFLA_GROUP, nl.Uint32Attr(group)))
	_, err = req.Execute(unix.NETLINK_ROUTE, 0)
	return err
}
