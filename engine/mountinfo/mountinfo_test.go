package mountinfo

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	cases := []struct {
		line string
		want Mount
		prop string
	}{
		{
			"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
			Mount{ID: 36, Parent: 35, Major: 98, Minor: 0, Root: "/mnt1", Target: "/mnt2", Options: "rw,noatime",
				Optional: []string{"master:1"}, FSType: "ext3", Source: "/dev/root", SuperOptions: "rw,errors=continue"},
			"private,slave",
		},
		{
			"25 1 0:22 / /run rw,nosuid shared:5 master:3 - tmpfs tmpfs rw,mode=755",
			Mount{ID: 25, Parent: 1, Major: 0, Minor: 22, Root: "/", Target: "/run", Options: "rw,nosuid",
				Optional: []string{"shared:5", "master:3"}, FSType: "tmpfs", Source: "tmpfs", SuperOptions: "rw,mode=755"},
			"shared,slave",
		},
		{
			`40 25 0:4 net:[4026532281] /run/netns/with\040space rw - nsfs nsfs rw`,
			Mount{ID: 40, Parent: 25, Major: 0, Minor: 4, Root: "net:[4026532281]", Target: "/run/netns/with space",
				Options: "rw", FSType: "nsfs", Source: "nsfs", SuperOptions: "rw"},
			"private",
		},
		{
			`41 25 0:50 / /a\134b\011c rw unbindable - tmpfs none rw`,
			Mount{ID: 41, Parent: 25, Major: 0, Minor: 50, Root: "/", Target: "/a\\b\tc", Options: "rw",
				Optional: []string{"unbindable"}, FSType: "tmpfs", Source: "none", SuperOptions: "rw"},
			"private,unbindable",
		},
	}
	for _, c := range cases {
		got, err := ParseLine(c.line)
		if err != nil {
			t.Fatalf("%q: %v", c.line, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.line, got, c.want)
		}
		if p := got.Propagation(); p != c.prop {
			t.Errorf("%q: propagation %q, want %q", c.line, p, c.prop)
		}
	}
}

// A line longer than any buffer (an overlay of 500 deep layers writes
// megabytes) parses like a short one, and super options are unescaped as
// findmnt's FS-OPTIONS shows them.
func TestParseLongLineAndEscapedSuperOptions(t *testing.T) {
	layer := "/" + strings.Repeat(`a\040b\054c`, 1000)
	opts := "ro" + strings.Repeat(",lowerdir+="+layer, 300)
	text := "1 0 0:1 / / rw - ext4 /dev/vda rw\n" +
		"2 1 0:2 / /o rw - overlay overlay " + opts + "\n" + "3 1 0:3 / /t rw - tmpfs tmpfs rw\n"
	ms, err := Parse(strings.NewReader(text))
	if err != nil || len(ms) != 3 {
		t.Fatalf("Parse: %d mounts, %v", len(ms), err)
	}
	want := "ro" + strings.Repeat(",lowerdir+=/"+strings.Repeat("a b,c", 1000), 300)
	if ms[1].SuperOptions != want || ms[2].Target != "/t" {
		t.Errorf("long line parsed as %.80q... %+v", ms[1].SuperOptions, ms[2])
	}
}

func TestParseLineRejects(t *testing.T) {
	for _, line := range []string{
		"", "36 35 98:0 /a /b rw", "x 35 98:0 / / rw - ext4 /dev/x rw",
		"36 35 980 / / rw - ext4 /dev/x rw", "36 35 98:0 / / rw master:1 ext4 /dev/x rw",
		"36 35 98:0 / / rw -", "36 35 98:0 / / rw - ext4",
	} {
		if _, err := ParseLine(line); err == nil {
			t.Errorf("%q: accepted", line)
		}
	}
}

func TestUnescapeLeavesShortEscapes(t *testing.T) {
	for in, want := range map[string]string{`a\04`: `a\04`, `\`: `\`, `\040`: " ", `\0401`: " 1", `\8xx`: `\8xx`} {
		if got := Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

// The parser must agree with findmnt on this machine's real mount table.
func TestReadAgreesWithFindmnt(t *testing.T) {
	out, err := exec.Command("findmnt", "-J", "-l", "-o", "ID,TARGET,FSTYPE,PROPAGATION").Output()
	if err != nil {
		t.Skipf("findmnt: %v", err)
	}
	var fm struct {
		Filesystems []struct {
			ID          int    `json:"id"`
			Target      string `json:"target"`
			FSType      string `json:"fstype"`
			Propagation string `json:"propagation"`
		} `json:"filesystems"`
	}
	if err := json.Unmarshal(out, &fm); err != nil {
		t.Fatal(err)
	}
	mounts, err := Read(0)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int]Mount{}
	for _, m := range mounts {
		byID[m.ID] = m
	}
	if len(fm.Filesystems) == 0 {
		t.Fatal("findmnt listed nothing")
	}
	for _, f := range fm.Filesystems {
		m, ok := byID[f.ID]
		if !ok {
			t.Errorf("findmnt id %d (%s) not parsed", f.ID, f.Target)
			continue
		}
		if m.Target != f.Target || m.FSType != f.FSType || m.Propagation() != f.Propagation {
			t.Errorf("id %d: parsed %q %q %q, findmnt %q %q %q", f.ID, m.Target, m.FSType, m.Propagation(), f.Target, f.FSType, f.Propagation)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue")
	f.Add(`40 25 0:4 net:[4026532281] /run/netns/a\040b rw shared:1 - nsfs nsfs rw`)
	f.Add("1 0 0:1 / / rw - - - -")
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := Parse(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, m := range ms {
			_ = m.Propagation()
			if strings.Contains(m.Options, " ") {
				t.Fatalf("options with a space: %q", m.Options)
			}
		}
	})
}
