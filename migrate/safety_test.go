package migrate

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/report"
)

// withUndecided returns a copy of e whose first migration has one more
// finding: an undecided one of rule id.
func withUndecided(e *Evidence, id string, sev report.Severity) *Evidence {
	cp := *e
	res := *e.Result
	res.Migrations = slices.Clone(res.Migrations)
	mg := &res.Migrations[0]
	mg.Findings = append(slices.Clone(mg.Findings), report.Finding{
		RuleID: id, Severity: sev, Undecided: true, Fingerprint: "undecided-" + id,
		Message: "the data this rule needs was not collected",
	})
	cp.Result = &res
	return &cp
}

func TestUndecidedErrorRuleRefusesTheWrite(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rule     string
		accept   []string
		refused  bool
		accepted []string
	}{
		{"error rule undecided", "MIG001", nil, true, nil},
		{"another rule accepted", "MIG001", []string{"MIG004"}, true, nil},
		{"accepted by name", "MIG001", []string{"MIG004", "MIG001"}, false, []string{"MIG001"}},
		{"a note rule undecided does not stop it", "MIG013", nil, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			first := withUndecided(h.first("g-orders"), tc.rule, report.SeverityWarning)
			if !first.Passed() {
				t.Fatal("the report's gate must pass: the undecided rule alone decides")
			}
			m, out, audit := h.migrator("g-orders")
			check := m.Recheck
			m.Recheck = func(ctx context.Context) (*Evidence, error) {
				e, err := check(ctx)
				if err != nil {
					return nil, err
				}
				return withUndecided(e, tc.rule, report.SeverityWarning), nil
			}
			got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true, AcceptUndecided: tc.accept})
			rec := record(t, audit)
			if !tc.refused {
				if err != nil || got.Status != StatusSucceeded {
					t.Fatalf("err = %v, outcome %+v\n%s", err, got, out)
				}
				if n := h.srv.Calls(ActionModify); n != 1 {
					t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
				}
				wantUndecided := []string(nil)
				if len(tc.accepted) > 0 {
					wantUndecided = []string{tc.rule}
					if !strings.Contains(out.String(), "warning: in the report, rule MIG001 could not decide; going on because --accept-undecided names it") {
						t.Errorf("no warning about the accepted rule:\n%s", out)
					}
				}
				if !slices.Equal(rec.Undecided, wantUndecided) || !slices.Equal(rec.AcceptedUndecided, tc.accepted) {
					t.Errorf("audit undecided %v, accepted %v; want %v, %v", rec.Undecided, rec.AcceptedUndecided, wantUndecided, tc.accepted)
				}
				return
			}
			if kindOfErr(err) != KindRefused || got.Status != StatusRefused || got.Wrote {
				t.Fatalf("err = %v, outcome %+v", err, got)
			}
			for _, want := range []string{"not migrating group orders (g-orders), nothing was written: in the report, rule MIG001 could not decide",
				"  - MIG001: the data this rule needs was not collected", "--accept-undecided MIG001"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
			if n := h.srv.Calls(ActionModify); n != 0 {
				t.Errorf("ModifyApiGroupInstance calls = %d, want 0", n)
			}
			if n := h.recheckCount(); n != 0 {
				t.Errorf("re-checks = %d, want 0", n)
			}
			if rec.Status != StatusRefused || rec.WriteSent || !slices.Equal(rec.Undecided, []string{"MIG001"}) || len(rec.AcceptedUndecided) != 0 ||
				!strings.Contains(rec.Error, "MIG001 could not decide") {
				t.Errorf("audit = %+v", rec)
			}
		})
	}
}

// A rule that becomes undecided between the report and the re-check
// refuses the write too.
func TestUndecidedAtRecheckRefusesTheWrite(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-orders")
	m, _, audit := h.migrator("g-orders")
	check := m.Recheck
	m.Recheck = func(ctx context.Context) (*Evidence, error) {
		e, err := check(ctx)
		if err != nil {
			return nil, err
		}
		return withUndecided(e, "MIG004", report.SeverityWarning), nil
	}
	got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
	if kindOfErr(err) != KindRefused || got.Status != StatusRefused ||
		!strings.Contains(err.Error(), "in the re-check, rule MIG004 could not decide") {
		t.Fatalf("err = %v, outcome %+v", err, got)
	}
	if n := h.srv.Calls(ActionModify); n != 0 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 0", n)
	}
	if rec := record(t, audit); rec.RecheckVerdict != "pass" || !slices.Equal(rec.Undecided, []string{"MIG004"}) || rec.WriteSent {
		t.Errorf("audit = %+v", rec)
	}
}

