package mounts

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

func TestParseFlags(t *testing.T) {
	cases := []struct {
		in         string
		set, clear uintptr
		err        string
	}{
		{"", 0, 0, ""},
		{"ro,nosuid, nodev ,noexec", unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, 0, ""},
		{"ro,rw", 0, unix.MS_RDONLY, ""},
		{"rw,ro", unix.MS_RDONLY, 0, ""},
		{"rbind,rprivate", unix.MS_BIND | unix.MS_REC | unix.MS_PRIVATE, 0, ""},
		{"exec,suid", 0, unix.MS_NOEXEC | unix.MS_NOSUID, ""},
		{"ro,,", unix.MS_RDONLY, 0, ""},
		{"ro,bogus", 0, 0, `unknown mount flag "bogus"`},
		{"size=1m", 0, 0, "go in the data argument"},
	}
	for _, c := range cases {
		f, err := ParseFlags(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseFlags(%q): error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || f.Set != c.set || f.Clear != c.clear {
			t.Errorf("ParseFlags(%q) = %+v, %v; want set %#x clear %#x", c.in, f, err, c.set, c.clear)
		}
	}
}

func TestMountAttr(t *testing.T) {
	f, _ := ParseFlags("ro,nosuid,exec,noatime")
	a, ok := f.mountAttr()
	if !ok || a.Attr_set != unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOATIME ||
		a.Attr_clr != unix.MOUNT_ATTR_NOEXEC|unix.MOUNT_ATTR__ATIME {
		t.Errorf("mountAttr = %+v", a)
	}
	if _, ok := (Flags{}).mountAttr(); ok {
		t.Errorf("empty flags ask for a change")
	}
}

func TestSizeAndMode(t *testing.T) {
	for in, want := range map[lua.LValue]string{lua.LNumber(65536): "65536", lua.LString("64m"): "64m",
		lua.LString("50%"): "50%", lua.LNil: ""} {
		if got, err := SizeValue(in); err != nil || got != want {
			t.Errorf("SizeValue(%v) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []lua.LValue{lua.LNumber(-1), lua.LNumber(1.5), lua.LString("lots"), lua.LString("1mm"), lua.LTrue} {
		if _, err := SizeValue(bad); err == nil {
			t.Errorf("SizeValue(%v) accepted", bad)
		}
	}
	for in, want := range map[lua.LValue]int{lua.LNumber(493): 0o755, lua.LString("1777"): 0o1777,
		lua.LNumber(0): 0, lua.LString("0"): 0, lua.LNil: NoMode} {
		if got, err := ModeValue(in); err != nil || got != want {
			t.Errorf("ModeValue(%v) = %o, %v", in, got, err)
		}
	}
	for _, bad := range []lua.LValue{lua.LNumber(-1), lua.LNumber(0o10000), lua.LString("8"), lua.LString("x")} {
		if _, err := ModeValue(bad); err == nil {
			t.Errorf("ModeValue(%v) accepted", bad)
		}
	}
}

func TestFromLua(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	parse := func(src string) (specs []Spec, msg string) {
		t.Helper()
		if err := L.DoString("return " + src); err != nil {
			t.Fatal(err)
		}
		v := L.Get(-1)
		L.Pop(1)
		defer func() {
			if r := recover(); r != nil {
				msg = r.(string)
			}
		}()
		return FromLua(v, "mounts", func(m string) { panic(m) }), ""
	}
	specs, msg := parse(`{{source="/srv", target="/data", ro=true}, {type="tmpfs", target="/tmp", size="1m", mode="1777"},
		{type="overlay", lower={"/a","/b"}, tmpfs=true, target="/"}, {type="mqueue", target="/dev/mqueue", flags="nosuid"}}`)
	if msg != "" || len(specs) != 4 {
		t.Fatalf("parse: %q %+v", msg, specs)
	}
	if s := specs[0]; s.Type != "bind" || s.Source != "/srv" || s.Flags.Set != unix.MS_RDONLY {
		t.Errorf("bind spec: %+v", s)
	}
	if s := specs[1]; s.Size != "1m" || s.Mode != 0o1777 {
		t.Errorf("tmpfs spec: %+v", s)
	}
	if s := specs[2]; len(s.Lower) != 2 || !s.Tmpfs {
		t.Errorf("overlay spec: %+v", s)
	}
	for src, want := range map[string]string{
		`{{type="tmpfs"}}`:                              "mounts[1]: missing target",
		`{{type="tmpfs", target="/x", sorce="y"}}`:      `mounts[1]: unknown option "sorce"`,
		`{{type="proc", target="/p"}, {target="/x"}}`:   "mounts[2]: missing type",
		`{{type="bind", target="/x"}}`:                  "missing source",
		`{{type="overlay", target="/x"}}`:               "missing lower",
		`{{type="tmpfs", target="/x\0"}}`:               "NUL byte",
		`{{type="tmpfs", target="/x", flags="nosiud"}}`: `unknown mount flag "nosiud"`,
		`{5}`:    "mount spec table expected",
		`{a={}}`: "a list of mount specs expected",
		`"x"`:    "list of mount specs expected, got string",
	} {
		if _, msg := parse(src); !strings.Contains(msg, want) {
			t.Errorf("%s: message %q, want %q", src, msg, want)
		}
	}
}

func TestRelPath(t *testing.T) {
	for in, want := range map[string]string{"/proc": "proc", "proc/": "proc", "/../../x": "x", "/": "", "a/./b": "a/b"} {
		if got := relPath(in); got != want {
			t.Errorf("relPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitOptions(t *testing.T) {
	f, data := SplitOptions("ro,nosuid, size=64m,mode=755,exec")
	if f.Set != unix.MS_RDONLY|unix.MS_NOSUID || f.Clear != unix.MS_NOEXEC || data != "size=64m,mode=755" {
		t.Errorf("SplitOptions = %+v %q", f, data)
	}
}

// FuzzParseFlags: any string either parses into flags that format back to
// the same set, or fails naming a word; SplitOptions never loses a word.
func FuzzParseFlags(f *testing.F) {
	for _, s := range []string{"ro,nosuid", "rw,ro", "size=1m,ro", " , ", "rbind,rprivate", "x\x00y", "ro,,exec"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fl, err := ParseFlags(s)
		if err == nil && fl.Set&fl.Clear != 0 {
			t.Fatalf("ParseFlags(%q): bits both set and cleared: %+v", s, fl)
		}
		if err != nil && !strings.Contains(err.Error(), "unknown mount flag") {
			t.Fatalf("ParseFlags(%q): unexpected error %v", s, err)
		}
		f2, data := SplitOptions(s)
		if err == nil && (f2 != fl || data != "") {
			t.Fatalf("SplitOptions(%q) = %+v %q, ParseFlags = %+v", s, f2, data, fl)
		}
		for _, w := range strings.Split(data, ",") {
			if w != "" && !strings.Contains(s, w) {
				t.Fatalf("SplitOptions(%q) invented %q", s, w)
			}
		}
	})
}

func TestSplitData(t *testing.T) {
	cases := []struct {
		in      string
		escapes bool
		want    []string
	}{
		{"", false, nil},
		{"size=1m,mode=755", false, []string{"size=1m", "mode=755"}},
		{"ro,,nr_inodes=5,", false, []string{"ro", "nr_inodes=5"}},
		{`lowerdir=/a\,b:/c,upperdir=/u`, true, []string{`lowerdir=/a\,b:/c`, "upperdir=/u"}},
		{`a\,b`, false, []string{`a\`, "b"}},
		{`x=\`, true, []string{`x=\`}},
	}
	for _, c := range cases {
		got := splitData(c.in, c.escapes)
		if strings.Join(got, "|") != strings.Join(c.want, "|") || len(got) != len(c.want) {
			t.Errorf("splitData(%q, %v) = %q, want %q", c.in, c.escapes, got, c.want)
		}
	}
}

func TestWithin(t *testing.T) {
	cases := []struct {
		p, dir string
		want   bool
	}{
		{"/u", "/u", true},
		{"/u/w", "/u", true},
		{"/uw", "/u", false},
		{"/u", "/u/w", false},
		{"/x", "/", true},
	}
	for _, c := range cases {
		if got := within(c.p, c.dir); got != c.want {
			t.Errorf("within(%q, %q) = %v", c.p, c.dir, got)
		}
	}
}
