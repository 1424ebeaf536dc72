package report

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestHTMLGoldens(t *testing.T) {
	compareGolden(t, "golden/report.html", render(t, "html", Options{}, fixtureResult()))
	compareGolden(t, "golden/plan.report.html", render(t, "html", Options{}, planResult()))
	compareGolden(t, "golden/fleet.report.html", render(t, "html", Options{}, fleetResult()))
}

var (
	htmlRowRE     = regexp.MustCompile(`(?s)<tr data-order="(\d+)" data-readiness="(\w+)"[^>]*>(.*?)</tr>`)
	htmlCellRE    = regexp.MustCompile(`<td class="cell v-(\w+)" data-sort="\d" data-readiness="(\w+)"><a href="#(m\d+)"><span class="word">([^<]+)</span>`)
	htmlDetailsRE = regexp.MustCompile(`<details id="(m\d+)" class="migration" data-readiness="(\w+)"`)
	htmlHrefRE    = regexp.MustCompile(`href="#(m\d+)"`)
)

// The fleet page: a row per group, a cell per destination saying its
// readiness in words and by class, linking to the migration's findings;
// the planned and recommended destinations marked; the counts.
func TestHTMLFleetStructure(t *testing.T) {
	r := fleetResult()
	page := string(render(t, "html", Options{}, r))
	ps := r.Placements()
	rows := htmlRowRE.FindAllStringSubmatch(page, -1)
	if len(rows) != len(ps) {
		t.Fatalf("%d matrix rows, want %d", len(rows), len(ps))
	}
	for i, row := range rows {
		p := ps[i]
		if row[1] != fmt.Sprint(i) || row[2] != string(groupReadiness(p)) {
			t.Errorf("row %d: order %s readiness %s, want %d %s", i, row[1], row[2], i, groupReadiness(p))
		}
		cells := htmlCellRE.FindAllStringSubmatch(row[3], -1)
		if len(cells) != len(p.Candidates) {
			t.Fatalf("row %d: %d cells, want %d", i, len(cells), len(p.Candidates))
		}
		for _, c := range p.Candidates {
			anchor := htmlAnchor(c.Migration)
			j := slices.IndexFunc(cells, func(m []string) bool { return m[3] == anchor })
			if j < 0 {
				t.Fatalf("row %d: no cell links to %s", i, anchor)
			}
			m := cells[j]
			if m[1] != string(c.Readiness) || m[2] != string(c.Readiness) || m[4] != c.Readiness.Label() {
				t.Errorf("row %d cell %s: class %s, data %s, word %q; want %s", i, anchor, m[1], m[2], m[4], c.Readiness)
			}
		}
		if want := strings.Count(row[3], "&#9733; recommended"); (p.Recommended != "") != (want == 1) {
			t.Errorf("row %d: %d recommended marks, recommended %q", i, want, p.Recommended)
		}
		if n := strings.Count(row[3], `<span class="mark">planned</span>`); n != 1 {
			t.Errorf("row %d: %d planned marks, want 1", i, n)
		}
	}
	for _, want := range []string{
		`<li id="count-groups"><b>5</b>groups</li>`,
		`<li class="v-ready" id="count-ready"><b>1</b>ready</li>`,
		`<li class="v-conditional" id="count-conditional"><b>2</b>ready with conditions</li>`,
		`<li class="v-blocked" id="count-blocked"><b>1</b>blocked</li>`,
		`<li class="v-undecided" id="count-undecided"><b>1</b>could not decide</li>`,
		`evaluated 2026-12-01 08:00:00Z`,
		`apigw-preflight 0.4.0`,
		`blocked by MIG004`,
		`1,500 RPS over`,
		`<h2>Plan-wide findings</h2>`,
		`<details id="m10" class="migration" data-readiness="blocked" open>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	details := htmlDetailsRE.FindAllStringSubmatch(page, -1)
	if len(details) != len(r.Migrations) {
		t.Fatalf("%d details blocks, want %d", len(details), len(r.Migrations))
	}
	// The plan-wide block comes first, then the migrations in input order.
	wantOrder := []int{9, 0, 1, 2, 3, 4, 5, 6, 7, 8}
	for k, d := range details {
		i := wantOrder[k]
		if d[1] != htmlAnchor(i) || d[2] != string(r.Readiness(&r.Migrations[i])) {
			t.Errorf("details block %d = %v, want %s %s", k, d[1:], htmlAnchor(i), r.Readiness(&r.Migrations[i]))
		}
	}
	// Every finding's message and remediation is on the page.
	text := html.UnescapeString(page)
	for _, m := range r.Migrations {
		for _, f := range m.Findings {
			for _, s := range []string{f.Message, f.Remediation} {
				if !strings.Contains(text, s) {
					t.Errorf("page lacks %q", s)
				}
			}
		}
	}
	for _, h := range htmlHrefRE.FindAllStringSubmatch(page, -1) {
		if !strings.Contains(page, `<details id="`+h[1]+`"`) {
			t.Errorf("link to #%s has no target", h[1])
		}
	}
}

// Text from the snapshot and the rules cannot open markup, and the page
// loads nothing from anywhere.
func TestHTMLEscapingAndSelfContained(t *testing.T) {
	r := fleetResult()
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	r.Migrations[0].GroupName = evil
	r.Migrations[0].Findings[0].Message = evil
	r.Migrations[0].Findings[0].Remediation = `" onmouseover="alert(3)`
	r.Migrations[0].Destination = `"><b>dest</b>`
	page := string(render(t, "html", Options{}, r))
	for _, bad := range []string{"<script>alert", "<img", `" onmouseover="`, "<b>dest</b>"} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds %q unescaped", bad)
		}
	}
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d script elements, want the one inline script", n)
	}
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<script[^>]*\bsrc=`), regexp.MustCompile(`<link\b`), regexp.MustCompile(`<img\b`),
		regexp.MustCompile(`@import`), regexp.MustCompile(`url\(`), regexp.MustCompile(`<iframe\b`),
		regexp.MustCompile(`\bsrc="`), regexp.MustCompile(`\bfetch\(|XMLHttpRequest`),
	} {
		if bad.MatchString(page) {
			t.Errorf("page matches %s: it must load nothing", bad)
		}
	}
	// The only external references are links to the rule docs.
	for _, m := range regexp.MustCompile(`(?i)https?://[^"<\s]*`).FindAllStringIndex(page, -1) {
		before := page[max(0, m[0]-6):m[0]]
		if before != `href="` {
			t.Errorf("external reference outside a link: %q", page[max(0, m[0]-40):m[1]])
		}
	}
}