func TestUndecidedMarkerAndMessage(t *testing.T) {
	rules := []report.Rule{{ID: "MIG001", Severity: report.SeverityError}, {ID: "MIG013", Severity: report.SeverityNote},
		{ID: "MIG015", Severity: report.SeverityWarning}, {ID: "MIG004", Severity: report.SeverityError}}
	e := &Evidence{Result: &report.Result{Rules: rules, Migrations: []report.Migration{{Findings: []report.Finding{
		{RuleID: "MIG001", Severity: report.SeverityWarning, Message: "could not check the RPS capacity of d for group g"},
		{RuleID: "MIG015", Severity: report.SeverityWarning, Message: "could not check MIG001 (rps-capacity): DescribeGroupQps failed"},
		{RuleID: "MIG013", Severity: report.SeverityNote, Undecided: true, Message: "source traffic unknown"},
		{RuleID: "MIG004", Severity: report.SeverityError, Message: "backend 10.0.0.1 does not allow 47.96.7.7"},
		{RuleID: "ORG900", Severity: report.SeverityNote, Undecided: true, Message: "an organisation rule the table lacks"},
	}}}}}
	if got := undecidedRules(e); !slices.Equal(got, []string{"MIG001", "ORG900"}) {
		t.Errorf("undecidedRules = %v, want [MIG001 ORG900]: error rules only, and an unknown rule counts as one", got)
	}
	if e.Result.Migrations[0].Findings[0].Undecided {
		t.Error("undecidedRules marked the evidence it read")
	}
}

func TestConcurrentRunsWriteOnce(t *testing.T) {
	for _, n := range []int{2, 5} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			h := newHarness(t)
			auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
			type runner struct {
				m     *Migrator
				first *Evidence
				out   *bytes.Buffer
				got   Outcome
				err   error
			}
			var rs []*runner
			for range n {
				c := h.newClient(cloud.ClientOptions{})
				first, err := h.preflightOn(c, "g-orders")(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				f, err := OpenAuditLog(auditPath)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { f.Close() })
				m, out, _ := h.migrator("g-orders")
				m.API, m.Recheck, m.Audit, m.Progress = c, h.preflightOn(c, "g-orders"), f, nil
				rs = append(rs, &runner{m: m, first: first, out: out})
			}
			var wg sync.WaitGroup
			for _, r := range rs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r.got, r.err = r.m.Run(context.Background(), r.first, Options{Target: dest, Yes: true, LockTimeout: time.Minute})
				}()
			}
			wg.Wait()
			if got := h.srv.Calls(ActionModify); got != 1 {
				t.Errorf("ModifyApiGroupInstance calls = %d, want exactly 1", got)
			}
			var statuses []string
			for _, r := range rs {
				if r.err != nil {
					t.Errorf("Run: %v\n%s", r.err, r.out)
				}
				statuses = append(statuses, string(r.got.Status))
			}
			slices.Sort(statuses)
			want := append([]string{}, slices.Repeat([]string{string(StatusAlreadyOn)}, n-1)...)
			want = append(want, string(StatusSucceeded))
			if !slices.Equal(statuses, want) {
				t.Errorf("statuses = %v, want one succeeded and %d already-on-target", statuses, n-1)
			}
			raw, err := os.ReadFile(auditPath)
			if err != nil {
				t.Fatal(err)
			}
			recs := records(t, bytes.NewBuffer(raw))
			var intents, sent int
			for _, rec := range recs {
				if rec.Status == StatusIntent {
					intents++
				}
				if rec.WriteSent {
					sent++
				}
			}
			if len(recs) != n+1 || intents != 1 || sent != 1 {
				t.Errorf("audit: %d lines, %d intents, %d outcomes with a write; want %d, 1, 1:\n%s", len(recs), intents, sent, n+1, raw)
			}
		})
	}
}

