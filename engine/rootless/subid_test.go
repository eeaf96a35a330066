package rootless

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSubIDs(t *testing.T) {
	const data = `# comment
alice:100000:65536
1001:300000:10
bob:165536:65536
alice:231072:100
alice:bad:1
alice:1:0
alice:4294967290:100
alice:5
`
	cases := []struct {
		name string
		uid  uint32
		want []Range
	}{
		{"alice", 1000, []Range{{100000, 65536}, {231072, 100}}},
		{"carol", 1001, []Range{{300000, 10}}},
		{"", 1001, []Range{{300000, 10}}},
		{"bob", 2000, []Range{{165536, 65536}}},
		{"nobody", 9, nil},
	}
	for _, c := range cases {
		got := ParseSubIDs(strings.NewReader(data), c.name, c.uid)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s/%d: got %v, want %v", c.name, c.uid, got, c.want)
		}
	}
}

func TestMapArgs(t *testing.T) {
	args, n := MapArgs(1000, []Range{{100000, 65536}, {231072, 100}})
	want := []string{"0", "1000", "1", "1", "100000", "65536", "65537", "231072", "100"}
	if !reflect.DeepEqual(args, want) || n != 65636 {
		t.Errorf("got %v %d, want %v 65636", args, n, want)
	}
	if args, n := MapArgs(5, nil); !reflect.DeepEqual(args, []string{"0", "5", "1"}) || n != 0 {
		t.Errorf("no ranges: got %v %d", args, n)
	}
}

func TestUserName(t *testing.T) {
	const passwd = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n"
	if got := userName(strings.NewReader(passwd), 1000); got != "alice" {
		t.Errorf("got %q", got)
	}
	if got := userName(strings.NewReader(passwd), 7); got != "" {
		t.Errorf("got %q", got)
	}
}

func FuzzParseSubIDs(f *testing.F) {
	f.Add("alice:100000:65536\n", "alice", uint32(1000))
	f.Add("1000:1:4294967295\n#x\n\n", "", uint32(1000))
	f.Add("a:b:c:d\n:::\n", "a", uint32(0))
	f.Fuzz(func(t *testing.T, data, name string, uid uint32) {
		rs := ParseSubIDs(strings.NewReader(data), name, uid)
		for _, r := range rs {
			if r.Count == 0 || uint64(r.Start)+uint64(r.Count)-1 > maxMapped {
				t.Fatalf("invalid range %v from %q", r, data)
			}
		}
		args, n := MapArgs(uid, rs)
		if len(args)%3 != 0 || n > maxMapped {
			t.Fatalf("bad map %v (%d)", args, n)
		}
	})
}
