package net

import (
	"strings"
	"testing"
	"time"

	"github.com/nslua/nslua/engine/sysctl"
)

func TestCheckName(t *testing.T) {
	for _, c := range []struct {
		name, why string
	}{
		{"eth0", ""}, {"veth-a_b.1", ""}, {strings.Repeat("x", 15), ""},
		{"", "empty"}, {strings.Repeat("x", 16), "at most 15"}, {".", "invalid"}, {"..", "invalid"},
		{"a/b", "'/'"}, {"a:b", "':'"}, {"a%d", "'%'"}, {"a b", "white space"}, {"a\tb", "white space"},
		{"a\x00b", "NUL"}, {"a\nb", "white space"},
	} {
		got := CheckName(c.name)
		if (c.why == "") != (got == "") || !strings.Contains(got, c.why) {
			t.Errorf("CheckName(%q) = %q, want %q", c.name, got, c.why)
		}
	}
}

func TestParseCIDR(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"10.0.0.1/24", "10.0.0.1/24", ""},
		{"10.0.0.1", "10.0.0.1/32", ""},
		{"fd00::1/64", "fd00::1/64", ""},
		{"fd00::1", "fd00::1/128", ""},
		{"10.0.0.1/33", "", `invalid CIDR "10.0.0.1/33"`},
		{"10.0.0.256/24", "", `invalid CIDR "10.0.0.256/24"`},
		{"fe80::1%eth0/64", "", `invalid CIDR`},
		{"::ffff:10.0.0.1/120", "", "IPv4-mapped"},
		{"x", "", `invalid address "x"`},
		{"", "", `invalid address ""`},
	} {
		p, err := ParseCIDR(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseCIDR(%q) error = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || p.String() != c.want {
			t.Errorf("ParseCIDR(%q) = %v, %v; want %s", c.in, p, err, c.want)
		}
	}
}

func TestParseDst(t *testing.T) {
	for _, c := range []struct {
		in   string
		v6   bool
		want string
		err  string
	}{
		{"default", false, "0.0.0.0/0", ""},
		{"default", true, "::/0", ""},
		{"10.0.0.0/8", false, "10.0.0.0/8", ""},
		{"10.0.0.5", false, "10.0.0.5/32", ""},
		{"10.0.0.1/8", false, "", `host bits set (did you mean "10.0.0.0/8"?)`},
		{"2001:db8::1/32", false, "", `did you mean "2001:db8::/32"`},
	} {
		p, err := ParseDst(c.in, c.v6)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseDst(%q) error = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || p.String() != c.want {
			t.Errorf("ParseDst(%q) = %v, %v; want %s", c.in, p, err, c.want)
		}
	}
}

func TestParseRate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
	}{
		{"10mbit", 10e6}, {"1gbit", 1e9}, {"500kbit", 500e3}, {"1kibit", 1024}, {"1mbps", 8e6},
		{"100bps", 800}, {"2.5Mbit", 2.5e6}, {"4000000", 4e6}, {"1e6", 1e6},
		{"fast", 0}, {"0mbit", 0}, {"NaN", 0}, {"nanmbit", 0}, {"Inf", 0}, {"-1mbit", 0}, {"", 0}, {"1bit", 0},
	} {
		got, err := ParseRate(c.in)
		if c.want == 0 {
			if err == nil {
				t.Errorf("ParseRate(%q) = %d, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func TestParseDurationAndLoss(t *testing.T) {
	for in, want := range map[string]time.Duration{"10ms": 10 * time.Millisecond, "1s": time.Second,
		"250us": 250 * time.Microsecond, "20": 20 * time.Millisecond, "1.5ms": 1500 * time.Microsecond} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "-1ms", "2h", "NaN", "nanms", "+Inf"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q): want an error", bad)
		}
	}
	for in, want := range map[string]float64{"1%": 1, "0.5": 0.5, "100%": 100, "0": 0} {
		if got, err := ParseLoss(in); err != nil || got != want {
			t.Errorf("ParseLoss(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "101", "-1%", "x%", "NaN", "NaN%"} {
		if _, err := ParseLoss(bad); err == nil {
			t.Errorf("ParseLoss(%q): want an error", bad)
		}
	}
}

// FuzzParseCIDR: parsing never panics, and what it accepts prints back to
// something it accepts again as the same prefix.
func FuzzParseCIDR(f *testing.F) {
	for _, s := range []string{"10.0.0.1/24", "fd00::1/64", "10.0.0.1", "::/0", "1.2.3.4/33", "fe80::1%eth0/64", "x/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseCIDR(s)
		if err != nil {
			if !strings.Contains(err.Error(), "invalid") {
				t.Fatalf("error without the word invalid: %v", err)
			}
			return
		}
		q, err := ParseCIDR(p.String())
		if err != nil || q != p {
			t.Fatalf("ParseCIDR(%q) = %v, but its string parses to %v, %v", s, p, q, err)
		}
		if _, err := ParseDst(s, false); err == nil && p.Masked() != p {
			t.Fatalf("ParseDst accepted %q with host bits", s)
		}
	})
}

// A huge argument is named, but not repeated whole, by every parser.
func TestParseErrorsStayShort(t *testing.T) {
	huge := strings.Repeat("z", 100000)
	errs := map[string]string{"CheckName": CheckName(huge)}
	for name, f := range map[string]func(string) error{
		"ParseAddr":     func(s string) error { _, err := ParseAddr(s); return err },
		"ParseCIDR":     func(s string) error { _, err := ParseCIDR(s + "/8"); return err },
		"ParseDst":      func(s string) error { _, err := ParseDst(s, false); return err },
		"ParseMAC":      func(s string) error { _, err := ParseMAC(s); return err },
		"ParseRate":     func(s string) error { _, err := ParseRate(s); return err },
		"ParseDuration": func(s string) error { _, err := ParseDuration(s); return err },
		"ParseLoss":     func(s string) error { _, err := ParseLoss(s); return err },
		"sysctl.Path":   func(s string) error { _, err := sysctl.Path(s); return err },
	} {
		if err := f(huge); err != nil {
			errs[name] = err.Error()
		} else {
			t.Errorf("%s accepted a 100000-byte argument", name)
		}
	}
	for name, msg := range errs {
		if !strings.Contains(msg, "zzzzzzzzzz") || len(msg) > 300 {
			t.Errorf("%s: message of %d bytes: %.200s", name, len(msg), msg)
		}
	}
}
