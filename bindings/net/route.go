package net

import (
	"errors"
	gonet "net"
	"net/netip"
	"strconv"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/nslua/nslua/engine"
)

func itoa(i int) string { return strconv.Itoa(i) }

// RouteInfo is one route of the main table, as `ip route` shows it.
type RouteInfo struct {
	Family   string // "inet", "inet6"
	Dst      string // "default" or a CIDR
	Via      string // gateway, "" when none
	Dev      string
	Index    int
	Metric   int
	Protocol string // "kernel", "boot", "static", ... or a number
	Scope    string
	Src      string // preferred source, "" when none
	Type     string // "unicast", "blackhole", "unreachable", ...
	Table    int
}

var protoNames = map[netlink.RouteProtocol]string{
	unix.RTPROT_UNSPEC: "unspec", unix.RTPROT_REDIRECT: "redirect", unix.RTPROT_KERNEL: "kernel",
	unix.RTPROT_BOOT: "boot", unix.RTPROT_STATIC: "static", unix.RTPROT_RA: "ra", unix.RTPROT_DHCP: "dhcp",
}

var typeNames = map[int]string{
	unix.RTN_UNICAST: "unicast", unix.RTN_LOCAL: "local", unix.RTN_BROADCAST: "broadcast",
	unix.RTN_ANYCAST: "anycast", unix.RTN_MULTICAST: "multicast", unix.RTN_BLACKHOLE: "blackhole",
	unix.RTN_UNREACHABLE: "unreachable", unix.RTN_PROHIBIT: "prohibit", unix.RTN_THROW: "throw",
}

// Routes lists the main table's routes of family ("inet", "inet6", "" for
// both). Equivalent to `ip route show` plus `ip -6 route show`.
func (c *Conn) Routes(family string) ([]RouteInfo, error) {
	h, err := c.handle()
	if err != nil {
		return nil, opErr("routes", family, err)
	}
	fam := netlink.FAMILY_ALL
	switch family {
	case "inet":
		fam = netlink.FAMILY_V4
	case "inet6":
		fam = netlink.FAMILY_V6
	}
	rs, err := h.RouteList(nil, fam)
	if err != nil {
		return nil, opErr("routes", family, err)
	}
	names := map[int]string{}
	if links, _, err := c.Links(); err == nil {
		for _, l := range links {
			names[l.Index] = l.Name
		}
	}
	out := make([]RouteInfo, 0, len(rs))
	for _, r := range rs {
		ri := RouteInfo{Family: "inet", Dst: "default", Dev: names[r.LinkIndex], Index: r.LinkIndex,
			Metric: r.Priority, Scope: scopeName(int(r.Scope)), Table: r.Table}
		if r.Family == unix.AF_INET6 {
			ri.Family = "inet6"
		}
		if r.Dst != nil {
			if ones, _ := r.Dst.Mask.Size(); ones > 0 || !r.Dst.IP.IsUnspecified() {
				ri.Dst = r.Dst.String()
			}
		}
		if r.Gw != nil {
			ri.Via = r.Gw.String()
		}
		if r.Src != nil {
			ri.Src = r.Src.String()
		}
		if n, ok := protoNames[r.Protocol]; ok {
			ri.Protocol = n
		} else {
			ri.Protocol = itoa(int(r.Protocol))
		}
		if n, ok := typeNames[r.Type]; ok {
			ri.Type = n
		} else {
			ri.Type = itoa(r.Type)
		}
		out = append(out, ri)
	}
	return out, nil
}

// RouteSpec is a route to add or delete.
type RouteSpec struct {
	Dst    netip.Prefix
	Via    netip.Addr // invalid: none
	Dev    int        // ifindex, 0: none
	Metric int
	Table  int
	Src    netip.Addr
}

func (s RouteSpec) route() *netlink.Route {
	r := &netlink.Route{Dst: ipnet(s.Dst), LinkIndex: s.Dev, Priority: s.Metric, Table: s.Table}
	if s.Dst.Addr().Is6() {
		r.Family = unix.AF_INET6
	} else {
		r.Family = unix.AF_INET
	}
	if s.Via.IsValid() {
		r.Gw = gonet.IP(s.Via.AsSlice())
	}
	if s.Src.IsValid() {
		r.Src = gonet.IP(s.Src.AsSlice())
	}
	if !s.Via.IsValid() && s.Dev != 0 {
		r.Scope = netlink.SCOPE_LINK
	}
	return r
}

// RouteAdd adds a route. Equivalent to
// `ip route add DST [via GW] [dev NAME] [metric N]`.
func (c *Conn) RouteAdd(s RouteSpec) error {
	h, err := c.handle()
	if err == nil {
		err = h.RouteAdd(s.route())
	}
	return opErr("route_add", s.Dst.String(), err)
}

// RouteDel deletes a route. Equivalent to `ip route del DST ...`. A route
// that does not exist is the kernel's ESRCH, in words that say so rather
// than its "no such process".
func (c *Conn) RouteDel(s RouteSpec) error {
	h, err := c.handle()
	if err == nil {
		r := s.route()
		r.Scope = netlink.SCOPE_NOWHERE // match any scope, as ip route del does
		err = h.RouteDel(r)
	}
	if errors.Is(err, unix.ESRCH) {
		return engine.Errorf(unix.ESRCH, "route_del", s.Dst.String(), "no such route")
	}
	return opErr("route_del", s.Dst.String(), err)
}
