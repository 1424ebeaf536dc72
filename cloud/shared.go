package cloud

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

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

// SharedOptions configure a Shared reader.
type SharedOptions struct {
	// MaxRPS is the rate calls are sent at, at most (default 10 per
	// second). After a Throttling answer the rate is halved for every
	// caller (down to MinRPS); it grows back by a quarter after each run
	// of RecoverAfter answers without throttling.
	MaxRPS float64
	// MinRPS is the lowest rate throttling brings it to (default 0.5).
	MinRPS float64
	// RecoverAfter is the run of unthrottled answers after which the rate
	// grows (default 10).
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
	opts  SharedOptions
	lim   *rate.Limiter

	mu      sync.Mutex
	cache   map[string]*sharedEntry
	calm    int     // answers since the last throttling or growth
	current float64 // the rate now

	sent, hits, throttles atomic.Int64
}

type sharedEntry struct {
	params map[string]string
	done   chan struct{}
	body   []byte
	err    error
}

// NewShared wraps inner (a Client, or a Pool of them).
func NewShared(inner API, opts SharedOptions) *Shared {
	if opts.MaxRPS <= 0 {
		opts.MaxRPS = 10
	}
	if opts.MinRPS <= 0 {
		opts.MinRPS = min(0.5, opts.MaxRPS)
	}
	if opts.RecoverAfter <= 0 {
		opts.RecoverAfter = 10
	}
	burst := max(1, int(opts.MaxRPS))
	return &Shared{
		inner:   inner,
		opts:    opts,
		lim:     rate.NewLimiter(rate.Limit(opts.MaxRPS), burst),
		cache:   map[string]*sharedEntry{},
		current: opts.MaxRPS,
	}
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

// Stats returns the counters so far.
func (s *Shared) Stats() SharedStats {
	s.mu.Lock()
	cur := s.current
	s.mu.Unlock()
	return SharedStats{Sent: s.sent.Load(), Hits: s.hits.Load(), Throttles: s.throttles.Load(), RPS: cur}
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
			s.hits.Add(1)
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
	if err := s.lim.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	s.sent.Add(1)
	body, err := s.inner.Call(ctx, product, action, params)
	s.adapt(err)
	return body, err
}

// adapt halves the rate on a Throttling answer and grows it back after a
// calm run.
func (s *Shared) adapt(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if Throttled(err) {
		s.throttles.Add(1)
		s.calm = 0
		s.current = max(s.opts.MinRPS, s.current/2)
		s.lim.SetLimit(rate.Limit(s.current))
		return
	}
	if err != nil || s.current >= s.opts.MaxRPS {
		return
	}
	if s.calm++; s.calm >= s.opts.RecoverAfter {
		s.calm = 0
		s.current = min(s.opts.MaxRPS, s.current*1.25)
		s.lim.SetLimit(rate.Limit(s.current))
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
