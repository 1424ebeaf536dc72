package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/terraform"
)

// ciSARIF is the part of a SARIF log the CI tests read.
type ciSARIF struct {
	Runs []struct {
		OriginalURIBaseIDs map[string]struct {
			URI string `json:"uri"`
		} `json:"originalUriBaseIds"`
		AutomationDetails *struct {
			ID string `json:"id"`
		} `json:"automationDetails"`
		Results []struct {
			RuleID              string            `json:"ruleId"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Locations           []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

func readSARIF(t *testing.T, path string) ciSARIF {
	t.Helper()
	var log ciSARIF
	if err := json.Unmarshal(readFile(t, path), &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("%s: %v (%d runs)", path, err, len(log.Runs))
	}
	return log
}

// hashesByFingerprint maps "uri fingerprint" to the result's line hash.
func hashesByResult(log ciSARIF) map[string]string {
	out := map[string]string{}
	for _, res := range log.Runs[0].Results {
		k := res.Locations[0].PhysicalLocation.ArtifactLocation.URI + " " + res.PartialFingerprints["apigwPreflight/v1"]
		out[k] = res.PartialFingerprints["primaryLocationLineHash"]
	}
	return out
}

// snapshotSamples are the firing samples of the snapshot rules
// (policies/rules/<name>/testdata/; the plan rules' are Terraform plans,
// the fleet rules' audit inputs) and the healthy sample.
func snapshotSamples(t *testing.T) []string {
	t.Helper()
	all, _ := filepath.Glob(repoFile(t, "policies/rules/*/testdata/*.json"))
	var out []string
	for _, f := range all {
		if raw := readFile(t, f); !terraform.LooksLikePlan(raw) && !fleetInput(raw) {
			out = append(out, f)
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d firing samples under policies/rules/*/testdata", len(out))
	}
	return append(out, repoFile(t, "testdata/snapshots/healthy.json"))
}

// fleetInput reports a fleet rule's sample: an audit's plan and its
// migrations, not a snapshot.
func fleetInput(raw []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return false
	}
	_, plan := top["plan"]
	return plan && top["schemaVersion"] == nil
}

// runCLIStdin is runCLI with stdin.
func runCLIStdin(t *testing.T, dir, stdin string, args ...string) cliResult {
	t.Helper()
	cmd := cliCommand(t, dir, nil, args...)
	cmd.Stdin = strings.NewReader(stdin)
	return runCmd(t, cmd)
}

// A repository: .git at its top, the snapshots under infra/snapshots.
func repoWithSnapshots(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{".git", "infra/snapshots", "infra/deploy"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range names {
		write(t, dir, filepath.Join("infra/snapshots", filepath.Base(n)), string(readFile(t, repoFile(t, n))))
	}
	return dir
}

// The SARIF of a job run at the repository's top and of one run in a
// subdirectory (GitHub's working-directory:) is the same file: URIs are
// relative to the git top level, found without git.
func TestSARIFRepositoryRelative(t *testing.T) {
	dir := repoWithSnapshots(t, "policies/rules/eni_security_group/testdata/MIG009-sg-drops-backend.json", "policies/rules/egress_allowlist/testdata/MIG004-allowlist-misses-egress.json")
	top := runCLI(t, dir, nil, "check", "--now", testNow, "-f", "sarif=top.sarif", "infra/snapshots/MIG009-sg-drops-backend.json", "infra/snapshots/MIG004-allowlist-misses-egress.json")
	sub := runCLI(t, filepath.Join(dir, "infra", "deploy"), nil, "check", "--now", testNow, "-f", "sarif=../../sub.sarif",
		"../snapshots/MIG009-sg-drops-backend.json", "../snapshots/MIG004-allowlist-misses-egress.json")
	if top.code != exitGateFailed || sub.code != exitGateFailed {
		t.Fatalf("exit %d and %d, want 3: %s %s", top.code, sub.code, top.stderr, sub.stderr)
	}
	a, b := readFile(t, filepath.Join(dir, "top.sarif")), readFile(t, filepath.Join(dir, "sub.sarif"))
	if string(a) != string(b) {
		t.Error("the SARIF of a run in a subdirectory differs from the one at the top")
	}
	log := readSARIF(t, filepath.Join(dir, "top.sarif"))
	run := log.Runs[0]
	if got, want := run.OriginalURIBaseIDs["%SRCROOT%"].URI, "file://"+filepath.ToSlash(dir)+"/"; got != want {
		t.Errorf("%%SRCROOT%% = %q, want %q", got, want)
	}
	if run.AutomationDetails != nil {
		t.Errorf("automationDetails %+v without --sarif-category", run.AutomationDetails)
	}
	for _, res := range run.Results {
		loc := res.Locations[0].PhysicalLocation.ArtifactLocation
		if !strings.HasPrefix(loc.URI, "infra/snapshots/MIG00") || loc.URIBaseID != "%SRCROOT%" {
			t.Errorf("%s: uri %q base %q", res.RuleID, loc.URI, loc.URIBaseID)
		}
	}

	// --source-root and --sarif-category.
	r := runCLI(t, filepath.Join(dir, "infra"), nil, "check", "--now", testNow, "--source-root", ".", "--sarif-category", "apigw-preflight/prod",
		"-f", "sarif=../cat.sarif", "snapshots/MIG009-sg-drops-backend.json")
	if r.code != exitGateFailed {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	log = readSARIF(t, filepath.Join(dir, "cat.sarif"))
	if ad := log.Runs[0].AutomationDetails; ad == nil || ad.ID != "apigw-preflight/prod/" {
		t.Errorf("automationDetails %+v, want id apigw-preflight/prod/", ad)
	}
	if uri := log.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI; uri != "snapshots/MIG009-sg-drops-backend.json" {
		t.Errorf("--source-root .: uri %q", uri)
	}
	for _, bad := range [][]string{{"--source-root", "missing"}, {"--sarif-category", "a\nb"}, {"--sarif-category", " "}} {
		r := runCLI(t, dir, nil, append([]string{"check", "--now", testNow, "-f", "sarif=bad.sarif"}, append(bad, "infra/snapshots/MIG009-sg-drops-backend.json")...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, bad[0]) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming the flag", bad, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.sarif")); err == nil {
		t.Error("a refused run wrote its report")
	}
}

// The sample reports (what .ci/run uploads): every result has a line hash,
// no two share one, and adding an input leaves every other result's hash
// and the (absent) category as they were.
func TestSARIFSampleLineHashes(t *testing.T) {
	samples := snapshotSamples(t)
	dir := t.TempDir()
	r := runCLI(t, dir, nil, append([]string{"check", "--now", testNow, "--source-root", repoFile(t, "."), "-f", "sarif=all.sarif"}, samples...)...)
	if r.code != exitGateFailed {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	all := readSARIF(t, filepath.Join(dir, "all.sarif"))
	seen := map[string]string{}
	for _, res := range all.Runs[0].Results {
		h := res.PartialFingerprints["primaryLocationLineHash"]
		uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI
		if h == "" || !strings.HasPrefix(uri, "testdata/snapshots/") && !strings.HasPrefix(uri, "policies/rules/") {
			t.Errorf("%s in %s: line hash %q", res.RuleID, uri, h)
		}
		if prev, dup := seen[h]; dup {
			t.Errorf("%s in %s shares line hash %s with %s", res.RuleID, uri, h, prev)
		}
		seen[h] = res.RuleID + " in " + uri
	}
	if len(seen) < 40 {
		t.Fatalf("only %d results: the samples do not exercise the test", len(seen))
	}

	fewer := slices.DeleteFunc(slices.Clone(samples), func(s string) bool { return strings.Contains(s, "MIG009-prefix-list") })
	r = runCLI(t, dir, nil, append([]string{"check", "--now", testNow, "--source-root", repoFile(t, "."), "-f", "sarif=fewer.sarif"}, fewer...)...)
	if r.code != exitGateFailed {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := hashesByResult(all)
	got := hashesByResult(readSARIF(t, filepath.Join(dir, "fewer.sarif")))
	if len(got) >= len(want) {
		t.Fatalf("%d results without one input, %d with it", len(got), len(want))
	}
	for k, h := range got {
		if want[k] != h {
			t.Errorf("%s: line hash %s without the added input, %s with it", k, h, want[k])
		}
	}
}

// run's SARIF points at the snapshot file, so run needs --snapshot-out
// with -f sarif: without it, a usage error before any cloud call.
func TestRunSARIFNeedsSnapshotOut(t *testing.T) {
	dir := t.TempDir()
	r := runCLI(t, dir, nil, "run", "--group", "g", "--to", "i", "--endpoint", "http://127.0.0.1:1", "-f", "sarif=r.sarif")
	if r.code != exitUsage || !strings.Contains(r.stderr, "-f sarif needs --snapshot-out FILE") {
		t.Fatalf("exit %d, stderr %q; want 2 asking for --snapshot-out", r.code, r.stderr)
	}
	if got := listDir(t, dir); len(got) != 0 {
		t.Errorf("dir holds %v", got)
	}
}

// -f github writes annotations to stdout and appends the markdown summary
// to $GITHUB_STEP_SUMMARY; -f markdown and -f gitlab write their files.
func TestCIFormats(t *testing.T) {
	dir := repoWithSnapshots(t, "policies/rules/egress_allowlist/testdata/MIG004-allowlist-misses-egress.json")
	write(t, dir, "summary.md", "earlier step\n")
	in := "infra/snapshots/MIG004-allowlist-misses-egress.json"
	r := runCLI(t, dir, []string{"GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "summary.md")},
		"check", "--now", testNow, "-f", "github", "-f", "markdown=pr.md", "-f", "gitlab=cq.json", in)
	if r.code != exitGateFailed {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "::error file="+in+",line=") || !strings.Contains(r.stdout, ",title=MIG004 egress-allowlist (") {
		t.Errorf("stdout is not annotations on the snapshot:\n%s", r.stdout)
	}
	md := readFile(t, filepath.Join(dir, "pr.md"))
	if got := string(readFile(t, filepath.Join(dir, "summary.md"))); got != "earlier step\n"+string(md) || !strings.HasPrefix(string(md), "## apigw-preflight: FAIL") {
		t.Errorf("job summary:\n%s\nwant the earlier step's text, then:\n%s", got, md)
	}
	var issues []struct {
		CheckName string `json:"check_name"`
		Severity  string `json:"severity"`
		Location  struct {
			Path  string              `json:"path"`
			Lines struct{ Begin int } `json:"lines"`
		} `json:"location"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "cq.json")), &issues); err != nil || len(issues) == 0 {
		t.Fatalf("code quality: %v %v", err, issues)
	}
	for _, is := range issues {
		if is.Location.Path != in || is.Location.Lines.Begin < 1 {
			t.Errorf("issue %+v", is)
		}
	}

	// A summary file that cannot be written: exit 1, reports in place.
	r = runCLI(t, dir, []string{"GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "missing", "summary.md")},
		"check", "--now", testNow, "-f", "github=gh.txt", in)
	if r.code != exitToolError || !strings.Contains(r.stderr, "append the job summary to GITHUB_STEP_SUMMARY") {
		t.Errorf("unwritable summary: exit %d, stderr %q", r.code, r.stderr)
	}
	if b := readFile(t, filepath.Join(dir, "gh.txt")); !strings.HasPrefix(string(b), "::error ") {
		t.Errorf("gh.txt: %q", b)
	}
	// run: the github and gitlab formats point at the snapshot too.
	for _, f := range []string{"github", "gitlab=cq2.json"} {
		r = runCLI(t, dir, nil, "run", "--group", "g", "--to", "i", "--endpoint", "http://127.0.0.1:1", "-f", f)
		if r.code != exitUsage || !strings.Contains(r.stderr, "needs --snapshot-out FILE") {
			t.Errorf("run -f %s without --snapshot-out: exit %d, stderr %q", f, r.code, r.stderr)
		}
	}
}

