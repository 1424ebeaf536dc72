package cloud

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// RetryPolicy bounds the retries of one cloud call: jittered exponential
// backoff, at most MaxAttempts tries and MaxElapsed in total. It is the one
// retry loop of the tool: the collection's reads and the migrator's write
// and reads all run through Do.
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 disables retries.
	MaxAttempts int
	// Base is the first backoff; it doubles per retry up to Cap.
	Base, Cap time.Duration
	// MaxElapsed bounds the time spent on one call including its retries
	// and the last try: a request still in flight when it runs out is
	// abandoned (CodeTimeout), and no retry starts whose backoff would end
	// past it.
	MaxElapsed time.Duration
	// Jitter returns a number in [0, 1); nil uses math/rand.
	Jitter func() float64
	// NoJitter makes every wait exactly Base, doubling up to Cap.
	NoJitter bool
	// RetryIf tells which errors are worth another try; nil uses Retryable.
	// A write sets it to what proves the request was not applied.
	RetryIf func(error) bool
	// Sleep waits d or until ctx is done; nil uses a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultRetry is used when a Request sets no policy.
var DefaultRetry = RetryPolicy{
	MaxAttempts: 5,
	Base:        500 * time.Millisecond,
	Cap:         8 * time.Second,
	MaxElapsed:  90 * time.Second,
}

// retryableCodes are the API error codes worth another try. Classification
// is by Code, never by HTTP status: Throttling.User comes with 400.
var retryableCodes = map[string]bool{
	"Throttling":            true,
	"Throttling.User":       true,
	"Throttling.Api":        true,
	"ServiceUnavailable":    true,
	"InternalError":         true,
	"InternalServerError":   true,
	CodeTimeout:             true,
	CodeTransport:           true,
	CodeMalformedResponse:   true,
	"SDK.ServerUnreachable": true,
	"HTTP429":               true,
}

// Retryable reports whether err is worth another try: throttling, service
// unavailable, internal errors, timeouts, broken connections and broken
// response bodies (cut or stalled while read). An error page without an
// API code and a 5xx or 429 status (a proxy's HTML 502: Code HTTP502)
// counts as retryable too.
func Retryable(err error) bool {
	ae, ok := AsAPIError(err)
	if !ok {
		return false
	}
	if ae.credential {
		return false
	}
	if retryableCodes[ae.Code] || strings.HasPrefix(ae.Code, "Throttling.") {
		return true
	}
	if httpCode(ae.Code) && ae.Code >= "HTTP500" && ae.Code <= "HTTP599" {
		return true
	}
	return ae.Code == "" && ae.HTTPStatus >= 500
}

// Backoff is the wait before retry n (1-based): Base doubled n-1 times,
// at most Cap; half of it fixed, half jitter (unless NoJitter), so waits
// grow even with unlucky jitter.
func (p RetryPolicy) Backoff(n int) time.Duration {
	d := p.Base
	for i := 1; i < n && d < p.Cap; i++ {
		d *= 2
	}
	if p.Cap > 0 && d > p.Cap {
		d = p.Cap
	}
	if p.NoJitter {
		return d
	}
	j := rand.Float64
	if p.Jitter != nil {
		j = p.Jitter
	}
	return d/2 + time.Duration(j()*float64(d/2))
}

func (p RetryPolicy) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	return Sleep(ctx, d)
}

// Sleep waits d, or until ctx is done (then it returns ctx.Err()).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Do runs fn until it succeeds, fails for good (RetryIf), or the policy is
// spent.
// fn gets a context that ends when MaxElapsed has passed since the first
// try; a try cut short by it ends the call with a CodeTimeout *APIError
// (while ctx's own end is returned as ctx.Err()). notify (may be nil)
// hears about each retry. The last error is returned; an *APIError records
// how many tries were made.
func (p RetryPolicy) Do(ctx context.Context, action string, notify func(err error, attempt int, wait time.Duration), fn func(ctx context.Context) error) error {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 1
	}
	start := time.Now()
	callCtx := ctx
	if p.MaxElapsed > 0 {
		var cancel context.CancelFunc
		callCtx, cancel = context.WithDeadline(ctx, start.Add(p.MaxElapsed))
		defer cancel()
	}
	for attempt := 1; ; attempt++ {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		err := fn(callCtx)
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && callCtx.Err() != nil {
			ae, ok := AsAPIError(err)
			msg := fmt.Sprintf("no answer within %s, the time one call may take with its retries", p.MaxElapsed)
			if ok && ae.Code != "" && !errors.Is(err, context.DeadlineExceeded) {
				msg += fmt.Sprintf(" (last try: %s)", ae.Code)
			}
			return &APIError{Call: action, Code: CodeTimeout, Kind: KindAmbiguous, Message: msg, Attempts: attempt}
		}
		retry := Retryable
		if p.RetryIf != nil {
			retry = p.RetryIf
		}
		if err == nil || !retry(err) {
			return err
		}
		wait := p.Backoff(attempt)
		if attempt >= p.MaxAttempts || (p.MaxElapsed > 0 && time.Since(start)+wait > p.MaxElapsed) {
			if ae, ok := AsAPIError(err); ok {
				ae.Attempts = attempt
			}
			return err
		}
		if notify != nil {
			notify(err, attempt, wait)
		}
		if serr := p.sleep(ctx, wait); serr != nil {
			return serr
		}
	}
}
