package sysctl

import "testing"

func TestPath(t *testing.T) {
	for in, want := range map[string]string{
		"net.ipv4.ip_forward":             "/proc/sys/net/ipv4/ip_forward",
		"net/ipv4/conf/eth0.10/rp_filter": "/proc/sys/net/ipv4/conf/eth0.10/rp_filter",
		"net.ipv6.conf.all.disable_ipv6":  "/proc/sys/net/ipv6/conf/all/disable_ipv6",
		"kernel.hostname":                 "",
		"net":                             "",
		"net/ipv4/../../../etc/passwd":    "",
		"net..ipv4":                       "",
		"net.ipv4.ip_forward\x00":         "",
	} {
		got, err := Path(in)
		if want == "" {
			if err == nil {
				t.Errorf("Path(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("Path(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
