package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func render(t *testing.T, name string, opts Options, r *Result) []byte {
	t.Helper()
	f, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.New(opts).Report(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTextGolden(t *testing.T) {
	compareGolden(t, "golden/text.txt", render(t, "text", Options{}, fixtureResult()))
	compareGolden(t, "golden/text-color.txt", render(t, "text", Options{Color: true}, fixtureResult()))
}

func TestTextPlainHasNoEscapes(t *testing.T) {
	out := render(t, "text", Options{}, fixtureResult())
	if bytes.Contains(out, []byte("\x1b[")) {
		t.Fatal("plain text report contains ANSI escapes")
	}
	colored := render(t, "text", Options{Color: true}, fixtureResult())
	if !bytes.Contains(colored, []byte("\x1b[")) {
		t.Fatal("colour text report has no ANSI escapes")
	}
}

func TestTextOrderAndSummary(t *testing.T) {
	r := fixtureResult()
	out := string(render(t, "text", Options{}, r))
	// Within a migration, errors come before warnings, warnings before notes.
	iErr, iWarn, iNote := strings.Index(out, "ERROR  "), strings.Index(out, "WARNING"), strings.Index(out, "NOTE   ")
	if iErr < 0 || iWarn < 0 || iNote < 0 || !(iErr < iWarn && iWarn < iNote) {
		t.Errorf("severity order wrong: error@%d warning@%d note@%d\n%s", iErr, iWarn, iNote, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	s := r.Summary()
	want := plural(s.Migrations, "migration") + ", " + count(s.Failed) + " failed the gate (--fail-on " + r.FailOn.String() + ")"
	if !strings.HasPrefix(last, want) {
		t.Errorf("summary line %q, want prefix %q", last, want)
	}
	for _, m := range r.Migrations {
		if !strings.Contains(out, m.GroupID) || !strings.Contains(out, m.Source+" -> "+m.Destination) {
			t.Errorf("migration %s not introduced with group ID and source -> destination", m.GroupID)
		}
	}
}

func TestJSONGoldenAndShape(t *testing.T) {
	r := fixtureResult()
	out := render(t, "json", Options{}, r)
	compareGolden(t, "golden/report.json", out)
	var got struct {
		ReportVersion string `json:"reportVersion"`
		FailOn        string `json:"failOn"`
		Passed        bool   `json:"passed"`
		ExitCode      int    `json:"exitCode"`
		Summary       Summary
		Migrations    []struct {
			GroupID  string    `json:"groupId"`
			Passed   bool      `json:"passed"`
			Findings []Finding `json:"findings"`
		} `json:"migrations"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.ReportVersion != JSONReportVersion || got.FailOn != r.FailOn.String() || got.ExitCode != r.ExitCode {
		t.Errorf("header = %+v", got)
	}
	if !reflect.DeepEqual(got.Summary, r.Summary()) {
		t.Errorf("summary = %+v, want %+v", got.Summary, r.Summary())
	}
	for i, m := range got.Migrations {
		want := r.Migrations[i]
		if m.GroupID != want.GroupID || m.Passed == r.MigrationFails(&want) || len(m.Findings) != len(want.Findings) {
			t.Errorf("migration %d = %+v", i, m)
		}
		for j, f := range m.Findings {
			if !reflect.DeepEqual(f.Path, want.Findings[j].Path) || f.Severity != want.Findings[j].Severity || f.Message != want.Findings[j].Message {
				t.Errorf("finding %d.%d round trip: %+v vs %+v", i, j, f, want.Findings[j])
			}
		}
	}
}

func TestReportersDoNotModifyResult(t *testing.T) {
	for _, f := range Formats() {
		t.Run(f.Name, func(t *testing.T) {
			r := fixtureResult()
			before, _ := json.Marshal(r)
			render(t, f.Name, Options{Color: true}, r)
			after, _ := json.Marshal(r)
			if !bytes.Equal(before, after) {
				t.Fatalf("%s reporter modified its input", f.Name)
			}
		})
	}
}

func TestThresholds(t *testing.T) {
	cases := []struct {
		in                 string
		err, warning, note bool
	}{
		{"error", true, false, false},
		{"warning", true, true, false},
		{"note", true, true, true},
		{"never", false, false, false},
		{"ERROR", true, false, false},
	}
	for _, c := range cases {
		th, err := ParseThreshold(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if th.Fails(SeverityError) != c.err || th.Fails(SeverityWarning) != c.warning || th.Fails(SeverityNote) != c.note {
			t.Errorf("%s: fails error/warning/note = %v/%v/%v", c.in, th.Fails(SeverityError), th.Fails(SeverityWarning), th.Fails(SeverityNote))
		}
	}
	if _, err := ParseThreshold("fatal"); err == nil || !strings.Contains(err.Error(), "error, warning, note, never") {
		t.Errorf("bad threshold error = %v", err)
	}
}

func TestFingerprintIgnoresPathAndWording(t *testing.T) {
	f := Finding{RuleID: "MIG004", Resource: Resource{Kind: "backend", ID: "10.0.1.5"}, Key: "10.0.1.5:8080", Message: "a"}
	g := f
	g.Message = "b"
	g.Line = 40
	if Fingerprint("grp", "dst", f) != Fingerprint("grp", "dst", g) {
		t.Error("fingerprint depends on message or line")
	}
	if Fingerprint("grp", "dst", f) == Fingerprint("grp", "dst2", f) {
		t.Error("fingerprint ignores the destination")
	}
}

// With more than one migration the text report ends with a table: a row per
// migration with its readiness, counts and first blocker; with one it has
// none.
func TestTextSummaryTable(t *testing.T) {
	r := fleetResult()
	out := string(render(t, "text", Options{}, r))
	compareGolden(t, "golden/fleet.text.txt", []byte(out))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	head := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "  group ") })
	if head < 0 {
		t.Fatalf("no summary table:\n%s", out)
	}
	rows := lines[head+1 : head+1+len(r.Migrations)]
	want := []struct{ group, dest, verdict, blocker string }{
		{"orders", fxDestOrders, "ready with conditions", "-"},
		{"orders", fxDestPayments + " (candidate)", "ready", "-"},
		{"payments", fxDestOrders, "blocked", "MIG004 egress-allowlist"},
		{"payments", fxDestPayments + " (candidate)", "ready", "-"},
		{"inventory", fxDestPayments, "ready with conditions", "-"},
		{"inventory", fxDestOrders + " (candidate)", "blocked", "MIG001 rps-capacity"},
		{"search", fxDestPayments, "could not decide", "MIG011 destination-ready (not evaluated)"},
		{"search", fxDestOrders + " (candidate)", "could not decide", "MIG004 egress-allowlist (could not check)"},
		{"billing <EU>", fxDestOrders, "ready", "-"},
		{"plan-wide rules", "-", "blocked", "MIG017 plan-capacity"},
	}
	for i, w := range want {
		row := rows[i]
		if !strings.HasPrefix(row, "  "+w.group+" ") || !strings.Contains(row, " "+w.dest+" ") ||
			!strings.Contains(row, " "+w.verdict+" ") || !strings.HasSuffix(row, " "+w.blocker) {
			t.Errorf("row %d = %q, want %+v", i, row, w)
		}
	}
	if got := lines[head+1+len(r.Migrations)]; got != "" {
		t.Errorf("table not followed by a blank line: %q", got)
	}
	one := fixtureResult()
	one.Migrations = one.Migrations[1:]
	if out := string(render(t, "text", Options{}, one)); strings.Contains(out, "first blocker") {
		t.Errorf("one migration got a summary table:\n%s", out)
	}
}
