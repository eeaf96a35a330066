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
		return nil, nil, opErr("veth", c.takenName(err, name, pc, peer), err)
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

// takenName is the end an EEXIST from creating a pair is about: the kernel
// says only "file exists", for the first end's name or the peer's in its
// namespace. Other errors are about the pair: the first end's name.
func (c *Conn) takenName(err error, name string, pc *Conn, peer string) string {
	if errors.Is(err, unix.EEXIST) {
		if _, err := c.LinkByName(name); err != nil {
			if _, err := pc.LinkByName(peer); err == nil {
				return peer
			}
		}
	}
	return name
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

// DeleteLinks deletes links of any namespaces, one kernel batch per
// namespace, as `ip link delete group G` does: in each namespace, every link
// still there (same index, same name) is tagged by its index with a group
// number no other link of the namespace carries, then one request deletes
// the group. The kernel unregisters them together, paying its grace-period
// waits once instead of once per link: deleting a hundred bridge ports this
// way takes a few milliseconds where one by one (or deleting their
// namespaces) takes tens.
//
// It returns how many of the listed links it deleted. Links already gone are
// skipped, and so are those of a namespace the script let go of (its Conn
// released: their objects read as gone, as Exists says). A veth takes its
// peer along, as `ip link del` does: a peer in the list counts as deleted
// too, in whatever namespace it is, because every namespace is looked at
// before anything is deleted.
//
// A link the kernel cannot delete (one without a link kind: lo, a physical
// device) fails the call before anything is changed, with EOPNOTSUPP as
// `ip link del lo` does. If a group request fails nevertheless, that
// namespace's links are deleted one by one; a link that still fails gets
// its group back, and the first such error is returned with the number
// deleted.
func DeleteLinks(links []*Link) (int, error) {
	var batches []*deleteBatch
	per := map[*Conn]*deleteBatch{}
	for _, l := range links {
		if l.Conn.closed {
			continue
		}
		b := per[l.Conn]
		if b == nil {
			b = &deleteBatch{c: l.Conn}
			per[l.Conn] = b
			batches = append(batches, b)
		}
		b.listed = append(b.listed, l)
	}
	// look first, everywhere: what is there, and can it be deleted
	for _, b := range batches {
		if err := b.find(); err != nil {
			return 0, err
		}
	}
	// then tag; a failure takes every tag back
	for _, b := range batches {
		if err := b.tag(); err != nil {
			for _, b := range batches {
				b.untag()
			}
			return 0, err
		}
	}
	n := 0
	var first error
	for _, b := range batches {
		k, err := b.delete()
		n += k
		if first == nil {
			first = err
		}
	}
	return n, first
}

// deleteBatch is the part of a DeleteLinks call in one namespace.
type deleteBatch struct {
	c      *Conn
	listed []*Link
	links  []*Link  // those of listed still there, each once
	groups []uint32 // their groups before the call
	tagged int      // links[:tagged] carry group
	group  uint32
}

// find picks the listed links still there and a group number no link of the
// namespace carries.
func (b *deleteBatch) find() error {
	h, err := b.c.handle()
	if err != nil {
		return opErr("delete", "links", err)
	}
	all, err := h.LinkList()
	if err != nil {
		return opErr("delete", "links", err)
	}
	byIndex, groups := map[int]netlink.Link{}, map[uint32]bool{}
	for _, l := range all {
		byIndex[l.Attrs().Index] = l
		groups[l.Attrs().Group] = true
	}
	b.group = uint32(rand.Uint32N(1<<31) + 1<<16) // clear of the small numbers people pick
	for groups[b.group] {
		b.group++
	}
	seen := map[int]bool{}
	for _, l := range b.listed {
		k := byIndex[l.Index]
		if k == nil || k.Attrs().Name != l.Name || seen[l.Index] {
			continue
		}
		seen[l.Index] = true
		if _, device := k.(*netlink.Device); device {
			// no rtnl_link_ops: the kernel refuses the whole group
			return opErr("delete", l.Name, unix.EOPNOTSUPP)
		}
		b.links = append(b.links, l)
		b.groups = append(b.groups, k.Attrs().Group)
	}
	return nil
}

// tag sets the group of every link found; one gone meanwhile is dropped.
func (b *deleteBatch) tag() error {
	for b.tagged < len(b.links) {
		l := b.links[b.tagged]
		switch err := b.c.setGroup(l.Index, b.group); {
		case err == nil:
			b.tagged++
		case errors.Is(err, unix.ENODEV):
			b.links = append(b.links[:b.tagged], b.links[b.tagged+1:]...)
			b.groups = append(b.groups[:b.tagged], b.groups[b.tagged+1:]...)
		default:
			return opErr("delete", l.Name, err)
		}
	}
	return nil
}

// untag gives the tagged links their group back.
func (b *deleteBatch) untag() {
	for i := 0; i < b.tagged; i++ {
		b.c.setGroup(b.links[i].Index, b.groups[i])
	}
	b.tagged = 0
}

// delete deletes the tagged links: one group request, else one by one.
// ENODEV from the group request means none was left (their veth peers,
// listed in a namespace done before, took them along).
func (b *deleteBatch) delete() (int, error) {
	if b.tagged == 0 {
		return 0, nil
	}
	req, err := b.c.request(unix.RTM_DELLINK, unix.NLM_F_ACK)
	if err == nil {
		req.AddData(nl.NewIfInfomsg(unix.AF_UNSPEC))
		req.AddData(nl.NewRtAttr(unix.IFLA_GROUP, nl.Uint32Attr(b.group)))
		_, err = req.Execute(unix.NETLINK_ROUTE, 0)
	}
	if err == nil || errors.Is(err, unix.ENODEV) {
		return b.tagged, nil
	}
	n := 0
	var first error
	for i, l := range b.links[:b.tagged] {
		err := l.Delete()
		if err == nil || errors.Is(err, unix.ENODEV) {
			n++
			continue
		}
		b.c.setGroup(l.Index, b.groups[i])
		if first == nil {
			first = err
		}
	}
	return n, first
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
