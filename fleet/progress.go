package fleet

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
)

// Progress counts an audit's pairs as they are collected and evaluated,
// for people watching: a live line on a terminal, a plain line now and
// then elsewhere. Nothing parses it.
type Progress struct {
	total                int64
	collected, evaluated atomic.Int64
	start                time.Time
	// Stats gives the cloud reader's counters; nil shows none.
	Stats func() cloud.SharedStats
}

// NewProgress starts counting now.
func NewProgress(stats func() cloud.SharedStats) *Progress {
	return &Progress{start: time.Now(), Stats: stats}
}

func (p *Progress) setTotal(n int) { atomic.StoreInt64(&p.total, int64(n)) }

// Line is the progress now: pairs collected and evaluated, cloud calls,
// throttled answers, the rate, and the time left at the pace so far.
func (p *Progress) Line() string {
	total := atomic.LoadInt64(&p.total)
	done := p.evaluated.Load()
	s := fmt.Sprintf("audit: %d/%d pairs collected, %d/%d evaluated", p.collected.Load(), total, done, total)
	if p.Stats != nil {
		st := p.Stats()
		s += fmt.Sprintf(", %d calls (%d answered from earlier reads), %d throttled, %.3g calls/s allowed", st.Sent, st.Hits, st.Throttles, st.RPS)
	}
	if done > 0 && done < total {
		el := time.Since(p.start)
		eta := time.Duration(float64(el) / float64(done) * float64(total-done))
		s += ", ETA " + eta.Round(time.Second).String()
	}
	return s
}

// Show writes the line to w until stop is called: rewritten in place
// every tick on a terminal (tty), else a plain line every interval. stop
// ends the display (a terminal's line is finished with a newline).
func (p *Progress) Show(ctx context.Context, w io.Writer, tty bool, interval time.Duration) (stop func()) {
	tick := interval
	if tty {
		tick = 250 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				if tty {
					fmt.Fprintf(w, "\r\x1b[K%s\n", p.Line())
				}
				return
			case <-t.C:
				if tty {
					fmt.Fprintf(w, "\r\x1b[K%s", p.Line())
				} else {
					fmt.Fprintln(w, p.Line())
				}
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}
