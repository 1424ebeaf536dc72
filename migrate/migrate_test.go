package migrate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/emulator"
	"github.com/apigw-preflight/apigw-preflight/report"
)

func TestPassingGateWritesOnceAndWaits(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-orders")
	m, out, audit := h.migrator("g-orders")
	got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out)
	}
	if n := h.srv.Calls("ModifyApiGroupInstance"); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
	}
	if got.Status != StatusSucceeded || !got.Wrote || field(got.Group, "InstanceId") != dest {
		t.Errorf("outcome = %+v", got)
	}
	// Re-check before the write, a fresh collection after it.
	if n := h.recheckCount(); n != 2 {
		t.Errorf("preflights after the report = %d, want 2 (re-check, verification)", n)
	}
	if g := h.srv.Group("g-orders"); g["InstanceId"] != dest || g["MigrationStatus"] != "Success" {
		t.Errorf("group = %v", g)
	}
	for _, want := range []string{"About to migrate API group orders (g-orders)", "ModifyApiGroupInstance accepted",
		"Migration finished", "1 to 10 minutes"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	rec := record(t, audit)
	if rec.Status != StatusSucceeded || rec.Verdict != "pass" || rec.RecheckVerdict != "pass" || !rec.WriteSent ||
		!rec.MigrationStarted || rec.Consent != "yes-flag" || rec.SnapshotSHA256 != first.SnapshotSHA256() ||
		rec.ReportSHA256 != first.ReportSHA256() || len(rec.RecheckSnapshotSHA256) != 64 || rec.Source != shared ||
		rec.Destination != dest || rec.MigrationStatus != "Success" || rec.InstanceID != dest {
		t.Errorf("audit record = %+v", rec)
	}
	// The group read right before the write, the write, the poll that
	// saw the migration end.
	if len(rec.RequestIDs) != 3 || rec.RequestIDs[0].Action != "DescribeApiGroup" || rec.RequestIDs[1].Action != ActionModify ||
		rec.RequestIDs[2].Action != "DescribeApiGroup" || rec.RequestIDs[0].RequestID == "" || rec.RequestIDs[1].RequestID == "" || rec.RequestIDs[2].RequestID == "" {
		t.Errorf("request IDs = %+v", rec.RequestIDs)
	}
}