// syntheticFleet is n groups, each planned onto one of dests with the
// others as candidates, every pair with one warning and capacity.
func syntheticFleet(n int, dests []string) *Result {
	r := fleetResult()
	r.Migrations = nil
	for i := range n {
		id := fmt.Sprintf("%032x", i)
		for j, d := range dests {
			f := Finding{
				RuleID: "MIG003", RuleName: "https-policy", Severity: SeverityWarning,
				Message:     "api-" + id + ".example.com moves from HTTPS2_TLS1_0 to HTTPS1_1_TLS1_0 on " + d,
				Remediation: "check that no client depends on HTTP/2",
				Resource:    Resource{Kind: "group", ID: id}, Line: 13,
			}
			r.Migrations = append(r.Migrations, Migration{
				Input: "audit/" + id + "." + d + ".json", GroupID: id, GroupName: "group-" + id[26:],
				RegionID: "cn-hangzhou", Source: fxSourceShared, Destination: d, Candidate: j > 0,
				Findings: []Finding{f}, Evaluated: []string{"MIG003"},
				Capacity: &Capacity{PeakRPS: 100, NeededRPS: 120, ExistingRPS: float64(j * 100), LimitRPS: 2500, Spec: "api.s1.small"},
			})
		}
	}
	return r
}

// One group and 5,000 groups on two destinations: every row and block is
// there, and the size grows linearly: at most the one-group page plus, per
// further group, what the second group added and room for longer numbers.
func TestHTMLFiveThousandGroups(t *testing.T) {
	dests := []string{fxDestOrders, fxDestPayments}
	onePage := render(t, "html", Options{}, syntheticFleet(1, dests))
	if rows, blocks := bytes.Count(onePage, []byte(`<tr data-order=`)), bytes.Count(onePage, []byte(`<details id="m`)); rows != 1 || blocks != 2 {
		t.Errorf("one group: %d rows, %d details blocks; want 1 and 2", rows, blocks)
	}
	one := len(onePage)
	two := len(render(t, "html", Options{}, syntheticFleet(2, dests)))
	const n = 5000
	page := render(t, "html", Options{}, syntheticFleet(n, dests))
	// Numbers that grow with n: the row order (twice) and number, and each
	// pair's anchor (twice): at most 4 more digits each.
	bound := one + (n-1)*(two-one) + n*(3+2*len(dests))*4
	if testing.Verbose() {
		t.Logf("5,000 groups: %d bytes (bound %d; one group %d, two %d)", len(page), bound, one, two)
	}
	if len(page) > bound {
		t.Errorf("5,000-group page is %d bytes, over the linear bound %d (one group %d, two %d)", len(page), bound, one, two)
	}
	if len(page) < n*(two-one) {
		t.Errorf("5,000-group page is only %d bytes", len(page))
	}
	if got := bytes.Count(page, []byte(`<tr data-order=`)); got != n {
		t.Errorf("%d matrix rows, want %d", got, n)
	}
	if got := bytes.Count(page, []byte(`<details id="m`)); got != n*len(dests) {
		t.Errorf("%d details blocks, want %d", got, n*len(dests))
	}
	if got := bytes.Count(page, []byte(`<td class="cell v-conditional"`)); got != n*len(dests) {
		t.Errorf("%d conditional cells, want %d", got, n*len(dests))
	}
	if !bytes.Equal(render(t, "html", Options{}, syntheticFleet(200, dests)), render(t, "html", Options{}, syntheticFleet(200, dests))) {
		t.Error("two renderings of one result differ")
	}
}