func TestLockHeldByAnotherRun(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-orders")
	m, out, audit := h.migrator("g-orders")
	// Another run holds the lock.
	path := filepath.Join(m.LockDir, lockName("cn-hangzhou", "g-orders"))
	if err := os.MkdirAll(m.LockDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("pid 4242 on ci-7 since 2026-11-19T10:00:00Z\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	held, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if err := tryLock(held); err != nil {
		t.Fatal(err)
	}
	got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true, LockTimeout: 20 * time.Millisecond})
	if kindOfErr(err) != KindFailed || got.Status != StatusBusy {
		t.Fatalf("err = %v, outcome %+v", err, got)
	}
	for _, want := range []string{"another apigw-preflight run still holds the lock " + path + ", held by pid 4242 on ci-7 since 2026-11-19T10:00:00Z after 20ms",
		"Nothing was written", "--lock-timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if !strings.Contains(out.String(), "Another apigw-preflight run holds the lock on group orders (g-orders)") {
		t.Errorf("no word about the wait:\n%s", out)
	}
	if n := h.srv.Calls(ActionModify); n != 0 || h.recheckCount() != 0 {
		t.Errorf("writes %d, re-checks %d: want none while the lock is held", n, h.recheckCount())
	}
	if rec := record(t, audit); rec.Status != StatusBusy || rec.WriteSent {
		t.Errorf("audit = %+v", rec)
	}

	// Interrupted while waiting for the lock: aborted, nothing written.
	m, _, audit = h.migrator("g-orders")
	ctx, cancel := context.WithCancel(context.Background())
	m.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	got, err = m.Run(ctx, first, Options{Target: dest, Yes: true})
	if got.Status != StatusAborted || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "aborted while waiting for the group's lock; nothing was written") {
		t.Errorf("err = %v, outcome %+v", err, got)
	}
	if rec := record(t, audit); rec.Status != StatusAborted || rec.WriteSent {
		t.Errorf("audit = %+v", rec)
	}

	// Once the other run ends, the lock is free.
	if err := unlockFile(held); err != nil {
		t.Fatal(err)
	}
	m, out, _ = h.migrator("g-orders")
	if _, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true}); err != nil {
		t.Fatalf("after the lock was released: %v\n%s", err, out)
	}
	if raw, _ := os.ReadFile(path); !strings.HasPrefix(string(raw), "pid "+strconv.Itoa(os.Getpid())+" on ") {
		t.Errorf("lock file = %q: want this process as the holder", raw)
	}
}

func TestPromptInterruptedAbortsAtOnce(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-orders")
	m, _, audit := h.migrator("g-orders")
	ctx, cancel := context.WithCancel(context.Background())
	m.Ask = func(ctx context.Context, prompt string) (string, error) {
		cancel() // Ctrl-C while the prompt waits
		<-ctx.Done()
		return "", ctx.Err()
	}
	got, err := m.Run(ctx, first, Options{Target: dest})
	if got.Status != StatusAborted || !errors.Is(err, context.Canceled) ||
		!strings.Contains(err.Error(), "aborted at the confirmation prompt; nothing was written") {
		t.Errorf("err = %v, outcome %+v", err, got)
	}
	if n := h.srv.Calls(ActionModify); n != 0 || h.recheckCount() != 0 {
		t.Errorf("writes %d, re-checks %d after an interrupted prompt", n, h.recheckCount())
	}
	if rec := record(t, audit); rec.Status != StatusAborted || rec.Consent != "interrupted" || rec.WriteSent {
		t.Errorf("audit = %+v", rec)
	}
}

// brokenAnswer lets the emulator serve r (applying the action when apply
// is set), then answers with the status and headers and half the body,
// and either closes the connection (cut) or stalls until the client gives
// up (stall).
func brokenAnswer(h *harness, w http.ResponseWriter, r *http.Request, apply, stall bool) {
	body := []byte(`{"RequestId":"5E1F0C3A-0000-4A7D-9C2B-CUTCUTCUTCUT"}`)
	if apply {
		rec := httptest.NewRecorder()
		h.srv.ServeHTTP(rec, r)
		body = rec.Body.Bytes()
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	if stall {
		<-r.Context().Done()
		return
	}
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		conn.Close()
	}
}

// frontFor answers the first n requests for action with brokenAnswer.
func frontFor(h *harness, action string, n int, apply, stall bool) {
	var mu sync.Mutex
	h.setFront(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("Action") != action {
			return false
		}
		mu.Lock()
		fire := n > 0
		n--
		mu.Unlock()
		if fire {
			brokenAnswer(h, w, r, apply, stall)
		}
		return fire
	})
}