// The sample JUnit report: reordering the inputs changes no test's
// classname or name, and no two tests share both.
func TestJUnitSampleNamesIgnoreInputOrder(t *testing.T) {
	samples := snapshotSamples(t)
	ids := func(file string, inputs []string) []string {
		dir := t.TempDir()
		r := runCLI(t, dir, nil, append([]string{"check", "--now", testNow, "--source-root", repoFile(t, "."), "-f", "junit=" + file}, inputs...)...)
		if r.code != exitGateFailed {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var doc struct {
			Suites []struct {
				Cases []struct {
					Name      string `xml:"name,attr"`
					Classname string `xml:"classname,attr"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal(readFile(t, filepath.Join(dir, file)), &doc); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range doc.Suites {
			for _, c := range s.Cases {
				out = append(out, c.Classname+" / "+c.Name)
			}
		}
		slices.Sort(out)
		return out
	}
	a := ids("a.xml", samples)
	reversed := slices.Clone(samples)
	slices.Reverse(reversed)
	b := ids("b.xml", reversed)
	if !slices.Equal(a, b) {
		t.Errorf("test names depend on the input order:\n%v\n%v", a, b)
	}
	if len(slices.Compact(slices.Clone(a))) != len(a) || len(a) < 400 {
		t.Errorf("%d tests, some sharing classname and name", len(a))
	}
}
