package net

import (
	"fmt"
	gonet "net"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/nslua/nslua/engine"
)

// MaxNameLen is the longest link name the kernel accepts (IFNAMSIZ - 1).
const MaxNameLen = 15

// CheckName validates a link name as the kernel's dev_valid_name does, plus
// '%' (the kernel would pick a name itself): 1 to 15 bytes, not "." or "..",
// no '/', ':', white space or NUL. It returns a reason, "" when valid.
func CheckName(name string) string {
	switch {
	case name == "":
		return "empty link name"
	case len(name) > MaxNameLen:
		return fmt.Sprintf("link name %s is %d bytes long; at most %d allowed", engine.Quote(name), len(name), MaxNameLen)
	case name == "." || name == "..":
		return fmt.Sprintf("invalid link name %s", engine.Quote(name))
	}
	for _, r := range name {
		switch {
		case r == 0:
			return fmt.Sprintf("link name %s contains a NUL byte", engine.Quote(name))
		case r == '/' || r == ':' || r == '%':
			return fmt.Sprintf("link name %s contains %q", engine.Quote(name), r)
		case unicode.IsSpace(r) || r < ' ':
			return fmt.Sprintf("link name %s contains white space or a control character", engine.Quote(name))
		}
	}
	return ""
}

// ParseAddr parses an IP address ("10.0.0.1", "fd00::1"), without zone.
func ParseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("invalid IP address %s", engine.Quote(s))
	}
	return a.Unmap(), nil
}

// ParseCIDR parses an interface address with prefix ("10.0.0.1/24"). A bare
// address means a host prefix (/32, /128), as ip(8) reads it.
func ParseCIDR(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("invalid address %s (expected address/prefix such as 10.0.0.1/24)", engine.Quote(s))
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR %s (expected address/prefix such as 10.0.0.1/24)", engine.Quote(s))
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR %s (IPv4-mapped address)", engine.Quote(s))
	}
	return p, nil
}

// ParseDst parses a route destination: "default" (family from the hint,
// "inet" when none), or a network in CIDR form whose host bits are zero. A
// bare address is a host route.
func ParseDst(s string, v6 bool) (netip.Prefix, error) {
	if s == "default" {
		if v6 {
			return netip.MustParsePrefix("::/0"), nil
		}
		return netip.MustParsePrefix("0.0.0.0/0"), nil
	}
	p, err := ParseCIDR(s)
	if err != nil {
		return p, err
	}
	if m := p.Masked(); m != p {
		return p, fmt.Errorf("invalid route destination %s: host bits set (did you mean %q?)", engine.Quote(s), m.String())
	}
	return p, nil
}

// ParseMAC parses a 6-byte Ethernet address ("02:00:00:00:00:01").
func ParseMAC(s string) (gonet.HardwareAddr, error) {
	m, err := gonet.ParseMAC(s)
	if err != nil || len(m) != 6 {
		return nil, fmt.Errorf("invalid MAC address %s (expected six hex bytes such as 02:00:00:00:00:01)", engine.Quote(s))
	}
	return m, nil
}

func ipnet(p netip.Prefix) *gonet.IPNet {
	bits := p.Addr().BitLen()
	return &gonet.IPNet{IP: gonet.IP(p.Addr().AsSlice()), Mask: gonet.CIDRMask(p.Bits(), bits)}
}

// rateUnits are tc's rate units: bit-based ones are SI (kbit = 1000 bit/s),
// "bps" ones are bytes per second, and the "i" forms are powers of two.
var rateUnits = []struct {
	suffix string
	bits   float64
}{
	{"tibit", 1 << 40}, {"gibit", 1 << 30}, {"mibit", 1 << 20}, {"kibit", 1 << 10},
	{"tbit", 1e12}, {"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1},
	{"tibps", 8 << 40}, {"gibps", 8 << 30}, {"mibps", 8 << 20}, {"kibps", 8 << 10},
	{"tbps", 8e12}, {"gbps", 8e9}, {"mbps", 8e6}, {"kbps", 8e3}, {"bps", 8},
}

// ParseRate parses a rate as tc(8) writes it ("10mbit", "1gbit", "500kbps")
// and returns bits per second. A plain number string is bits per second.
func ParseRate(s string) (uint64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range rateUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.bits
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v*mult >= 8 && v*mult <= 1e15) { // NaN fails too
		return 0, fmt.Errorf("invalid rate %s (expected a rate from 8bit to 1000tbit such as 10mbit, 1gbit or 500kbps, "+
			"or a number of bits per second)", engine.Quote(s))
	}
	return uint64(v * mult), nil
}

// ParseDuration parses a delay as tc(8) writes it ("10ms", "1s", "250us");
// a plain number string is milliseconds.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	unit := time.Millisecond
	for _, u := range []struct {
		suffix string
		d      time.Duration
	}{{"usecs", time.Microsecond}, {"usec", time.Microsecond}, {"us", time.Microsecond},
		{"msecs", time.Millisecond}, {"msec", time.Millisecond}, {"ms", time.Millisecond},
		{"secs", time.Second}, {"sec", time.Second}, {"s", time.Second}} {
		if strings.HasSuffix(t, u.suffix) {
			t, unit = strings.TrimSuffix(t, u.suffix), u.d
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v >= 0 && v*float64(unit) <= float64(time.Hour)) {
		return 0, fmt.Errorf("invalid duration %s (expected a duration from 0 to 1 hour such as 10ms, 1s or 250us, "+
			"or a number of milliseconds)", engine.Quote(s))
	}
	return time.Duration(v * float64(unit)), nil
}

// ParseLoss parses a loss percentage ("1%", "0.5%", "2"): 0 to 100.
func ParseLoss(s string) (float64, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "%")
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v >= 0 && v <= 100) {
		return 0, fmt.Errorf("invalid loss %s (expected a percentage from 0 to 100 such as 1%%)", engine.Quote(s))
	}
	return v, nil
}
