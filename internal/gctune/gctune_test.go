package gctune

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestLimit(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, Floor},
		{20 << 20, Floor},
		{Floor / 2, Floor},
		{Floor/2 + 1, Floor + 2},
		{300 << 20, 600 << 20},
	} {
		if got := Limit(c.live); got != c.want {
			t.Errorf("Limit(%d) = %d, want %d", c.live, got, c.want)
		}
	}
}

// Start sets GOGC and the soft limit and stop restores what it found; a
// GOGC or GOMEMLIMIT in the environment leaves the collector alone.
func TestStartAndStop(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))

	stop := Start(func(string) string { return "" })
	if got := debug.SetGCPercent(Percent); got != Percent {
		t.Errorf("GOGC while tuned = %d, want %d", got, Percent)
	}
	if got := debug.SetMemoryLimit(-1); got != Floor {
		t.Errorf("memory limit while tuned = %d, want %d", got, Floor)
	}
	stop()
	stop() // a second stop is harmless
	if got := debug.SetGCPercent(-1); got != 100 {
		t.Errorf("GOGC after stop = %d, want 100", got)
	}
	debug.SetGCPercent(100)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit after stop = %d, want none", got)
	}

	for _, name := range []string{"GOGC", "GOMEMLIMIT"} {
		stop := Start(func(k string) string {
			if k == name {
				return "50"
			}
			return ""
		})
		if got := debug.SetGCPercent(-1); got != 100 {
			t.Errorf("with %s set, GOGC = %d, want it left at 100", name, got)
		}
		debug.SetGCPercent(100)
		stop()
	}
}
