package ns

import (
	"strings"
	"testing"

	"github.com/nslua/nslua/engine"
)

func TestParseNSName(t *testing.T) {
	good := map[string]nsKey{
		"net:[4026531840]":  {engine.KindNet, 4026531840},
		"pid:[1]":           {engine.KindPID, 1},
		"time:[4026531834]": {engine.KindTime, 4026531834},
	}
	for in, want := range good {
		if got, ok := parseNSName(in); !ok || got != want {
			t.Errorf("%s: %+v %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "net", "net:[]", "net:[x]", "socket:[123]", "anon_inode:[pidfd]",
		"/net:[1]", "pid_for_children:[1]", "net:[1", "net:[-1]"} {
		if _, ok := parseNSName(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestValidNetnsName(t *testing.T) {
	for _, ok := range []string{"a", "blue-1", "x.y", strings.Repeat("n", 255)} {
		if why := ValidNetnsName(ok); why != "" {
			t.Errorf("%q: %s", ok, why)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "a\x00b", strings.Repeat("n", 256)} {
		if ValidNetnsName(bad) == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFormatOffsets(t *testing.T) {
	got := formatOffsets([]Offset{{"monotonic", 3600}, {"boottime", 1.5}, {"boottime", -0.25}})
	want := "monotonic 3600 0\nboottime 1 500000000\nboottime -1 750000000\n"
	if got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

func FuzzParseNSName(f *testing.F) {
	for _, s := range []string{"net:[4026531840]", "mnt:[1]", "socket:[5]", ":[", "net:[]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := parseNSName(s)
		if ok && !strings.HasPrefix(s, k.kind.String()+":[") {
			t.Errorf("%q parsed as %v", s, k)
		}
	})
}
