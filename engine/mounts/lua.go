package mounts

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nslua/nslua/engine"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// specKeys are the keys each spec type accepts besides type and target.
var specKeys = map[string][]string{
	"bind":     {"source", "flags", "options", "ro", "rec"},
	"tmpfs":    {"source", "flags", "options", "ro", "size", "mode", "data"},
	"proc":     {"flags", "options", "ro"},
	"sysfs":    {"flags", "options", "ro"},
	"overlay":  {"lower", "upper", "work", "tmpfs", "size", "flags", "options", "ro"},
	"mask":     {},
	"readonly": {"rec"},
	"symlink":  {"source"},
	"dir":      {"mode"},
	"copy":     {"source", "mode"},
	"dev":      {},
}

// sourceNeeded says what source means for the types that need one.
var sourceNeeded = map[string]string{
	"bind":    "the path to bind",
	"symlink": "what the link points to",
	"copy":    "the file to copy",
}

// otherKeys are accepted by a spec of any other file system type.
var otherKeys = []string{"source", "flags", "options", "ro", "data"}

// SpecTypes lists the spec types with special meaning, for messages.
func SpecTypes() []string {
	var names []string
	for n := range specKeys {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// FromLua reads a list of mount specs from a Lua table (proc.spawn's mounts=,
// the container module's mounts). where names the list in messages
// ("mounts"); fail raises an argument error and must not return. A spec is a
// table:
//
//	{type = "bind", source = "/srv/data", target = "/data", ro = true, rec = true}
//	{source = "/srv/data", target = "/data"}           -- type defaults to bind
//	{type = "tmpfs", target = "/tmp", size = "64m", mode = "1777"}
//	{type = "proc", target = "/proc"}   {type = "sysfs", target = "/sys", ro = true}
//	{type = "overlay", lower = {"/up", "/base"}, upper = ..., work = ..., target = "/"}
//	{type = "overlay", lower = "/base", tmpfs = true, target = "/"}
//	{type = "mask", target = "/proc/kcore"}   {type = "readonly", target = "/proc/sys"}
//	{type = "symlink", source = "pts/ptmx", target = "/dev/ptmx"}
//	{type = "dev", target = "/dev"}
//	{type = "mqueue", target = "/dev/mqueue", flags = "nosuid,nodev,noexec"}
func FromLua(v lua.LValue, where string, fail func(msg string)) []Spec {
	list, ok := v.(*lua.LTable)
	if !ok {
		fail(fmt.Sprintf("%s: list of mount specs expected, got %s", where, engine.TypeName(v)))
		return nil
	}
	var specs []Spec
	n := list.Len()
	count := 0
	list.ForEach(func(lua.LValue, lua.LValue) { count++ })
	if count != n {
		fail(fmt.Sprintf("%s: a list of mount specs expected (found keys other than 1..%d)", where, n))
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("%s[%d]", where, i)
		t, ok := list.RawGetInt(i).(*lua.LTable)
		if !ok {
			fail(fmt.Sprintf("%s: mount spec table expected, got %s", name, engine.TypeName(list.RawGetInt(i))))
		}
		specs = append(specs, SpecFromLua(t, func(msg string) { fail(name + ": " + msg) }))
	}
	return specs
}

// SpecFromLua reads one mount spec (see FromLua); fail must not return.
func SpecFromLua(t *lua.LTable, fail func(string)) Spec {
	r := reader{t: t, fail: fail}
	var s Spec
	s.Type = r.str("type")
	if s.Type == "" {
		if r.has("source") {
			s.Type = "bind"
		} else {
			fail("missing type (a file system type or one of " + engine.JoinNames(SpecTypes()) + ")")
		}
	}
	keys, ok := specKeys[s.Type]
	if !ok {
		keys = otherKeys
	}
	engine.ValidateKeys(nil, t, false, append([]string{"type", "target"}, keys...), fail)
	s.Target = r.str("target")
	if s.Target == "" {
		fail("missing target (where to mount, inside the root)")
	}
	s.Source = r.str("source")
	if what, ok := sourceNeeded[s.Type]; ok && s.Source == "" {
		fail("missing source (" + what + ")")
	}
	if fl := r.str("flags"); fl != "" {
		f, err := ParseFlags(fl)
		if err != nil {
			fail(err.Error())
		}
		s.Flags = f
	}
	if opts := r.str("options"); opts != "" {
		// mount -o style: flag words and file-system options mixed
		f, data := SplitOptions(opts)
		s.Flags.Set |= f.Set
		s.Flags.Clear |= f.Clear
		if data != "" && s.Type == "bind" {
			fail("options: " + engine.Quote(data) + " is not a mount flag (a bind mount takes flags only)")
		}
		s.Data = data
	}
	switch s.Type {
	case "mask", "symlink", "dir", "copy", "dev":
	default:
		for _, k := range []string{"flags", "options"} {
			if err := CheckNew(r.str(k), s.Type == "bind" || s.Type == "readonly"); err != nil {
				fail(k + ": " + err.Error())
			}
		}
	}
	if r.boolean("ro") {
		s.Flags.Set |= unix.MS_RDONLY
		s.Flags.Clear &^= unix.MS_RDONLY
	}
	if d := r.str("data"); d != "" {
		if s.Data != "" {
			s.Data += ","
		}
		s.Data += d
	}
	s.Rec = true // as proc.spawn's specs and bwrap --bind: the mounts below come along
	if r.has("rec") {
		s.Rec = r.boolean("rec")
	}
	s.Size = r.size("size")
	s.Mode = r.mode("mode")
	s.Upper = r.str("upper")
	s.Work = r.str("work")
	s.Tmpfs = r.boolean("tmpfs")
	if s.Type == "overlay" {
		s.Lower = r.paths("lower")
		if len(s.Lower) == 0 {
			fail("missing lower (the overlay's lower directories)")
		}
		if s.Tmpfs && (s.Upper != "" || s.Work != "") {
			fail("tmpfs = true makes its own upper and work directories: give neither")
		}
		if (s.Upper == "") != (s.Work == "") {
			fail("upper and work go together")
		}
		if s.Size != "" && !s.Tmpfs {
			fail("size: only with tmpfs = true (it limits the tmpfs for upper and work)")
		}
	}
	return s
}

// reader reads typed fields of a spec, failing with the field's name.
type reader struct {
	t    *lua.LTable
	fail func(string)
}

func (r reader) has(key string) bool { return r.t.RawGetString(key) != lua.LNil }

func (r reader) str(key string) string {
	switch v := r.t.RawGetString(key).(type) {
	case *lua.LNilType:
		return ""
	case lua.LString:
		if err := CheckPath(string(v)); err != nil {
			r.fail(key + ": " + err.Error())
		}
		return string(v)
	default:
		r.fail(fmt.Sprintf("%s: string expected, got %s", key, engine.TypeName(v)))
	}
	return ""
}

func (r reader) boolean(key string) bool {
	switch v := r.t.RawGetString(key).(type) {
	case *lua.LNilType:
		return false
	case lua.LBool:
		return bool(v)
	default:
		r.fail(fmt.Sprintf("%s: boolean expected, got %s", key, engine.TypeName(v)))
	}
	return false
}

func (r reader) size(key string) string {
	v := r.t.RawGetString(key)
	s, err := SizeValue(v)
	if err != nil {
		r.fail(key + ": " + err.Error())
	}
	return s
}

func (r reader) mode(key string) int {
	m, err := ModeValue(r.t.RawGetString(key))
	if err != nil {
		r.fail(key + ": " + err.Error())
	}
	return m
}

func (r reader) paths(key string) []string {
	switch v := r.t.RawGetString(key).(type) {
	case *lua.LNilType:
		return nil
	case lua.LString:
		return []string{r.str(key)}
	case *lua.LTable:
		var out []string
		for i := 1; i <= v.Len(); i++ {
			s, ok := v.RawGetInt(i).(lua.LString)
			if !ok || s == "" {
				r.fail(fmt.Sprintf("%s[%d]: path expected, got %s", key, i, engine.TypeName(v.RawGetInt(i))))
			}
			if err := CheckPath(string(s)); err != nil {
				r.fail(fmt.Sprintf("%s[%d]: %v", key, i, err))
			}
			out = append(out, string(s))
		}
		return out
	default:
		r.fail(fmt.Sprintf("%s: path or list of paths expected, got %s", key, engine.TypeName(v)))
	}
	return nil
}

// CheckPath refuses strings the kernel cannot take as a path or option.
func CheckPath(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("contains a NUL byte: %s", engine.Quote(s))
	}
	if len(s) > 4096 {
		return fmt.Errorf("longer than PATH_MAX (%d bytes)", len(s))
	}
	return nil
}

// SizeValue reads a tmpfs size: bytes as a number, or a string tmpfs
// understands ("64m", "1g", "50%").
func SizeValue(v lua.LValue) (string, error) {
	switch v := v.(type) {
	case *lua.LNilType:
		return "", nil
	case lua.LNumber:
		if v < 0 || float64(v) != float64(int64(v)) {
			return "", fmt.Errorf("a whole number of bytes expected, got %v", v)
		}
		return strconv.FormatInt(int64(v), 10), nil
	case lua.LString:
		s := string(v)
		num := strings.TrimRight(s, "kKmMgGtTpPeE%")
		if _, err := strconv.ParseUint(num, 10, 64); err != nil || len(s)-len(num) > 1 {
			return "", fmt.Errorf("size like 65536, \"64m\", \"1g\" or \"50%%\" expected, got %s", engine.Quote(s))
		}
		return s, nil
	}
	return "", fmt.Errorf("number or string expected, got %s", engine.TypeName(v))
}

// NoMode is the mode of a spec that names none.
const NoMode = -1

// ModeValue reads a permission mode: a number (Lua has no octal literals, so
// 493 or tonumber("755", 8)) or an octal string ("755", "1777"); nil is
// NoMode. 0 is a mode like any other (no permissions at all).
func ModeValue(v lua.LValue) (int, error) {
	switch v := v.(type) {
	case *lua.LNilType:
		return NoMode, nil
	case lua.LNumber:
		if v < 0 || v > 0o7777 || float64(v) != float64(int64(v)) {
			return 0, fmt.Errorf("mode between 0 and 4095 (0o7777) expected, got %v", v)
		}
		return int(v), nil
	case lua.LString:
		m, err := strconv.ParseUint(string(v), 8, 32)
		if err != nil || m > 0o7777 {
			return 0, fmt.Errorf("octal mode like \"755\" expected, got %s", engine.Quote(string(v)))
		}
		return int(m), nil
	}
	return 0, fmt.Errorf("number or octal string expected, got %s", engine.TypeName(v))
}

// SplitOptions separates a mount -o string ("ro,nosuid,size=64m,mode=755")
// into flag words and the file-system data that remains.
func SplitOptions(opts string) (Flags, string) {
	var f Flags
	var data []string
	for _, w := range strings.Split(opts, ",") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		if ff, err := ParseFlags(w); err == nil {
			f.Set = f.Set&^ff.Clear | ff.Set
			f.Clear = f.Clear&^ff.Set | ff.Clear
			continue
		}
		data = append(data, w)
	}
	return f, strings.Join(data, ",")
}
