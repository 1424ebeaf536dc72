package migrate

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/waiver"
)

// customWaivers waives MIG002 on group custom through 2026-12-01, judged
// at the time *now says when each preflight runs.
func customWaivers(t *testing.T, h *harness, now *time.Time) {
	t.Helper()
	ws, err := waiver.Parse("waivers.yaml", []byte(`waivers:
  - id: custom-rps
    rule: MIG002
    group: custom
    reason: support migrates it
    owner: team-custom
    ticket: SR-7
    expires: 2026-12-01
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := waiver.Check(ws, h.engine.Rules(), waiver.Policy{}, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	h.waivers = func() *waiver.Set {
		return &waiver.Set{Waivers: ws, Files: []string{"waivers.yaml"}, Now: *now, ExpiryWarning: waiver.DefaultExpiryWarning}
	}
}

// TestWaiverAllowsTheWrite: MIG002 fails the gate of group custom; a valid
// waiver accepts it, the write happens, and the audit log records the
// waiver that allowed it.
func TestWaiverAllowsTheWrite(t *testing.T) {
	h := newHarness(t)
	if first := h.first("g-custom"); first.Passed() {
		t.Fatal("without a waiver group custom passes; the test needs MIG002 to fail it")
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	customWaivers(t, h, &now)
	first := h.first("g-custom")
	if !first.Passed() {
		t.Fatalf("the waiver does not let the gate pass: %s", gateReason(first))
	}
	m, out, audit := h.migrator("g-custom")
	got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
	if err != nil || got.Status != StatusSucceeded {
		t.Fatalf("err = %v, outcome %+v\n%s", err, got, out)
	}
	if n := h.srv.Calls("ModifyApiGroupInstance"); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
	}
	rec := record(t, audit)
	want := []WaiverRecord{{ID: "custom-rps", Rule: "MIG002", Owner: "team-custom", Ticket: "SR-7", Expires: "2026-12-01"}}
	if !reflect.DeepEqual(rec.Waivers, want) {
		t.Errorf("audit waivers = %+v, want %+v", rec.Waivers, want)
	}
}

// TestWaiverExpiredBeforeTheWrite: the waiver was valid for the report and
// expired by the re-check, so nothing is written and the refusal names it.
func TestWaiverExpiredBeforeTheWrite(t *testing.T) {
	h := newHarness(t)
	now := time.Date(2026, 12, 1, 23, 59, 0, 0, time.UTC)
	customWaivers(t, h, &now)
	first := h.first("g-custom")
	if !first.Passed() {
		t.Fatalf("the waiver does not let the gate pass: %s", gateReason(first))
	}
	m, out, audit := h.migrator("g-custom")
	check := m.Recheck
	m.Recheck = func(ctx context.Context) (*Evidence, error) {
		h.mu.Lock()
		now = now.Add(2 * time.Minute) // past the end of 2026-12-01
		h.mu.Unlock()
		return check(ctx)
	}
	got, err := m.Run(context.Background(), first, Options{Target: dest, Yes: true})
	if kindOfErr(err) != KindRefused || got.Status != StatusRefused || got.Wrote {
		t.Fatalf("err = %v, outcome %+v\n%s", err, got, out)
	}
	for _, want := range []string{
		"waiver custom-rps (MIG002 on custom, owner team-custom): valid in the report, expired at the re-check (expires 2026-12-01)",
		"verdict: pass -> fail",
		"nothing was written",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := h.srv.Calls("ModifyApiGroupInstance"); n != 0 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 0", n)
	}
	rec := record(t, audit)
	if rec.WriteSent || rec.RecheckVerdict != "fail" || len(rec.Waivers) != 1 || rec.Waivers[0].ID != "custom-rps" {
		t.Errorf("audit = %+v", rec)
	}
}
