package report

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

var mdMatrixRowRE = regexp.MustCompile(`(?m)^\| (\S[^|]*) \| (ready|ready with conditions|blocked|could not decide) \| ([^|]+) \|(.*)\|$`)

// An audit's summary: the readiness counts, then the placement matrix with
// a row per group and a column per destination.
func TestMarkdownFleet(t *testing.T) {
	r := fleetResult()
	md := string(renderWith(t, "markdown", ciOptions, r))
	compareGolden(t, "golden/fleet.report.md", []byte(md))
	rows, details, findings := markdownBlocks(t, md)
	if rows != len(r.Migrations) || details != len(r.Migrations) || findings != 9 {
		t.Errorf("%d rows, %d details, %d finding lines; want %d, %d and 9", rows, details, findings, len(r.Migrations), len(r.Migrations))
	}
	for _, want := range []string{
		"| ready | 1 | 3 |",
		"| ready with conditions | 2 | 2 |",
		"| blocked | 1 | 2 |",
		"| could not decide | 1 | 2 |",
		"| group | planned | recommended | `" + fxDestOrders + "` | `" + fxDestPayments + "` |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	ps := r.Placements()
	matrix := mdMatrixRowRE.FindAllStringSubmatch(md, -1)
	if len(matrix) != len(ps) {
		t.Fatalf("%d matrix rows, want %d:\n%s", len(matrix), len(ps), md)
	}
	for i, m := range matrix {
		p := ps[i]
		if m[2] != groupReadiness(p).Label() {
			t.Errorf("row %d planned %q, want %q", i, m[2], groupReadiness(p).Label())
		}
		if rec := strings.Trim(m[3], "` "); (p.Recommended == "" && rec != "none passes") || (p.Recommended != "" && rec != p.Recommended) {
			t.Errorf("row %d recommended %q, want %q", i, rec, p.Recommended)
		}
		if strings.Count(m[4], "★ recommended") != min(1, len(p.Recommended)) || strings.Count(m[4], "planned") != 1 {
			t.Errorf("row %d marks: %q", i, m[4])
		}
	}
	if !strings.Contains(md, "\n| billing &lt;EU&gt; | ready |") || strings.Contains(md, " <EU> ") {
		t.Error("group name not escaped")
	}
	for _, want := range []string{"| **FAIL** | plan-wide rules | 1 |", "→ `" + fxDestPayments + "` (candidate) |", "Rules over the whole plan `infra/plan.yaml`."} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	// check, without candidates, has no matrix and counts groups only.
	if md := string(renderWith(t, "markdown", ciOptions, fixtureResult())); strings.Contains(md, "Placement matrix") || !strings.Contains(md, "| readiness | groups |") {
		t.Errorf("check summary:\n%s", md)
	}
}

// 5,000 groups with candidates: the summary stays within the limit and
// counts the matrix rows it left out.
func TestMarkdownFleetLimit(t *testing.T) {
	const n = 5000
	r := syntheticFleet(n, []string{fxDestOrders, fxDestPayments})
	md := string(renderWith(t, "markdown", ciOptions, r))
	if c := utf8.RuneCountInString(md); c > MarkdownLimit {
		t.Fatalf("%d characters, over %d", c, MarkdownLimit)
	}
	left := regexp.MustCompile(`_Left out to stay within 65000 characters: (\d+) matrix rows, (\d+) table rows, the details of (\d+) migrations, (\d+) findings\.`).FindStringSubmatch(md)
	if left == nil {
		t.Fatalf("closing line:\n%s", md[len(md)-300:])
	}
	shown := len(mdMatrixRowRE.FindAllString(md, -1))
	if got, _ := strconv.Atoi(left[1]); shown == 0 || shown+got != n {
		t.Errorf("%d matrix rows shown and %s left out, want %d in all", shown, left[1], n)
	}
	if !strings.Contains(md, "| ready with conditions | 5000 | 10000 |") {
		t.Error("readiness counts missing or wrong")
	}
}
