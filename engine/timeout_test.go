package engine

import (
	"math"
	"testing"
	"time"
)

// A timeout beyond what a Duration holds means "as long as it takes": the
// plain conversion wrapped 1e300 and +inf around to negative durations,
// which expire at once.
func TestSecondsSaturates(t *testing.T) {
	for _, c := range []struct {
		s    float64
		want time.Duration
	}{
		{0, 0}, {1.5, 1500 * time.Millisecond}, {1e9, 1e9 * time.Second},
		{1e10, math.MaxInt64}, {1e300, math.MaxInt64}, {math.Inf(1), math.MaxInt64},
	} {
		if got := Seconds(c.s); got != c.want {
			t.Errorf("Seconds(%g) = %v, want %v", c.s, got, c.want)
		}
	}
}
