package cloud

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// countingAPI answers every call with a body naming the call and counts
// what reached it; fail makes chosen calls fail.
type countingAPI struct {
	mu    sync.Mutex
	calls map[string]int
	fail  func(action string, n int) error
	gate  chan struct{} // when set, every call waits for it
}

func (c *countingAPI) Call(ctx context.Context, product, action string, params map[string]string) ([]byte, error) {
	if c.gate != nil {
		<-c.gate
	}
	c.mu.Lock()
	c.calls[action]++
	n := c.calls[action]
	c.mu.Unlock()
	if c.fail != nil {
		if err := c.fail(action, n); err != nil {
			return nil, err
		}
	}
	return []byte(fmt.Sprintf(`{"Action":%q,"Id":%q}`, action, params["InstanceId"]+params["GroupId"])), nil
}

func (c *countingAPI) count(action string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[action]
}

func newCounting() *countingAPI { return &countingAPI{calls: map[string]int{}} }

func fastLimiter() *Limiter { return NewLimiter(LimiterOptions{MaxRPS: 1000}) }

// A read made by many callers at once reaches the cloud once; they all
// get the same answer, each its own copy.
func TestSharedReadsOnce(t *testing.T) {
	api := newCounting()
	api.gate = make(chan struct{})
	lim := fastLimiter()
	s := NewShared(api, lim)
	ctx := context.Background()
	var wg sync.WaitGroup
	bodies := make([]string, 8)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := s.Call(ctx, ProductCloudAPI, "DescribeInstances", map[string]string{"InstanceId": "i-1"})
			if err != nil {
				t.Error(err)
			}
			bodies[i] = string(b)
		}()
	}
	close(api.gate)
	wg.Wait()
	if n := api.count("DescribeInstances"); n != 1 {
		t.Errorf("DescribeInstances reached the cloud %d times, want 1", n)
	}
	for i, b := range bodies {
		if b != `{"Action":"DescribeInstances","Id":"i-1"}` {
			t.Errorf("caller %d got %q", i, b)
		}
	}
	// Other parameters are another read.
	if _, err := s.Call(ctx, ProductCloudAPI, "DescribeInstances", map[string]string{"InstanceId": "i-2"}); err != nil {
		t.Fatal(err)
	}
	if n := api.count("DescribeInstances"); n != 2 {
		t.Errorf("DescribeInstances of a second instance: %d calls, want 2", n)
	}
	st := lim.Stats()
	if st.Sent != 2 || st.Hits != 7 || st.Throttles != 0 {
		t.Errorf("stats %+v, want 2 sent, 7 hits, 0 throttled", st)
	}
}

// A failed read is not kept: the retry reaches the cloud again. Writes are
// never kept. Forget drops a group's reads.
func TestSharedFailuresWritesForget(t *testing.T) {
	api := newCounting()
	api.fail = func(action string, n int) error {
		if action == "DescribeApiGroup" && n == 1 {
			return &APIError{Call: action, Code: "InternalError"}
		}
		return nil
	}
	s := NewShared(api, fastLimiter())
	ctx := context.Background()
	g := map[string]string{"GroupId": "g1"}
	if _, err := s.Call(ctx, ProductCloudAPI, "DescribeApiGroup", g); err == nil {
		t.Fatal("first DescribeApiGroup: want the InternalError")
	}
	for range 3 {
		if _, err := s.Call(ctx, ProductCloudAPI, "DescribeApiGroup", g); err != nil {
			t.Fatal(err)
		}
	}
	if n := api.count("DescribeApiGroup"); n != 2 {
		t.Errorf("DescribeApiGroup: %d calls, want 2 (the failure, then one read kept)", n)
	}
	for range 2 {
		s.Call(ctx, ProductCloudAPI, "ModifyApiGroupInstance", g)
	}
	if n := api.count("ModifyApiGroupInstance"); n != 2 {
		t.Errorf("ModifyApiGroupInstance: %d calls, want 2 (writes pass through)", n)
	}
	s.Forget("GroupId", "g1")
	s.Call(ctx, ProductCloudAPI, "DescribeApiGroup", g)
	if n := api.count("DescribeApiGroup"); n != 3 {
		t.Errorf("DescribeApiGroup after Forget: %d calls, want 3", n)
	}
}

// Throttling halves the rate for everyone (once per second of throttled
// answers), a calm run grows it back by a tenth of the maximum, and the
// rate never leaves [MinRPS, MaxRPS].
func TestLimiterBacksOffAndRecovers(t *testing.T) {
	lim := NewLimiter(LimiterOptions{MaxRPS: 10, MinRPS: 1, RecoverAfter: 5})
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	lim.clock = func() time.Time { return now }
	throttled := &APIError{Call: "DescribeApis", Code: "Throttling.User", HTTPStatus: 400}
	rps := func() float64 { return lim.Stats().RPS }
	lim.adapt(throttled)
	lim.adapt(throttled) // the same burst: no second cut
	if got := rps(); got != 5 {
		t.Fatalf("after one burst of throttling: %v calls/s, want 5", got)
	}
	now = now.Add(time.Second)
	lim.adapt(&APIError{Code: "HTTP429"})
	now = now.Add(time.Second)
	lim.adapt(throttled)
	now = now.Add(time.Second)
	lim.adapt(throttled)
	if got := rps(); got != 1 {
		t.Fatalf("after four cuts: %v calls/s, want the floor 1", got)
	}
	for range 4 {
		lim.adapt(nil)
	}
	if got := rps(); got != 1 {
		t.Fatalf("after 4 calm answers: %v, want 1 still", got)
	}
	lim.adapt(nil)
	if got := rps(); got != 2 {
		t.Fatalf("after 5 calm answers: %v, want 2", got)
	}
	for range 100 {
		lim.adapt(nil)
	}
	if got := rps(); got != 10 {
		t.Fatalf("after a long calm: %v, want the maximum 10", got)
	}
	lim.adapt(&APIError{Code: "InternalError"})
	if got, n := rps(), lim.Stats().Throttles; got != 10 || n != 5 {
		t.Fatalf("another error: %v calls/s and %d throttles, want 10 and 5", got, n)
	}
	if Throttled(errors.New("Throttling")) {
		t.Error("a plain error is not the cloud's flow control")
	}
}

// The pool makes at most one call per client at once and gives every
// client back.
func TestPool(t *testing.T) {
	a, b := newCounting(), newCounting()
	p := NewPool(a, b)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.Call(context.Background(), ProductCloudAPI, "DescribeApis", nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := a.count("DescribeApis") + b.count("DescribeApis"); n != 10 {
		t.Errorf("%d calls, want 10", n)
	}
	if len(p.free) != 2 {
		t.Errorf("%d clients free after the calls, want 2", len(p.free))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	<-p.free
	<-p.free
	if _, err := p.Call(ctx, ProductCloudAPI, "DescribeApis", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("no free client and a cancelled context: %v", err)
	}
}