// Beyond htmlMaxColumns destinations each row lists its destinations in
// one cell instead of a column each, so the page does not grow with
// groups times destinations.
func TestHTMLManyDestinations(t *testing.T) {
	r := syntheticFleet(0, nil)
	const n = 40
	for i := range n {
		r.Migrations = append(r.Migrations, syntheticFleet(1, []string{fmt.Sprintf("apigateway-hz-%04d", i)}).Migrations[0])
		r.Migrations[i].GroupID = fmt.Sprintf("%032x", i)
	}
	page := string(render(t, "html", Options{}, r))
	if !strings.Contains(page, `<th data-numeric>Destinations</th>`) || strings.Contains(page, `<th data-numeric><code>apigateway-hz-0000</code></th>`) {
		t.Fatal("40 destinations still get a column each")
	}
	if got := strings.Count(page, `class="dest v-conditional" data-readiness="conditional"`); got != n {
		t.Errorf("%d destination entries, want %d", got, n)
	}
	if got := strings.Count(page, "not a destination of this group"); got != 0 {
		t.Errorf("%d empty cells in the list layout", got)
	}
}

// A result without groups (a Terraform plan) says so instead of an empty
// matrix, and a page without an evaluation time leaves it out.
func TestHTMLPlanOnly(t *testing.T) {
	r := planResult()
	page := string(render(t, "html", Options{}, r))
	if !strings.Contains(page, "No API group migrations in this result.") || strings.Contains(page, `<table id="matrix">`) {
		t.Error("plan-only page has a matrix")
	}
	if !strings.Contains(page, ", evaluated 2026-12-01 08:00:00Z;") {
		t.Error("page lacks the evaluation time")
	}
	r.EvaluatedAt = time.Time{}
	if page := string(render(t, "html", Options{}, r)); strings.Contains(page, ", evaluated") {
		t.Error("page without an evaluation time shows one")
	}
}

func BenchmarkHTMLFiveThousandGroups(b *testing.B) {
	r := syntheticFleet(5000, []string{fxDestOrders, fxDestPayments})
	f, _ := Lookup("html")
	for b.Loop() {
		var buf bytes.Buffer
		if err := f.New(Options{}).Report(&buf, r); err != nil {
			b.Fatal(err)
		}
	}
}
