package proc

import (
	"os"
	"reflect"
	"strconv"
	"testing"
)

func TestParseStat(t *testing.T) {
	cases := []struct {
		line string
		want Stat
	}{
		{"1 (systemd) S 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 12 1000 10",
			Stat{PID: 1, PPID: 0, Comm: "systemd", State: "S", StartTime: 0.12}},
		// comm with spaces and parentheses: the last ")" ends it
		{"42 (a) b (c)) R 7 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 250 0 0",
			Stat{PID: 42, PPID: 7, Comm: "a) b (c)", State: "R", StartTime: 2.5}},
	}
	for _, c := range cases {
		got, err := ParseStat([]byte(c.line))
		if err != nil || *got != c.want {
			t.Errorf("ParseStat(%q) = %+v, %v; want %+v", c.line, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "1 systemd S", "x (a) S 0", "1 (a) S 0 1"} {
		if _, err := ParseStat([]byte(bad)); err == nil {
			t.Errorf("ParseStat(%q) accepted", bad)
		}
	}
}

func TestReadStatOfSelf(t *testing.T) {
	st, err := ReadStat(os.Getpid())
	if err != nil || st.PID != os.Getpid() || st.PPID != os.Getppid() {
		t.Fatalf("%+v %v", st, err)
	}
	if _, err := ReadStat(1 << 30); err == nil || err.Error() != "ESRCH: proc("+strconv.Itoa(1<<30)+"): no such process" {
		t.Errorf("missing pid: %v", err)
	}
}

func TestSplitCmdlineAndCgroup(t *testing.T) {
	if got := SplitCmdline([]byte("sleep\x0010\x00")); !reflect.DeepEqual(got, []string{"sleep", "10"}) {
		t.Errorf("%q", got)
	}
	if got := SplitCmdline(nil); len(got) != 0 || got == nil {
		t.Errorf("empty cmdline (a kernel thread) must be an empty list, got %#v", got)
	}
	if p := CgroupPath([]byte("4:memory:/a\n0::/user.slice/x\n")); p == nil || *p != "/user.slice/x" {
		t.Errorf("v2 path: %v", p)
	}
	if p := CgroupPath([]byte("4:memory:/a\n1:cpu:/b\n")); p == nil || *p != "/a" {
		t.Errorf("v1 fallback: %v", p)
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]int{"TERM": 15, "SIGKILL": 9, "hup": 1, "SIGUSR1": 10} {
		if s, ok := ParseSignal(in); !ok || int(s) != want {
			t.Errorf("%s: %d %v", in, s, ok)
		}
	}
	for _, bad := range []string{"", "SIG", "NOPE", "9"} {
		if _, ok := ParseSignal(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("1 (systemd) S 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 12 1000 10"))
	f.Add([]byte("42 (a) b (c)) R 7 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 250 0 0"))
	f.Add([]byte(")("))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStat(b)
		if err == nil && st.StartTime < 0 {
			t.Errorf("negative start time from %q", b)
		}
	})
}
