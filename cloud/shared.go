package cloud

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/apigw-preflight/apigw-preflight/cloud/calls"
)

// Pool is an API over several clients, one call in flight on each: a
// Client makes one call at a time, so an audit reading with N workers
// holds N clients. It is safe for concurrent use.
type Pool struct{ free chan API }

// NewPool makes a pool of the clients.
func NewPool(clients ...API) *Pool {
	p := &Pool{free: make(chan API, len(clients))}
	for _, c := range clients {
		p.free <- c
	}
	return p
}

// Call waits for a free client and makes the call on it.
func (p *Pool) Call(ctx context.Context, product, action string, params map[string]string) ([]byte, error) {
	var c API
	select {
	case c = <-p.free:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { p.free <- c }()
	return c.Call(ctx, product, action, params)
}

// LimiterOptions configure a Limiter.
type LimiterOptions struct {
	// MaxRPS is the rate calls are sent at, at most (default 10 per
	// second). A Throttling answer halves the rate for every caller (down
	// to MinRPS; at most once a second, as the answers of calls sent
	// together arrive together); it grows back by a tenth of MaxRPS after
	// each run of RecoverAfter answers without throttling.
	MaxRPS float64
	// MinRPS is the lowest rate throttling brings it to (default 0.5).
	MinRPS float64
	// RecoverAfter is the run of unthrottled answers after which the rate
	// grows (default 5).
	RecoverAfter int
}

// Shared is the reader of an audit: every collection goes through it. It
// sends the calls through one rate limit that slows down for every caller
// when the cloud throttles, and makes each distinct read (same action and
// parameters) once: an instance, its network interfaces (part of the
// instance's answer), a security group, a group read for several
// destinations. Concurrent callers of one read wait for the first. A
// failed read is not kept: the next caller (a retry) sends it again. Write
// calls pass through, never cached. It is safe for concurrent use.
type Shared struct {
	inner API
	lim   *Limiter

	mu    sync.Mutex
	cache map[string]*sharedEntry
}

// Limiter is the rate calls are sent at, shared by every reader of an
// audit (one per region): it halves when the cloud throttles and grows
// back when it stops. It is safe for concurrent use.
type Limiter struct {
	opts LimiterOptions
	lim  *rate.Limiter

	mu      sync.Mutex
	calm    int       // answers since the last throttling or growth
	current float64   // the rate now
	cut     time.Time // when the rate was last halved
	clock   func() time.Time

	sent, hits, throttles atomic.Int64
}

type sharedEntry struct {
	params map[string]string
	done   chan struct{}
	body   []byte
	err    error
}

// NewLimiter makes a limiter.
func NewLimiter(opts LimiterOptions) *Limiter {
	if opts.MaxRPS <= 0 {
		opts.MaxRPS = 10
	}
	if opts.MinRPS <= 0 {
		opts.MinRPS = min(0.5, opts.MaxRPS)
	}
	if opts.RecoverAfter <= 0 {
		opts.RecoverAfter = 5
	}
	return &Limiter{opts: opts, lim: rate.NewLimiter(rate.Limit(opts.MaxRPS), max(1, int(opts.MaxRPS))), current: opts.MaxRPS, clock: time.Now}
}

// NewShared wraps inner (a Client, or a Pool of them) under lim.
func NewShared(inner API, lim *Limiter) *Shared {
	return &Shared{inner: inner, lim: lim, cache: map[string]*sharedEntry{}}
}

// SharedStats count what a Shared reader did.
type SharedStats struct {
	// Sent counts the calls sent to the cloud, retries included.
	Sent int64
	// Hits counts the reads answered from what an earlier call read.
	Hits int64
	// Throttles counts the answers that were Throttling.
	Throttles int64
	// RPS is the rate calls are sent at now.
	RPS float64
}

// Stats returns the counters so far, of every reader under l.
func (l *Limiter) Stats() SharedStats {
	l.mu.Lock()
	cur := l.current
	l.mu.Unlock()
	return SharedStats{Sent: l.sent.Load(), Hits: l.hits.Load(), Throttles: l.throttles.Load(), RPS: cur}
}

// Call answers a read from the cache, or sends it under the rate limit.
func (s *Shared) Call(ctx context.Context, product, action string, params map[string]string) ([]byte, error) {
	if c, ok := calls.Lookup(action); !ok || c.Write {
		return s.send(ctx, product, action, params)
	}
	key := cacheKey(product, action, params)
	for {
		s.mu.Lock()
		e, ok := s.cache[key]
		if !ok {
			e = &sharedEntry{params: cloneParams(params), done: make(chan struct{})}
			s.cache[key] = e
			s.mu.Unlock()
			return s.lead(ctx, key, e, product, action, params)
		}
		s.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err == nil {
			s.lim.hits.Add(1)
			return slices.Clone(e.body), nil
		}
		// The first caller's own context ended: this caller reads itself.
		if ctxErr(e.err) && ctx.Err() == nil {
			continue
		}
		return nil, e.err
	}
}

// lead makes the read others wait for.
func (s *Shared) lead(ctx context.Context, key string, e *sharedEntry, product, action string, params map[string]string) ([]byte, error) {
	e.body, e.err = s.send(ctx, product, action, params)
	if e.err != nil {
		s.mu.Lock()
		delete(s.cache, key)
		s.mu.Unlock()
	}
	close(e.done)
	if e.err != nil {
		return nil, e.err
	}
	return slices.Clone(e.body), nil
}

func ctxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Forget drops the kept answers of the reads whose parameter name has
// value (e.g. GroupId), when no later read will need them.
func (s *Shared) Forget(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.cache {
		if e.params[name] == value {
			select {
			case <-e.done:
				delete(s.cache, k)
			default:
			}
		}
	}
}

func (s *Shared) send(ctx context.Context, product, action string, params map[string]string) ([]byte, error) {
	if err := s.lim.lim.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	s.lim.sent.Add(1)
	body, err := s.inner.Call(ctx, product, action, params)
	s.lim.adapt(err)
	return body, err
}

// adapt halves the rate on a Throttling answer (once a second at most)
// and grows it back by a tenth of the maximum after a calm run.
func (l *Limiter) adapt(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if Throttled(err) {
		l.throttles.Add(1)
		l.calm = 0
		if now := l.clock(); now.Sub(l.cut) >= time.Second {
			l.cut = now
			l.current = max(l.opts.MinRPS, l.current/2)
			l.lim.SetLimit(rate.Limit(l.current))
		}
		return
	}
	if err != nil || l.current >= l.opts.MaxRPS {
		return
	}
	if l.calm++; l.calm >= l.opts.RecoverAfter {
		l.calm = 0
		l.current = min(l.opts.MaxRPS, l.current+l.opts.MaxRPS/10)
		l.lim.SetLimit(rate.Limit(l.current))
	}
}

// Throttled reports whether err is the cloud's flow control: a
// Throttling code (Throttling, Throttling.User, ...) or HTTP 429.
func Throttled(err error) bool {
	ae, ok := AsAPIError(err)
	if !ok {
		return false
	}
	return ae.Code == "Throttling" || strings.HasPrefix(ae.Code, "Throttling.") || ae.Code == "HTTP429" || ae.HTTPStatus == 429
}

func cacheKey(product, action string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(product + "\x00" + action)
	for _, k := range keys {
		b.WriteString("\x00" + k + "=" + params[k])
	}
	return b.String()
}

func cloneParams(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
