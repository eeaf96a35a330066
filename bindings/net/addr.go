package net

import (
	"net/netip"
	"sort"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// AddrInfo is one interface address, as `ip addr` shows it.
type AddrInfo struct {
	Index     int
	Dev       string
	Family    string // "inet" or "inet6"
	Addr      netip.Addr
	PrefixLen int
	Scope     string // "global", "link", "host", "site", or a number
	Broadcast string // IPv4 only, "" when none
}

// CIDR is "10.0.0.1/24".
func (a AddrInfo) CIDR() string { return netip.PrefixFrom(a.Addr, a.PrefixLen).String() }

func scopeName(s int) string {
	switch netlink.Scope(s) {
	case netlink.SCOPE_UNIVERSE:
		return "global"
	case netlink.SCOPE_SITE:
		return "site"
	case netlink.SCOPE_LINK:
		return "link"
	case netlink.SCOPE_HOST:
		return "host"
	case netlink.SCOPE_NOWHERE:
		return "nowhere"
	}
	return itoa(s)
}

// AddrAdd adds an address. nodad skips IPv6 duplicate address detection, so
// the address is usable at once. Equivalent to
// `ip addr add CIDR dev NAME [nodad]`.
func (l *Link) AddrAdd(p netip.Prefix, nodad bool) error {
	a := &netlink.Addr{IPNet: ipnet(p)}
	if nodad && p.Addr().Is6() {
		a.Flags = unix.IFA_F_NODAD
	}
	return l.do("addr_add", func(h *netlink.Handle) error { return h.AddrAdd(l.ref(), a) })
}

// AddrDel removes an address. Equivalent to `ip addr del CIDR dev NAME`.
func (l *Link) AddrDel(p netip.Prefix) error {
	a := &netlink.Addr{IPNet: ipnet(p)}
	err := l.do("addr_del", func(h *netlink.Handle) error { return h.AddrDel(l.ref(), a) })
	if err != nil {
		if oe, ok := err.(interface{ Errno() string }); ok && oe.Errno() == "EADDRNOTAVAIL" {
			return opErr("addr_del", p.String(), unix.EADDRNOTAVAIL)
		}
	}
	return err
}

// Addrs lists the link's addresses. Equivalent to `ip addr show dev NAME`:
// a link that is gone is ENODEV, not an empty list.
func (l *Link) Addrs() ([]AddrInfo, error) {
	if err := l.mustExist("addrs"); err != nil {
		return nil, err
	}
	return l.Conn.addrs(l.Index, "addrs", l.Name)
}

// Addrs lists every address of the namespace, by ifindex. Equivalent to
// `ip addr show`.
func (c *Conn) Addrs() ([]AddrInfo, error) { return c.addrs(0, "addrs", "") }

func (c *Conn) addrs(index int, op, arg string) ([]AddrInfo, error) {
	h, err := c.handle()
	if err != nil {
		return nil, opErr(op, arg, err)
	}
	var link netlink.Link
	if index != 0 {
		link = &netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: index}}
	}
	as, err := h.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		return nil, opErr(op, arg, err)
	}
	names := map[int]string{}
	if links, _, err := c.Links(); err == nil {
		for _, l := range links {
			names[l.Index] = l.Name
		}
	}
	var out []AddrInfo
	for _, a := range as {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		ones, _ := a.Mask.Size()
		ai := AddrInfo{Index: a.LinkIndex, Dev: names[a.LinkIndex], Family: "inet", Addr: ip, PrefixLen: ones, Scope: scopeName(a.Scope)}
		if ip.Is6() {
			ai.Family = "inet6"
		} else if a.Broadcast != nil {
			ai.Broadcast = a.Broadcast.String()
		}
		out = append(out, ai)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}