func TestNoWriteCases(t *testing.T) {
	for _, tc := range []struct {
		name   string
		group  string
		opts   Options
		ask    func(context.Context, string) (string, error)
		kind   Kind
		status Status
		want   string
	}{
		{"failing gate", "g-locked", Options{Yes: true}, nil, KindRefused, StatusRefused, "the preflight gate failed (--fail-on error: 1 error(s)"},
		{"no terminal, no --yes", "g-orders", Options{}, nil, KindConsent, StatusNoConsent, "pass --yes"},
		{"declined", "g-orders", Options{}, func(context.Context, string) (string, error) { return "y", nil }, KindConsent, StatusNoConsent, `aborted: the answer "y" is not "orders"`},
		{"no answer", "g-orders", Options{}, func(context.Context, string) (string, error) { return "", errors.New("EOF") }, KindConsent, StatusNoConsent, "aborted: no answer"},
		// kind -1: as the report's gate says, so that the outcome agrees
		// with the report written before it.
		{"already on the target", "g-moved", Options{Yes: true}, nil, -1, StatusAlreadyOn, "already on " + dest},
		{"dry run", "g-orders", Options{DryRun: true, Remark: "it's ticket 7"}, nil, 0, StatusDryRun,
			`--Remark 'it'\''s ticket 7'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			first := h.first(tc.group)
			m, out, audit := h.migrator(tc.group)
			m.Ask = tc.ask
			tc.opts.Target = dest
			got, err := m.Run(context.Background(), first, tc.opts)
			if tc.kind == -1 {
				tc.kind = 0
				if !first.Passed() {
					tc.kind = kindOf(first)
				}
			}
			if kindOfErr(err) != tc.kind || (tc.kind == 0 && err != nil) {
				t.Errorf("err = %v (kind %d), want kind %d", err, kindOfErr(err), tc.kind)
			}
			msg := out.String()
			if err != nil {
				msg += err.Error()
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, msg)
			}
			if got.Status != tc.status || got.Wrote {
				t.Errorf("outcome = %+v", got)
			}
			if n := h.srv.Calls("ModifyApiGroupInstance"); n != 0 {
				t.Errorf("ModifyApiGroupInstance calls = %d, want 0", n)
			}
			if n := h.recheckCount(); n != 0 {
				t.Errorf("re-checks = %d, want 0: nothing is re-checked when nothing will be written", n)
			}
			if rec := record(t, audit); rec.Status != tc.status || rec.WriteSent {
				t.Errorf("audit = %+v", rec)
			}
		})
	}
}

func TestPromptConsent(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-orders")
	m, out, audit := h.migrator("g-orders")
	var prompt string
	m.Ask = func(_ context.Context, p string) (string, error) { prompt = p; return " orders \n", nil }
	if _, err := m.Run(context.Background(), first, Options{Target: dest}); err != nil {
		t.Fatalf("Run: %v\n%s", err, out)
	}
	if !strings.Contains(prompt, "Type the group name (orders)") {
		t.Errorf("prompt = %q", prompt)
	}
	if !strings.Contains(out.String(), "Precautions:") {
		t.Errorf("no precautions shown before the prompt:\n%s", out)
	}
	if rec := record(t, audit); rec.Consent != "prompt" || rec.Status != StatusSucceeded {
		t.Errorf("audit = %+v", rec)
	}
	if n := h.srv.Calls("ModifyApiGroupInstance"); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
	}
}

func TestStateChangedBeforeWrite(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(h *harness)
		want   []string
		writes int // made by the change, not the migrator
	}{
		{"group locked", func(h *harness) {
			h.srv.UpdateGroup("g-orders", func(g map[string]any) { g["IllegalStatus"] = "LOCKED" })
		}, []string{"verdict: pass -> fail", "new finding error MIG014"}, 0},
		{"another operator started a migration", func(h *harness) {
			if _, err := h.client.Call(context.Background(), cloud.ProductCloudAPI, ActionModify,
				map[string]string{"GroupId": "g-orders", "TargetInstanceId": dedSource}); err != nil {
				h.t.Fatal(err)
			}
		}, []string{"group MigrationStatus: (empty) -> Running", "new finding error MIG012"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			first := h.first("g-orders")
			m, out, audit := h.migrator("g-orders")
			check := m.Recheck
			m.Recheck = func(ctx context.Context) (*Evidence, error) {
				tc.change(h)
				return check(ctx)
			}
			got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
			if kindOfErr(err) != KindRefused || got.Status != StatusRefused || got.Wrote {
				t.Fatalf("err = %v, outcome %+v\n%s", err, got, out)
			}
			for _, want := range append(tc.want, "the state changed since the report was made", "nothing was written") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
			if n := h.srv.Calls("ModifyApiGroupInstance"); n != tc.writes {
				t.Errorf("ModifyApiGroupInstance calls = %d, want %d: none by the migrator", n, tc.writes)
			}
			if rec := record(t, audit); rec.Verdict != "pass" || rec.RecheckVerdict != "fail" || rec.WriteSent {
				t.Errorf("audit = %+v", rec)
			}
		})
	}
}

func TestRecheckErrorWritesNothing(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-orders")
	m, _, audit := h.migrator("g-orders")
	h.srv.AddFault(emulator.Fault{Action: "DescribeApiGroup", Code: "Forbidden.RAM"})
	_, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
	if kindOfErr(err) != KindFailed || !strings.Contains(err.Error(), "re-check before the write failed") || !strings.Contains(err.Error(), "Forbidden.RAM") {
		t.Errorf("err = %v", err)
	}
	if n := h.srv.Calls("ModifyApiGroupInstance"); n != 0 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 0", n)
	}
	if rec := record(t, audit); rec.Status != StatusError || rec.WriteSent {
		t.Errorf("audit = %+v", rec)
	}

	// Without a re-check the migrator refuses to write at all.
	m, _, _ = h.migrator("g-orders")
	m.Recheck = nil
	if _, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true}); kindOfErr(err) != KindFailed {
		t.Errorf("no Recheck: err = %v", err)
	}
	if n := h.srv.Calls("ModifyApiGroupInstance"); n != 0 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 0", n)
	}
}

func TestMigrationFailure(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-fails")
	m, _, audit := h.migrator("g-fails")
	got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
	if kindOfErr(err) != KindFailed || got.Status != StatusFailed ||
		!strings.Contains(err.Error(), `MigrationStatus Failed, MigrationError "destination lacks the internal domain"`) {
		t.Errorf("err = %v, outcome %+v", err, got)
	}
	rec := record(t, audit)
	if rec.Status != StatusFailed || rec.MigrationError != "destination lacks the internal domain" || !rec.WriteSent {
		t.Errorf("audit = %+v", rec)
	}
}

func TestThrottledWriteIsRetried(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-orders")
	m, out, audit := h.migrator("g-orders")
	h.srv.AddFault(emulator.Fault{Action: ActionModify, Code: "Throttling.User", Count: 2})
	if _, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true}); err != nil {
		t.Fatalf("Run: %v\n%s", err, out)
	}
	if n := h.srv.Calls(ActionModify); n != 3 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 3 (two throttled, one applied)", n)
	}
	rec := record(t, audit)
	var codes []string
	for _, c := range rec.RequestIDs {
		if c.Action == ActionModify {
			codes = append(codes, c.Code)
		}
	}
	if strings.Join(codes, ",") != "Throttling.User,Throttling.User," {
		t.Errorf("write attempts in the audit = %q", codes)
	}
}

func TestAmbiguousWriteIsNotResent(t *testing.T) {
	t.Run("applied", func(t *testing.T) {
		h := newHarness(t)
		first := h.first("g-orders")
		m, out, _ := h.migrator("g-orders")
		// The write reaches the cloud but the answer is lost.
		m.API = &faultyAPI{API: h.client, hook: func(action string, body []byte, err error) ([]byte, error) {
			if action == ActionModify && err == nil {
				return nil, &cloud.APIError{Call: action, Code: cloud.CodeTimeout, Message: "read timeout"}
			}
			return body, err
		}}
		got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
		if err != nil || got.Status != StatusSucceeded || !got.Wrote {
			t.Fatalf("err = %v, outcome %+v\n%s", err, got, out)
		}
		if n := h.srv.Calls(ActionModify); n != 1 {
			t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
		}
		if !strings.Contains(out.String(), "the migration started") {
			t.Errorf("output:\n%s", out)
		}
	})
	t.Run("not applied", func(t *testing.T) {
		h := newHarness(t)
		first := h.first("g-orders")
		m, _, audit := h.migrator("g-orders")
		h.srv.AddFault(emulator.Fault{Action: ActionModify, Code: "InternalError", Count: 1})
		got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
		if kindOfErr(err) != KindFailed || got.Status != StatusFailed || got.Wrote ||
			!strings.Contains(err.Error(), "the group, read 3 times since, shows no migration (MigrationStatus (empty), InstanceId "+shared+", as before the write)") ||
			!strings.Contains(err.Error(), "it was not applied, and it was not sent again") {
			t.Errorf("err = %v, outcome %+v", err, got)
		}
		if n := h.srv.Calls(ActionModify); n != 1 {
			t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
		}
		if rec := record(t, audit); !rec.WriteSent || rec.MigrationStarted {
			t.Errorf("audit = %+v", rec)
		}
	})
	t.Run("rejected", func(t *testing.T) {
		h := newHarness(t)
		first := h.first("g-orders")
		m, _, _ := h.migrator("g-orders")
		h.srv.AddFault(emulator.Fault{Action: ActionModify, Code: "Forbidden.RAM", Count: 1})
		_, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
		if kindOfErr(err) != KindFailed || !strings.Contains(err.Error(), "ModifyApiGroupInstance was rejected") {
			t.Errorf("err = %v", err)
		}
		if n := h.srv.Calls(ActionModify); n != 1 {
			t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
		}
	})
}

func TestPollingSurvivesThrottling(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-orders")
	m, out, _ := h.migrator("g-orders")
	api := &faultyAPI{API: h.client}
	api.hook = func(action string, body []byte, err error) ([]byte, error) {
		if action == ActionModify && err == nil {
			h.srv.AddFault(emulator.Fault{Action: "DescribeApiGroup", Code: "Throttling", Count: 3})
			h.srv.AddFault(emulator.Fault{Action: "DescribeApiGroup", Code: "ServiceUnavailable", Count: 1})
		}
		return body, err
	}
	m.API = api
	got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
	if err != nil || got.Status != StatusSucceeded {
		t.Fatalf("err = %v, outcome %+v\n%s", err, got, out)
	}
	if !strings.Contains(out.String(), "DescribeApiGroup: Throttling") || !strings.Contains(out.String(), "ServiceUnavailable") {
		t.Errorf("throttled polls not reported:\n%s", out)
	}
	if n := h.srv.Calls(ActionModify); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
	}
}

func TestWaitTimeoutAndInFlight(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-slow")
	m, _, audit := h.migrator("g-slow")
	m.Poll.Timeout = 30 * time.Millisecond
	got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
	if kindOfErr(err) != KindFailed || got.Status != StatusTimeout ||
		!strings.Contains(err.Error(), "did not finish within 30ms (last seen MigrationStatus Running") ||
		!strings.Contains(err.Error(), "It may still complete: check with `aliyun cloudapi DescribeApiGroup --GroupId g-slow`") {
		t.Errorf("err = %v, outcome %+v", err, got)
	}
	if rec := record(t, audit); rec.Status != StatusTimeout || rec.MigrationStatus != "Running" {
		t.Errorf("audit = %+v", rec)
	}

	// Run again: the migration in flight is waited for, not issued again.
	second := h.first("g-slow")
	m, _, _ = h.migrator("g-slow")
	m.Poll.Timeout = 20 * time.Millisecond
	got, err = m.Run(context.Background(), second, Options{Target: dest, Yes: true})
	if got.Status != StatusTimeout || err == nil {
		t.Errorf("second run: err = %v, outcome %+v", err, got)
	}
	if n := h.srv.Calls(ActionModify); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
	}
}

func TestInFlightMigrationIsWaitedFor(t *testing.T) {
	h := newHarness(t)
	// Someone started the move already; the report sees it Running.
	if _, err := h.client.Call(context.Background(), cloud.ProductCloudAPI, ActionModify,
		map[string]string{"GroupId": "g-orders", "TargetInstanceId": dest}); err != nil {
		t.Fatal(err)
	}
	first := h.first("g-orders")
	if first.MigrationStatus() != "Running" || first.Passed() {
		t.Fatalf("first: MigrationStatus %q, passed %v", first.MigrationStatus(), first.Passed())
	}
	m, out, audit := h.migrator("g-orders")
	got, err := m.Run(context.Background(), first, Options{Target: dest})
	if err != nil || got.Status != StatusSucceeded || got.Wrote {
		t.Fatalf("err = %v, outcome %+v\n%s", err, got, out)
	}
	if !strings.Contains(out.String(), "waiting for it instead of starting another") {
		t.Errorf("output:\n%s", out)
	}
	if n := h.srv.Calls(ActionModify); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 1 (the other operator's)", n)
	}
	if rec := record(t, audit); rec.WriteSent || rec.Status != StatusSucceeded {
		t.Errorf("audit = %+v", rec)
	}
}

func TestInterruptedWhileWaiting(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-slow")
	m, _, audit := h.migrator("g-slow")
	ctx, cancel := context.WithCancel(context.Background())
	polls := 0
	m.Sleep = func(ctx context.Context, d time.Duration) error {
		if polls++; polls == 3 {
			cancel()
			return ctx.Err()
		}
		return nil
	}
	got, err := m.Run(ctx, first, Options{Target: dest, Yes: true})
	if got.Status != StatusInterrupted || kindOfErr(err) != KindFailed || !strings.Contains(err.Error(), "may still complete") {
		t.Errorf("err = %v, outcome %+v", err, got)
	}
	if rec := record(t, audit); rec.Status != StatusInterrupted || !rec.MigrationStarted {
		t.Errorf("audit = %+v", rec)
	}
}

func TestWatchDrain(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-ded")
	m, out, audit := h.migrator("g-ded")
	if _, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true, WatchDrain: 5 * time.Second}); err != nil {
		t.Fatalf("Run: %v\n%s", err, out)
	}
	for _, want := range []string{dedSource + " is a dedicated instance: do not release it yet",
		"still receives 40 requests/s", "still receives 5 requests/s", "Traffic to " + dedSource + " has stopped"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if rec := record(t, audit); rec.Drain != "drained" {
		t.Errorf("audit drain = %q", rec.Drain)
	}

	// A serverless source has nothing of its own to watch.
	h = newHarness(t)
	first = h.first("g-orders")
	m, out, _ = h.migrator("g-orders")
	if _, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true, WatchDrain: time.Second}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Drain watch skipped") || h.srv.Calls("DescribeInstanceQps") != 9 {
		t.Errorf("serverless drain (%d QPS reads: one per stage and collection):\n%s", h.srv.Calls("DescribeInstanceQps"), out)
	}
}

func TestWatchDrainTimesOut(t *testing.T) {
	h := newHarness(t)
	first := h.first("g-ded")
	m, out, audit := h.migrator("g-ded")
	m.API = &faultyAPI{API: h.client, hook: func(action string, body []byte, err error) ([]byte, error) {
		if action == "DescribeInstanceQps" && err == nil {
			return []byte(`{"RequestId":"r","InstanceQps":{"MonitorItem":[{"ItemTime":"2026-01-01T00:00:00Z","ItemValue":"0"},{"ItemTime":"2026-01-01T00:01:00Z","ItemValue":"7.5"}]}}`), nil
		}
		return body, err
	}}
	if _, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true, WatchDrain: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	// The same answer for each of the three stages: their sum at the
	// latest time point.
	if !strings.Contains(out.String(), "still receives 22.5 requests/s: do not release it yet") {
		t.Errorf("output:\n%s", out)
	}
	if rec := record(t, audit); rec.Drain != "still-receiving" {
		t.Errorf("audit drain = %q", rec.Drain)
	}
}

func TestCompare(t *testing.T) {
	failOn, _ := report.ParseThreshold("error")
	ev := func(status string, fs ...report.Finding) *Evidence {
		return &Evidence{
			Result: &report.Result{FailOn: failOn, Migrations: []report.Migration{{Findings: fs}}},
			Group:  map[string]any{"GroupId": "g", "InstanceId": shared, "MigrationStatus": status},
		}
	}
	warn := report.Finding{RuleID: "MIG011", Severity: report.SeverityWarning, Message: "expires soon", Fingerprint: "a"}
	note := report.Finding{RuleID: "MIG013", Severity: report.SeverityNote, Message: "drain", Fingerprint: "b"}
	d := compare(ev("", note), ev("", warn), dest)
	if d.refuse || d.text() != "  new finding warning MIG011: expires soon\n  gone: note MIG013: drain" {
		t.Errorf("below-threshold change: refuse %v\n%s", d.refuse, d.text())
	}
	if d := compare(ev(""), ev("Success"), dest); !d.refuse || !strings.Contains(d.text(), "group MigrationStatus: (empty) -> Success") {
		t.Errorf("status change: %+v", d)
	}
	second := ev("")
	second.Result.Migrations[0].Errors = []report.RuleError{{RuleID: "MIG004", Message: "boom"}}
	d = compare(ev(""), second, dest)
	if !d.refuse || !strings.Contains(d.text(), "verdict: pass -> error") || !strings.Contains(d.text(), "rule MIG004 could not be evaluated: boom") {
		t.Errorf("rule error: %+v", d)
	}
	failing := ev("", report.Finding{RuleID: "MIG001", Severity: report.SeverityError, Message: "too small", Fingerprint: "c"})
	if second.verdict() != report.VerdictError || failing.verdict() != report.VerdictFail || ev("").verdict() != report.VerdictPass {
		t.Errorf("verdicts: %q %q %q", second.verdict(), failing.verdict(), ev("").verdict())
	}
	if kindOf(second) != KindFailed || kindOf(failing) != KindRefused {
		t.Error("kindOf: rule errors are tool failures, failing findings refusals")
	}
}