func TestWriteAnswerBrokenAfterTheHeaders(t *testing.T) {
	for _, tc := range []struct {
		name         string
		apply, stall bool
	}{
		{"applied, body cut", true, false},
		{"applied, read timeout in the body", true, true},
		{"not applied, body cut", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			first := h.first("g-orders")
			m, out, audit := h.migrator("g-orders")
			if tc.stall {
				m.API = h.newClient(cloud.ClientOptions{ReadTimeout: 200 * time.Millisecond})
			}
			frontFor(h, ActionModify, 1, tc.apply, tc.stall)
			got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
			if n := h.srv.Calls(ActionModify); n != map[bool]int{true: 1, false: 0}[tc.apply] {
				t.Errorf("ModifyApiGroupInstance served %d times: the write must never be sent again", n)
			}
			rec := record(t, audit)
			if !strings.Contains(out.String(), "which does not tell whether it was applied; reading the group instead of sending it again") {
				t.Errorf("the broken answer was not taken as ambiguous:\n%s", out)
			}
			if strings.Contains(out.String()+errString(err), "was rejected") {
				t.Errorf("a broken answer reported as a rejection: %v\n%s", err, out)
			}
			if tc.apply {
				if err != nil || got.Status != StatusSucceeded || !got.Wrote {
					t.Fatalf("err = %v, outcome %+v\n%s", err, got, out)
				}
				if !rec.WriteSent || !rec.MigrationStarted || rec.Status != StatusSucceeded {
					t.Errorf("audit = %+v", rec)
				}
				return
			}
			if kindOfErr(err) != KindFailed || got.Status != StatusFailed || got.Wrote ||
				!strings.Contains(err.Error(), "shows no migration (MigrationStatus (empty), InstanceId "+shared+", as before the write)") {
				t.Errorf("err = %v, outcome %+v", err, got)
			}
			if !rec.WriteSent || rec.MigrationStarted || rec.Status != StatusFailed {
				t.Errorf("audit = %+v", rec)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// A poll whose answer breaks off is one more poll, not the end.
func TestPollAnswerBrokenIsPolledAgain(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-orders")
	m, out, _ := h.migrator("g-orders")
	api := &faultyAPI{API: h.client}
	api.hook = func(action string, body []byte, err error) ([]byte, error) {
		if action == ActionModify && err == nil {
			frontFor(h, "DescribeApiGroup", 2, false, false)
		}
		return body, err
	}
	m.API = api
	got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
	if err != nil || got.Status != StatusSucceeded {
		t.Fatalf("err = %v, outcome %+v\n%s", err, got, out)
	}
	if !strings.Contains(out.String(), "polling: DescribeApiGroup") {
		t.Errorf("the broken polls were not reported:\n%s", out)
	}
}

// startMigration moves g-orders to target through another client, as
// another operator or tool would.
func startMigration(h *harness, target string) {
	h.t.Helper()
	if _, err := h.newClient(cloud.ClientOptions{}).Call(context.Background(), cloud.ProductCloudAPI, ActionModify,
		map[string]string{"GroupId": "g-orders", "TargetInstanceId": target}); err != nil {
		h.t.Fatal(err)
	}
}

// sendHook runs before each call of the migrator's API.
type sendHook struct {
	cloud.API
	before func(action string)
}

func (s *sendHook) Call(ctx context.Context, product, action string, params map[string]string) ([]byte, error) {
	s.before(action)
	return s.API.Call(ctx, product, action, params)
}

func TestMigrationStartedElsewhereRightBeforeTheWrite(t *testing.T) {
	t.Run("answer MigrationInProgress", func(t *testing.T) {
		h := newHarness(t)
		first := h.first("g-orders")
		m, out, audit := h.migrator("g-orders")
		m.API = &sendHook{API: h.client, before: func(action string) {
			if action == ActionModify {
				startMigration(h, dest)
			}
		}}
		got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
		if err != nil || got.Status != StatusSucceeded || got.Wrote {
			t.Fatalf("err = %v, outcome %+v\n%s", err, got, out)
		}
		if !strings.Contains(out.String(), "answered MigrationInProgress: a migration of group orders (g-orders) is in flight, not started by this run; waiting for it") ||
			strings.Contains(out.String(), "not changed") {
			t.Errorf("output:\n%s", out)
		}
		if n := h.srv.Calls(ActionModify); n != 2 {
			t.Errorf("ModifyApiGroupInstance calls = %d, want 2 (the other one, then this run's, refused)", n)
		}
		if rec := record(t, audit); !rec.WriteSent || rec.MigrationStarted || rec.Status != StatusSucceeded || rec.InstanceID != dest {
			t.Errorf("audit = %+v", rec)
		}
	})
	t.Run("seen right before the write", func(t *testing.T) {
		h := newHarness(t)
		first := h.first("g-orders")
		m, out, audit := h.migrator("g-orders")
		check := m.Recheck
		started := false
		m.Recheck = func(ctx context.Context) (*Evidence, error) {
			e, err := check(ctx)
			if !started {
				started = true
				startMigration(h, dest)
			}
			return e, err
		}
		got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
		if err != nil || got.Status != StatusSucceeded || got.Wrote {
			t.Fatalf("err = %v, outcome %+v\n%s", err, got, out)
		}
		if !strings.Contains(out.String(), "shows a migration in flight right before the write") {
			t.Errorf("output:\n%s", out)
		}
		if n := h.srv.Calls(ActionModify); n != 1 {
			t.Errorf("ModifyApiGroupInstance calls = %d, want 1 (the other one only)", n)
		}
		if rec := record(t, audit); rec.WriteSent || rec.Status != StatusSucceeded {
			t.Errorf("audit = %+v", rec)
		}
	})
	t.Run("changed right before the write", func(t *testing.T) {
		h := newHarness(t)
		first := h.first("g-orders")
		m, _, audit := h.migrator("g-orders")
		check := m.Recheck
		m.Recheck = func(ctx context.Context) (*Evidence, error) {
			e, err := check(ctx)
			h.srv.UpdateGroup("g-orders", func(g map[string]any) { g["MigrationStatus"] = "Failed" })
			return e, err
		}
		got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
		if kindOfErr(err) != KindRefused || got.Status != StatusRefused ||
			!strings.Contains(err.Error(), "right before the write it shows InstanceId "+shared+", MigrationStatus Failed, where the report saw "+shared+", (empty)") {
			t.Fatalf("err = %v, outcome %+v", err, got)
		}
		if n := h.srv.Calls(ActionModify); n != 0 {
			t.Errorf("ModifyApiGroupInstance calls = %d, want 0", n)
		}
		if rec := record(t, audit); rec.WriteSent || rec.MigrationStatus != "Failed" {
			t.Errorf("audit = %+v", rec)
		}
	})
}

// failingWriter fails from its n-th Write on.
type failingWriter struct {
	bytes.Buffer
	n, writes int
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.writes++; f.writes >= f.n {
		return 0, errors.New("no space left on device")
	}
	return f.Buffer.Write(p)
}

func TestAuditIntentAndOutcomeFailures(t *testing.T) {
	t.Run("intent line fails: no write", func(t *testing.T) {
		h := newHarness(t)
		first := h.first("g-orders")
		m, _, _ := h.migrator("g-orders")
		w := &failingWriter{n: 1}
		m.Audit = w
		got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
		if kindOfErr(err) != KindFailed || got.Wrote ||
			!strings.Contains(err.Error(), "the intent line could not be appended to the audit log (no space left on device), and no write is sent without it; nothing was written") {
			t.Errorf("err = %v, outcome %+v", err, got)
		}
		if n := h.srv.Calls(ActionModify); n != 0 {
			t.Errorf("ModifyApiGroupInstance calls = %d, want 0", n)
		}
	})
	t.Run("intent line to /dev/full: no write", func(t *testing.T) {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Skipf("no /dev/full: %v", err)
		}
		defer full.Close()
		h := newHarness(t)
		first := h.first("g-orders")
		m, _, _ := h.migrator("g-orders")
		m.Audit = full
		if _, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true}); kindOfErr(err) != KindFailed ||
			!strings.Contains(err.Error(), "the intent line could not be appended") {
			t.Errorf("err = %v", err)
		}
		if n := h.srv.Calls(ActionModify); n != 0 {
			t.Errorf("ModifyApiGroupInstance calls = %d, want 0", n)
		}
	})
	t.Run("outcome line fails after a success", func(t *testing.T) {
		h := newHarness(t)
		first := h.first("g-orders")
		m, out, _ := h.migrator("g-orders")
		w := &failingWriter{n: 2}
		m.Audit = w
		got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
		if got.Status != StatusSucceeded || kindOfErr(err) != KindFailed ||
			!strings.Contains(err.Error(), "group orders (g-orders): the outcome line (status succeeded) could not be appended to the audit log: no space left on device; record the outcome by hand") {
			t.Errorf("err = %v, outcome %+v", err, got)
		}
		if !strings.Contains(out.String(), "Migration finished") {
			t.Errorf("the migration status was not said first:\n%s", out)
		}
		if n := h.srv.Calls(ActionModify); n != 1 {
			t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
		}
		if recs := records(t, &w.Buffer); len(recs) != 1 || recs[0].Status != StatusIntent {
			t.Errorf("audit = %+v: want the intent line only", recs)
		}
	})
	t.Run("outcome line fails after a refusal: the refusal's code stays", func(t *testing.T) {
		h := newHarness(t)
		first := h.first("g-locked")
		m, _, _ := h.migrator("g-locked")
		m.Audit = &failingWriter{n: 1}
		_, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
		if kindOfErr(err) != KindRefused || !strings.Contains(err.Error(), "; also, the outcome line (status refused) could not be appended") {
			t.Errorf("err = %v", err)
		}
	})
}
