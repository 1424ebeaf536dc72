// Package gctune sets the garbage collector for a run that evaluates many
// inputs: few collections while the live heap is small, never more memory
// than a collection every doubling of the live heap once it is large.
//
// Evaluating a snapshot allocates a few hundred kilobytes that are garbage
// at once, while the heap that stays live (the findings kept so far) is a
// few megabytes to a few tens of them. With the default GOGC=100 the
// collector then runs every few megabytes allocated and takes a tenth of
// the CPU. Start sets GOGC=400 under a soft memory limit of Floor bytes (100 MiB), so
// small heaps collect five times less often and the peak stays under the
// floor; when the live heap grows past half the limit, the limit follows
// at twice the live heap, the default collector's own bound, so a large
// run never collects back to back against a fixed limit.
//
// A GOGC or GOMEMLIMIT set in the environment is the user's choice, and
// Start leaves the collector alone.
package gctune

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

const (
	// Percent is GOGC while the live heap is small.
	Percent = 400
	// Floor is the soft memory limit while the live heap is under half of it.
	Floor = 100 << 20
	// every is how often the live heap is read.
	every = 250 * time.Millisecond
)

// Limit is the soft memory limit for a live heap of live bytes: Floor, or
// twice the live heap once that is larger.
func Limit(live uint64) int64 {
	return max(Floor, 2*int64(live))
}

// Start tunes the collector unless getenv("GOGC") or getenv("GOMEMLIMIT")
// is set, and returns the function that restores the settings it found.
func Start(getenv func(string) string) (stop func()) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	oldPercent := debug.SetGCPercent(Percent)
	oldLimit := debug.SetMemoryLimit(Floor)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		limit := int64(Floor)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				return
			}
			if l := Limit(sample[0].Value.Uint64()); l != limit {
				limit = l
				debug.SetMemoryLimit(limit)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
			debug.SetGCPercent(oldPercent)
			debug.SetMemoryLimit(oldLimit)
		})
	}
}
