// Command bench measures nslua against the tools people would otherwise use
// (lua5.4, unshare, ip, bwrap, crun, ...) in one run on this machine and writes
// the medians and ratios to docs/BENCHMARKS.md. Run it with `make bench`.
//
// Each area adds a file with an init function that calls register. Timings
// live here and only here: tests never assert them.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Bench is one benchmark section of docs/BENCHMARKS.md.
type Bench struct {
	Name  string // sorts the sections: "01-startup"
	Title string
	// Run measures and returns the section's Markdown body (tables, notes).
	Run func(env *Env) (string, error)
}

var benches []Bench

func register(b Bench) { benches = append(benches, b) }

// Env is what a benchmark gets: the binary under test and scratch space.
type Env struct {
	Bin     string // nslua
	Dir     string // a scratch directory, removed afterwards
	Quick   bool   // fewer repetitions (for a smoke run)
	Repeats int
}

func main() {
	out := flag.String("o", "", "write the report to this file (default stdout)")
	run := flag.String("run", "", "only benchmarks whose name matches this regexp")
	quick := flag.Bool("quick", false, "few repetitions: check that benchmarks work, not their numbers")
	flag.Parse()
	bin := os.Getenv("NSLUA_BIN")
	if bin == "" {
		bin = "./nslua"
	}
	bin, _ = filepath.Abs(bin)
	dir, err := os.MkdirTemp("", "nslua-bench-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)
	env := &Env{Bin: bin, Dir: dir, Quick: *quick, Repeats: 30}
	if *quick {
		env.Repeats = 3
	}
	re := regexp.MustCompile(*run)
	sort.Slice(benches, func(i, j int) bool { return benches[i].Name < benches[j].Name })

	var b strings.Builder
	fmt.Fprintf(&b, "# nslua benchmarks\n\n")
	fmt.Fprintf(&b, "Measured on %s, %s, %d cores, kernel %s, %s.\n", time.Now().UTC().Format("2006-01-02"),
		runtime.GOARCH, runtime.NumCPU(), strings.TrimSpace(output("uname", "-r")), runtime.Version())
	fmt.Fprintf(&b, "Every number below comes from the same run of `make bench` (equivalently\n"+
		"`NSLUA_BIN=./nslua go run ./bench -o docs/BENCHMARKS.md`); ratios compare nslua with a\n"+
		"baseline measured in that run, and medians are over the repetitions shown.\n\n")
	for _, bn := range benches {
		if !re.MatchString(bn.Name) {
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: %s\n", bn.Name)
		body, err := bn.Run(env)
		if err != nil {
			body = fmt.Sprintf("**failed:** %v\n", err)
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", bn.Name, err)
		}
		fmt.Fprintf(&b, "## %s\n\n%s\n", bn.Title, strings.TrimSpace(body)+"\n")
	}
	if *out == "" {
		fmt.Print(b.String())
		return
	}
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func output(name string, args ...string) string {
	out, _ := exec.Command(name, args...).Output()
	return string(out)
}

// TimeCmd runs argv n times and returns the wall time of each run. A failing
// run is an error: a benchmark of something broken measures nothing.
func TimeCmd(n int, argv ...string) ([]time.Duration, error) {
	var ds []time.Duration
	for i := 0; i < n; i++ {
		cmd := exec.Command(argv[0], argv[1:]...)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		d := time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// Median of durations.
func Median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Ms formats a duration in milliseconds with two decimals.
func Ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

// Us formats a duration in microseconds with one decimal.
func Us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/1e3) }

// Ratio formats a/b as "0.42x".
func Ratio(a, b time.Duration) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", float64(a)/float64(b))
}
