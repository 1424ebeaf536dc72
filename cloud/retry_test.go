package cloud

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&APIError{Code: "Throttling", HTTPStatus: 400}, true},
		{&APIError{Code: "Throttling.User", HTTPStatus: 400}, true},
		{&APIError{Code: "Throttling.Api", HTTPStatus: 503}, true},
		{&APIError{Code: "ServiceUnavailable", HTTPStatus: 503}, true},
		{&APIError{Code: "InternalError", HTTPStatus: 500}, true},
		{&APIError{Code: CodeTimeout}, true},
		{&APIError{Code: CodeTransport}, true},
		{&APIError{Code: CodeMalformedResponse, HTTPStatus: 200}, true},
		{&APIError{Code: "", HTTPStatus: 502}, true}, // a proxy's HTML page
		{&APIError{Code: "HTTP502", HTTPStatus: 502}, true},
		{&APIError{Code: "HTTP504", HTTPStatus: 504}, true},
		{&APIError{Code: "HTTP429", HTTPStatus: 429}, true},
		{&APIError{Code: "HTTP404", HTTPStatus: 404}, false},
		{&APIError{Code: CodeResponseTooLarge}, false},
		{&APIError{Code: "Forbidden.RAM", HTTPStatus: 403}, false},
		{&APIError{Code: "InvalidAction", HTTPStatus: 500}, false}, // by Code, not status
		{&APIError{Code: "SignatureDoesNotMatch", HTTPStatus: 400, credential: true}, false},
		{&APIError{Code: "InvalidAccessKeyId.NotFound", HTTPStatus: 404}, false},
		{&APIError{Code: CodeTLS}, false},
		{errors.New("plain"), false},
		{context.Canceled, false},
	} {
		if got := Retryable(tc.err); got != tc.want {
			t.Errorf("Retryable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{Base: 100 * time.Millisecond, Cap: 1 * time.Second}
	for _, tc := range []struct {
		n        int
		jitter   float64
		min, max time.Duration
	}{
		{1, 0, 50 * time.Millisecond, 50 * time.Millisecond},
		{1, 0.999, 50 * time.Millisecond, 100 * time.Millisecond},
		{3, 0, 200 * time.Millisecond, 200 * time.Millisecond},
		{10, 0.999, 500 * time.Millisecond, time.Second},
	} {
		p.Jitter = func() float64 { return tc.jitter }
		if d := p.Backoff(tc.n); d < tc.min || d > tc.max {
			t.Errorf("Backoff(%d, jitter %v) = %v, want %v..%v", tc.n, tc.jitter, d, tc.min, tc.max)
		}
	}
}

func TestBackoffWithoutJitter(t *testing.T) {
	p := RetryPolicy{Base: 100 * time.Millisecond, Cap: 350 * time.Millisecond, NoJitter: true}
	for n, want := range []time.Duration{100, 200, 350, 350} {
		if d := p.Backoff(n + 1); d != want*time.Millisecond {
			t.Errorf("Backoff(%d) = %v, want %v", n+1, d, want*time.Millisecond)
		}
	}
}

func TestRetryIf(t *testing.T) {
	only := func(err error) bool { return err.Error() == "again" }
	p := RetryPolicy{MaxAttempts: 5, NoJitter: true, RetryIf: only, Sleep: func(context.Context, time.Duration) error { return nil }}
	tries := 0
	err := p.Do(context.Background(), "Test", nil, func(context.Context) error {
		tries++
		if tries < 3 {
			return errors.New("again")
		}
		return &APIError{Code: "Throttling"} // retryable by default, not by RetryIf
	})
	if tries != 3 || err == nil || err.Error() != "Throttling" {
		t.Errorf("tries %d, err %v; want 3 and the Throttling error, not retried", tries, err)
	}
}

func TestRetryDo(t *testing.T) {
	var waits []time.Duration
	p := RetryPolicy{MaxAttempts: 5, Base: time.Second, Cap: 4 * time.Second, Jitter: func() float64 { return 0 },
		Sleep: func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() }}
	tries := 0
	err := p.Do(context.Background(), "Test", nil, func(context.Context) error {
		tries++
		return &APIError{Code: "Throttling"}
	})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Attempts != 5 || tries != 5 {
		t.Errorf("err = %v, tries = %d", err, tries)
	}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 2 * time.Second}
	if len(waits) != len(want) {
		t.Fatalf("waits = %v, want %v", waits, want)
	}
	for i := range want {
		if waits[i] != want[i] {
			t.Errorf("waits = %v, want %v", waits, want)
		}
	}

	// A permanent error is returned at once.
	tries = 0
	err = p.Do(context.Background(), "Test", nil, func(context.Context) error { tries++; return &APIError{Code: "Forbidden.RAM"} })
	if tries != 1 || err == nil {
		t.Errorf("permanent error: tries = %d, err = %v", tries, err)
	}

	// The total time bound stops retries whose wait would end past it.
	p.MaxElapsed = 1200 * time.Millisecond
	p.Sleep = nil
	p.Base, p.Cap = time.Millisecond, time.Millisecond
	tries = 0
	start := time.Now()
	// Wide margins, so a loaded machine does not change the count: the
	// first try ends at 600 ms, well inside the bound, so one retry starts;
	// the second ends past it, so no third.
	p.MaxElapsed = time.Second
	_ = p.Do(context.Background(), "Test", nil, func(context.Context) error {
		tries++
		time.Sleep(600 * time.Millisecond)
		return &APIError{Code: "Throttling"}
	})
	if tries != 2 || time.Since(start) > 10*time.Second {
		t.Errorf("MaxElapsed: tries = %d after %s", tries, time.Since(start))
	}

	// Sleep honours ctx.
	ctx, cancel := context.WithCancel(context.Background())
	p = RetryPolicy{MaxAttempts: 3, Base: time.Hour, Cap: time.Hour}
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	start = time.Now()
	err = p.Do(ctx, "Test", nil, func(context.Context) error { return &APIError{Code: "Throttling"} })
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("cancel: err = %v after %s", err, time.Since(start))
	}
}

func TestParseQPS(t *testing.T) {
	for _, tc := range []struct {
		in     string
		v      float64
		ok     bool
		hasErr bool
	}{
		{"120.5", 120.5, true, false},
		{" 800 ", 800, true, false},
		{"0", 0, true, false},
		{"", 0, false, false},
		{"  ", 0, false, false},
		{"-1", 0, false, true},
		{"NaN", 0, false, true},
		{"Inf", 0, false, true},
		{"1e400", 0, false, true},
		{"fast", 0, false, true},
	} {
		v, ok, err := ParseQPS(tc.in)
		if v != tc.v || ok != tc.ok || (err != nil) != tc.hasErr {
			t.Errorf("ParseQPS(%q) = %v, %v, %v", tc.in, v, ok, err)
		}
	}
}
