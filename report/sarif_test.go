package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	// The OASIS SARIF 2.1.0 schema comes from this module (it embeds it as a
	// Go constant); the import pins the module in go.mod and go.sum so the
	// schema test reads a verified copy from the module cache.
	_ "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

func renderSARIF(t *testing.T, r *Result) []byte {
	t.Helper()
	return renderSARIFWith(t, r, Options{})
}

func renderSARIFWith(t *testing.T, r *Result, opts Options) []byte {
	t.Helper()
	f, err := Lookup("sarif")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.New(opts).Report(&buf, r); err != nil {
		t.Fatalf("sarif report: %v", err)
	}
	return buf.Bytes()
}

// sarifLog is the part of a SARIF log the tests look at.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

func decodeSARIF(t *testing.T, b []byte) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatalf("decode sarif: %v\n%s", err, b)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("want 1 run, got %d", len(log.Runs))
	}
	return log
}

func TestSARIFGolden(t *testing.T) {
	compareGolden(t, "golden/report.sarif", renderSARIF(t, fixtureResult()))
}

// sarifSchema compiles the OASIS SARIF 2.1.0 schema that go-sarif/v3 embeds
// as the constant "schema" in pkg/report/v210/sarif/schema.go.
var sarifSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif").Output()
	if err != nil {
		return nil, err
	}
	file := filepath.Join(strings.TrimSpace(string(out)), "schema.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		return nil, err
	}
	var text string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "schema" || len(vs.Values) != 1 {
			return true
		}
		if lit, ok := vs.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			text, err = strconv.Unquote(lit.Value)
		}
		return false
	})
	if err != nil || text == "" {
		return nil, &os.PathError{Op: "find const schema", Path: file, Err: os.ErrNotExist}
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		return nil, err
	}
	const url = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
})

func validateSARIF(t *testing.T, b []byte) error {
	t.Helper()
	sch, err := sarifSchema()
	if err != nil {
		t.Fatalf("load SARIF schema from github.com/owenrumney/go-sarif/v3: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("sarif output is not JSON: %v", err)
	}
	return sch.Validate(inst)
}

func TestSARIFSchema(t *testing.T) {
	clean := fixtureResult()
	clean.Migrations = clean.Migrations[1:]
	clean.ExitCode = 0
	stdin := fixtureResult()
	stdin.Migrations[0].Input = "-"
	bare := fixtureResult()
	bare.Rules = nil // descriptors synthesized from findings
	for name, r := range map[string]*Result{
		"fixture": fixtureResult(),
		"clean":   clean,
		"stdin":   stdin,
		"bare":    bare,
		"empty":   {},
	} {
		t.Run(name, func(t *testing.T) {
			if err := validateSARIF(t, renderSARIF(t, r)); err != nil {
				t.Errorf("output does not conform to the SARIF 2.1.0 schema: %v", err)
			}
		})
	}
	// The validator must be able to say no.
	bad := bytes.Replace(renderSARIF(t, fixtureResult()), []byte(`"level": "note"`), []byte(`"level": "fatal"`), 1)
	if err := validateSARIF(t, bad); err == nil {
		t.Error("schema accepted a result with level \"fatal\"")
	}
}

func TestSARIFDeterministic(t *testing.T) {
	a, b := renderSARIF(t, fixtureResult()), renderSARIF(t, fixtureResult())
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same result differ")
	}
	// Findings given in another order give the same bytes.
	r := fixtureResult()
	fs := r.Migrations[0].Findings
	for i, j := 0, len(fs)-1; i < j; i, j = i+1, j-1 {
		fs[i], fs[j] = fs[j], fs[i]
	}
	if c := renderSARIF(t, r); !bytes.Equal(a, c) {
		t.Fatal("finding order changes the output")
	}
}

func TestSARIFDoesNotModifyResult(t *testing.T) {
	r := fixtureResult()
	fs := r.Migrations[0].Findings
	fs[0], fs[len(fs)-1] = fs[len(fs)-1], fs[0] // unsorted input
	before := fixtureResult()
	before.Migrations[0].Findings = append([]Finding(nil), fs...)
	renderSARIF(t, r)
	if !reflect.DeepEqual(r, before) {
		t.Fatal("the SARIF reporter modified its input")
	}
}

func TestSARIFFingerprints(t *testing.T) {
	fingerprints := func(r *Result) []string {
		var out []string
		for _, res := range decodeSARIF(t, renderSARIF(t, r)).Runs[0].Results {
			fp := res.PartialFingerprints[sarifFingerprintKey]
			if fp == "" {
				t.Fatalf("result %s has no %s partial fingerprint", res.RuleID, sarifFingerprintKey)
			}
			out = append(out, fp)
		}
		return out
	}
	base := fingerprints(fixtureResult())

	moved := fixtureResult()
	moved.WorkDir = "/home/ci/build/42"
	moved.Migrations[0].Input = "elsewhere/orders-2026-11-20.json"
	for i := range moved.Migrations[0].Findings {
		moved.Migrations[0].Findings[i].Line += 7
	}
	if got := fingerprints(moved); !reflect.DeepEqual(got, base) {
		t.Errorf("fingerprints depend on the input path or line:\n got %v\nwant %v", got, base)
	}

	seen := map[string]bool{}
	for _, fp := range base {
		if seen[fp] {
			t.Errorf("two results share fingerprint %s", fp)
		}
		seen[fp] = true
	}
	// The engine's fingerprint wins when set.
	if !seen["e3a1c0de5f1b2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4"] {
		t.Error("Finding.Fingerprint set by the engine was not used")
	}

	other := fixtureResult()
	other.Migrations[0].Destination = "apigateway-hz-000000000000"
	otherFPs := fingerprints(other)
	for i, fp := range otherFPs[:len(other.Migrations[0].Findings)] {
		if fp == base[i] && fp != "e3a1c0de5f1b2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4" {
			t.Errorf("result %d keeps fingerprint %s for another destination", i, fp)
		}
	}
}

func TestSARIFRulesAndResults(t *testing.T) {
	r := fixtureResult()
	run := decodeSARIF(t, renderSARIF(t, r)).Runs[0]

	d := run.Tool.Driver
	if d.Name != "apigw-preflight" || d.Version != "0.4.0" || d.SemanticVersion != "0.4.0" || d.InformationURI == "" {
		t.Errorf("driver = %+v", d)
	}
	if len(d.Rules) != len(r.Rules) {
		t.Fatalf("%d rule descriptors, want %d", len(d.Rules), len(r.Rules))
	}
	for i, rule := range r.Rules {
		got := d.Rules[i]
		if got.ID != rule.ID || got.Name != rule.Name || got.ShortDescription.Text != rule.Title ||
			got.FullDescription.Text != rule.Description || got.Help.Text != rule.Description+"\n\nRemediation: "+rule.Remediation ||
			!strings.Contains(got.Help.Markdown, rule.Remediation) || got.HelpURI != rule.HelpURI ||
			got.DefaultConfiguration.Level != rule.Severity.String() {
			t.Errorf("descriptor %d = %+v, not generated from %+v", i, got, rule)
		}
	}
	secSev := map[string]string{}
	for _, rd := range d.Rules {
		s, _ := rd.Properties["security-severity"].(string)
		secSev[rd.ID] = s
	}
	// Only the rules tagged security: MIG003 derived from its severity,
	// MIG004 from METADATA.
	wantSecSev := map[string]string{"AGP001": "", "MIG001": "", "MIG003": "8.0", "MIG004": "7.5", "MIG011": "", "MIG013": "", "MIG015": ""}
	if !reflect.DeepEqual(secSev, wantSecSev) {
		t.Errorf("security-severity = %v, want %v", secSev, wantSecSev)
	}
	if tags, _ := d.Rules[3].Properties["tags"].([]any); d.Rules[3].ID != "MIG004" || len(tags) != 2 || tags[0] != "network" || tags[1] != "security" {
		t.Errorf("%s tags = %v", d.Rules[3].ID, d.Rules[3].Properties["tags"])
	}

	if want := len(r.Migrations[0].Findings) + len(r.Migrations[1].Findings); len(run.Results) != want {
		t.Fatalf("%d results, want %d", len(run.Results), want)
	}
	wantLine := map[string]int{"10.0.1.8": 96, "47.97.3.3": 80, "api.orders.example.com": 13, "#host#": 104}
	for i, res := range run.Results[:len(r.Migrations[0].Findings)] {
		f := r.Migrations[0].Findings[i] // the fixture is in report order
		if res.RuleID != f.RuleID {
			t.Fatalf("result %d is %s, want %s", i, res.RuleID, f.RuleID)
		}
		if res.RuleIndex == nil || d.Rules[*res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %d (%s): ruleIndex %v does not point at its rule", i, res.RuleID, res.RuleIndex)
		}
		if res.Level != f.Severity.String() {
			t.Errorf("result %d (%s): level %q, want %q", i, res.RuleID, res.Level, f.Severity)
		}
		if u, _ := res.Properties["undecided"].(bool); u != f.Undecided {
			t.Errorf("result %d (%s): properties.undecided %v, want %v", i, res.RuleID, res.Properties["undecided"], f.Undecided)
		}
		if want := f.Message + ". Remediation: " + strings.TrimSuffix(f.Remediation, ".") + "."; res.Message.Text != want {
			t.Errorf("result %d message\n got %q\nwant %q", i, res.Message.Text, want)
		}
		loc := res.Locations[0]
		if loc.PhysicalLocation.ArtifactLocation.URI != "snapshots/orders.json" || loc.PhysicalLocation.ArtifactLocation.URIBaseID != "%SRCROOT%" {
			t.Errorf("result %d uri %q", i, loc.PhysicalLocation.ArtifactLocation.URI)
		}
		if idx := loc.PhysicalLocation.ArtifactLocation.Index; idx == nil || run.Artifacts[*idx].Location.URI != "snapshots/orders.json" {
			t.Errorf("result %d artifact index %v", i, idx)
		}
		want := f.Line
		if want == 0 {
			want = 1
		}
		if line := loc.PhysicalLocation.Region.StartLine; line != want {
			t.Errorf("result %d (%s %s): startLine %d, want %d", i, res.RuleID, f.Key, line, want)
		}
		if l, ok := wantLine[f.Key]; ok && l != want {
			t.Errorf("fixture changed: line of %s", f.Key)
		}
		var fqns []string
		for _, ll := range loc.LogicalLocations {
			fqns = append(fqns, ll.FullyQualifiedName)
			if ll.Kind != "resource" {
				t.Errorf("logical location kind %q", ll.Kind)
			}
		}
		if want := "cn-hangzhou/" + f.Resource.Kind + "/" + f.Resource.ID; len(fqns) == 0 || fqns[0] != want {
			t.Errorf("result %d: first logical location %v, want the finding's resource %s", i, fqns, want)
		}
		if !slices.Contains(fqns, "cn-hangzhou/group/"+fxOrdersGroup) || !slices.Contains(fqns, "cn-hangzhou/instance/"+fxDestOrders) {
			t.Errorf("result %d logical locations %v lack the group or destination", i, fqns)
		}
	}

	inv := run.Invocations[0]
	if inv.ExecutionSuccessful || inv.ExitCode == nil || *inv.ExitCode != 1 {
		t.Errorf("invocation: successful=%v exitCode=%v, want false and 1", inv.ExecutionSuccessful, inv.ExitCode)
	}
	if n := inv.ToolExecutionNotifications; len(n) != 1 || n[0].Level != "error" || n[0].AssociatedRule.ID != "MIG011" ||
		n[0].AssociatedRule.Index == nil || d.Rules[*n[0].AssociatedRule.Index].ID != "MIG011" ||
		!strings.Contains(n[0].Message.Text, "eval_conflict_error") {
		t.Errorf("tool execution notifications = %+v", n)
	}
	if run.AutomationDetails != nil {
		t.Errorf("automationDetails %+v without a category", run.AutomationDetails)
	}
}

func TestSARIFLevel(t *testing.T) {
	for sev, want := range map[Severity]string{
		SeverityError:   "error",
		SeverityWarning: "warning",
		SeverityNote:    "note",
		SeverityNone:    "none",
	} {
		if got := sarifLevel(sev); got != want {
			t.Errorf("sarifLevel(%v) = %q, want %q", sev, got, want)
		}
	}
}

func TestSARIFExecutionSuccessful(t *testing.T) {
	// executionSuccessful follows the verdict; exitCode is whatever the
	// caller recorded.
	failing := fixtureResult()
	failing.Migrations[0].Errors = nil
	passing := fixtureResult()
	passing.Migrations = passing.Migrations[1:]
	passing.FailOn = ThresholdNever
	for _, tc := range []struct {
		name    string
		r       *Result
		verdict Verdict
		success bool
		code    int
	}{
		{"rule error", fixtureResult(), VerdictError, false, 1},
		{"failing finding", failing, VerdictFail, true, 3},
		{"pass", passing, VerdictPass, true, 0},
	} {
		tc.r.ExitCode = tc.code
		if v := tc.r.Verdict(); v != tc.verdict {
			t.Fatalf("%s: verdict %q, want %q", tc.name, v, tc.verdict)
		}
		inv := decodeSARIF(t, renderSARIF(t, tc.r)).Runs[0].Invocations[0]
		if inv.ExecutionSuccessful != tc.success || inv.ExitCode == nil || *inv.ExitCode != tc.code {
			t.Errorf("%s: executionSuccessful %v exitCode %v, want %v %d", tc.name, inv.ExecutionSuccessful, inv.ExitCode, tc.success, tc.code)
		}
	}
}

func TestSARIFArtifactLocation(t *testing.T) {
	for _, tc := range []struct{ workDir, root, input, uri, base string }{
		{"/src/infra", "", "/src/infra/snapshots/orders.json", "snapshots/orders.json", "%SRCROOT%"},
		{"/src/infra", "", "snapshots/orders.json", "snapshots/orders.json", "%SRCROOT%"},
		{"/src/infra", "", "./snapshots/../snapshots/a b.json", "snapshots/a%20b.json", "%SRCROOT%"},
		{"/src/infra", "", "-", "stdin", ""},
		{"/src/infra", "", "/tmp/s.json", "file:///tmp/s.json", ""},
		{"/src/infra", "", "../other/s.json", "file:///src/other/s.json", ""},
		{"", "", "snapshots/s.json", "snapshots/s.json", "%SRCROOT%"},
		// The repository root, not the working directory.
		{"/src/infra", "/src", "snapshots/orders.json", "infra/snapshots/orders.json", "%SRCROOT%"},
		{"/src/infra/deploy", "/src", "../snapshots/o.json", "infra/snapshots/o.json", "%SRCROOT%"},
		{"/work", "/src", "snapshots/o.json", "file:///work/snapshots/o.json", ""},
	} {
		a := sarifArtifactFor(tc.workDir, tc.root, tc.input)
		if a.uri != tc.uri || a.base != tc.base {
			t.Errorf("sarifArtifactFor(%q, %q, %q) = %q base %q, want %q base %q", tc.workDir, tc.root, tc.input, a.uri, a.base, tc.uri, tc.base)
		}
	}
}

// A job that runs in a subdirectory (working-directory:) reports the same
// repository-relative URIs and line hashes as one that runs at the top.
func TestSARIFSourceRoot(t *testing.T) {
	top := fixtureResult()
	top.WorkDir = "/src"
	top.Migrations[0].Input = "infra/snapshots/orders.json"
	top.Migrations[1].Input = "infra/snapshots/payments.json"
	sub := fixtureResult() // WorkDir /src/infra, inputs relative to it or absolute
	a := decodeSARIF(t, renderSARIFWith(t, top, Options{SourceRoot: "/src"})).Runs[0]
	b := decodeSARIF(t, renderSARIFWith(t, sub, Options{SourceRoot: "/src"})).Runs[0]
	for _, run := range []struct {
		name string
		uris []string
		base string
	}{
		{"top", artifactURIs(a), a.OriginalURIBaseIDs["%SRCROOT%"].URI},
		{"sub", artifactURIs(b), b.OriginalURIBaseIDs["%SRCROOT%"].URI},
	} {
		if want := []string{"infra/snapshots/orders.json", "infra/snapshots/payments.json"}; !slices.Equal(run.uris, want) {
			t.Errorf("%s: artifact URIs %v, want %v", run.name, run.uris, want)
		}
		if run.base != "file:///src/" {
			t.Errorf("%s: originalUriBaseIds %%SRCROOT%% = %q, want file:///src/", run.name, run.base)
		}
	}
	if ha, hb := lineHashes(t, a), lineHashes(t, b); !slices.Equal(ha, hb) {
		t.Errorf("line hashes differ between working directories:\n%v\n%v", ha, hb)
	}
	// No input inside the root: no base to declare.
	stdin := fixtureResult()
	stdin.Migrations = stdin.Migrations[:1]
	stdin.Migrations[0].Input = "-"
	if run := decodeSARIF(t, renderSARIF(t, stdin)).Runs[0]; run.OriginalURIBaseIDs != nil {
		t.Errorf("originalUriBaseIds %v for standard input alone", run.OriginalURIBaseIDs)
	}
}

func artifactURIs(run sarifRun) []string {
	var out []string
	for _, a := range run.Artifacts {
		out = append(out, a.Location.URI)
	}
	return out
}

type sarifRun struct {
	Tool struct {
		Driver struct {
			Name            string `json:"name"`
			Version         string `json:"version"`
			SemanticVersion string `json:"semanticVersion"`
			InformationURI  string `json:"informationUri"`
			Rules           []struct {
				ID               string `json:"id"`
				Name             string `json:"name"`
				ShortDescription struct {
					Text string `json:"text"`
				} `json:"shortDescription"`
				FullDescription struct {
					Text string `json:"text"`
				} `json:"fullDescription"`
				Help struct {
					Text     string `json:"text"`
					Markdown string `json:"markdown"`
				} `json:"help"`
				HelpURI              string `json:"helpUri"`
				DefaultConfiguration struct {
					Level string `json:"level"`
				} `json:"defaultConfiguration"`
				Properties map[string]any `json:"properties"`
			} `json:"rules"`
		} `json:"driver"`
	} `json:"tool"`
	OriginalURIBaseIDs map[string]struct {
		URI string `json:"uri"`
	} `json:"originalUriBaseIds"`
	Artifacts []struct {
		Location struct {
			URI       string `json:"uri"`
			URIBaseID string `json:"uriBaseId"`
		} `json:"location"`
	} `json:"artifacts"`
	Invocations []struct {
		ExecutionSuccessful        bool `json:"executionSuccessful"`
		ExitCode                   *int `json:"exitCode"`
		ToolExecutionNotifications []struct {
			Level   string `json:"level"`
			Message struct {
				Text string `json:"text"`
			} `json:"message"`
			AssociatedRule struct {
				ID    string `json:"id"`
				Index *int   `json:"index"`
			} `json:"associatedRule"`
		} `json:"toolExecutionNotifications"`
	} `json:"invocations"`
	AutomationDetails *struct {
		ID string `json:"id"`
	} `json:"automationDetails"`
	Results []struct {
		RuleID     string         `json:"ruleId"`
		RuleIndex  *int           `json:"ruleIndex"`
		Level      string         `json:"level"`
		Properties map[string]any `json:"properties"`
		Message    struct {
			Text string `json:"text"`
		} `json:"message"`
		Locations []struct {
			PhysicalLocation struct {
				ArtifactLocation struct {
					URI       string `json:"uri"`
					URIBaseID string `json:"uriBaseId"`
					Index     *int   `json:"index"`
				} `json:"artifactLocation"`
				Region struct {
					StartLine int `json:"startLine"`
				} `json:"region"`
			} `json:"physicalLocation"`
			LogicalLocations []struct {
				Name               string         `json:"name"`
				FullyQualifiedName string         `json:"fullyQualifiedName"`
				Kind               string         `json:"kind"`
				Properties         map[string]any `json:"properties"`
			} `json:"logicalLocations"`
		} `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
	} `json:"results"`
}

// lineHashes returns every result's primaryLocationLineHash, in order; a
// result without one fails the test.
func lineHashes(t *testing.T, run sarifRun) []string {
	t.Helper()
	var out []string
	for _, res := range run.Results {
		h := res.PartialFingerprints["primaryLocationLineHash"]
		if h == "" {
			t.Fatalf("result %s has no primaryLocationLineHash", res.RuleID)
		}
		out = append(out, h)
	}
	return out
}

var lineHashRE = regexp.MustCompile(`^[0-9a-f]{16}:[1-9][0-9]*$`)

// primaryLocationLineHash: on every result, unique, stable across runs,
// derived from the logical fingerprint (not the line's text), and
// unchanged for the other results when an input joins the run.
func TestSARIFLineHash(t *testing.T) {
	r := fixtureResult()
	// Two findings on one line of one file, as MIG009 gives for two
	// backends behind one security group rule.
	r.Migrations[0].Findings = append(r.Migrations[0].Findings,
		Finding{RuleID: "MIG004", RuleName: "egress-allowlist", Severity: SeverityError, Message: "backend 10.0.1.9 is not allowed",
			Resource: Resource{Kind: "backend", ID: "5c0f3e2a9b7d4e18a6c1b2d3e4f50617", Name: "CreateOrder"}, Line: 96, Key: "10.0.1.9"})
	base := decodeSARIF(t, renderSARIF(t, r)).Runs[0]
	hashes := lineHashes(t, base)
	seen := map[string]bool{}
	for i, h := range hashes {
		if !lineHashRE.MatchString(h) {
			t.Errorf("result %d: primaryLocationLineHash %q is not <16 hex>:<n>", i, h)
		}
		if seen[h] {
			t.Errorf("two results share primaryLocationLineHash %s", h)
		}
		seen[h] = true
		res := base.Results[i]
		want := sarifLineHash(res.PartialFingerprints[sarifFingerprintKey], res.Locations[0].PhysicalLocation.ArtifactLocation.URI) + ":1"
		if h != want {
			t.Errorf("result %d (%s): %s, want %s from its fingerprint", i, res.RuleID, h, want)
		}
	}

	// The same findings on other lines: the same hashes.
	moved := fixtureResult()
	moved.Migrations[0].Findings = slices.Clone(r.Migrations[0].Findings)
	for i := range moved.Migrations[0].Findings {
		moved.Migrations[0].Findings[i].Line += 7
	}
	if got := lineHashes(t, decodeSARIF(t, renderSARIF(t, moved)).Runs[0]); !slices.Equal(got, hashes) {
		t.Errorf("line hashes depend on the line:\n got %v\nwant %v", got, hashes)
	}

	// Another snapshot joins the run, even one for the same move: every
	// earlier result keeps its hash, and there is still no category.
	more := fixtureResult()
	more.Migrations[0].Findings = slices.Clone(r.Migrations[0].Findings)
	dup := more.Migrations[0]
	dup.Input = "snapshots/orders-copy.json"
	more.Migrations = append([]Migration{dup}, more.Migrations...)
	run := decodeSARIF(t, renderSARIF(t, more)).Runs[0]
	got := lineHashes(t, run)
	if !slices.Equal(got[len(dup.Findings):], hashes) {
		t.Errorf("adding an input changed other results' hashes:\n got %v\nwant %v", got[len(dup.Findings):], hashes)
	}
	all := map[string]bool{}
	for _, h := range got {
		if all[h] {
			t.Errorf("hash %s repeated after adding an input", h)
		}
		all[h] = true
	}
	if run.AutomationDetails != nil {
		t.Errorf("automationDetails %+v", run.AutomationDetails)
	}

	// Identical results in one file (one input given twice) are told
	// apart by the occurrence.
	twice := fixtureResult()
	twice.Migrations = []Migration{twice.Migrations[1], twice.Migrations[1]}
	if got := lineHashes(t, decodeSARIF(t, renderSARIF(t, twice)).Runs[0]); len(got) != 2 || got[0] == got[1] ||
		strings.TrimSuffix(got[0], ":1") != strings.TrimSuffix(got[1], ":2") {
		t.Errorf("one input twice: %v, want <h>:1 and <h>:2", got)
	}
}

func TestSARIFCategory(t *testing.T) {
	for category, want := range map[string]string{"": "", "apigw-preflight": "apigw-preflight/", "prod/hangzhou/": "prod/hangzhou/"} {
		run := decodeSARIF(t, renderSARIFWith(t, fixtureResult(), Options{SARIFCategory: category})).Runs[0]
		got := ""
		if run.AutomationDetails != nil {
			got = run.AutomationDetails.ID
		}
		if got != want || (want == "") != (run.AutomationDetails == nil) {
			t.Errorf("category %q: automationDetails %+v, want id %q", category, run.AutomationDetails, want)
		}
	}
}

// Every rule carries problem.severity and precision; fullDescription fits
// GitHub's 1,024 characters and the whole text is in help.
func TestSARIFRuleProperties(t *testing.T) {
	r := fixtureResult()
	long := strings.Repeat("The outbound IP changes with the instance and every backend must allow it. ", 20)
	r.Rules[3].Description = long // MIG004
	r.Rules[1].Precision = "medium"
	run := decodeSARIF(t, renderSARIF(t, r)).Runs[0]
	want := map[string][2]string{
		"AGP001": {"warning", "high"}, "MIG001": {"error", "medium"}, "MIG003": {"error", "high"},
		"MIG004": {"error", "high"}, "MIG011": {"error", "high"}, "MIG013": {"recommendation", "high"}, "MIG015": {"warning", "high"},
	}
	for _, d := range run.Tool.Driver.Rules {
		got := [2]string{fmt.Sprint(d.Properties["problem.severity"]), fmt.Sprint(d.Properties["precision"])}
		if got != want[d.ID] {
			t.Errorf("%s: problem.severity, precision = %v, want %v", d.ID, got, want[d.ID])
		}
		if n := utf8.RuneCountInString(d.FullDescription.Text); n > 1024 {
			t.Errorf("%s: fullDescription has %d characters", d.ID, n)
		}
		if d.ID == "MIG004" {
			if !strings.HasSuffix(d.FullDescription.Text, "it. (...)") || !strings.HasPrefix(long, strings.TrimSuffix(d.FullDescription.Text, " (...)")) {
				t.Errorf("MIG004 fullDescription not cut at a sentence: %q", d.FullDescription.Text)
			}
			if !strings.HasPrefix(d.Help.Markdown, long) || !strings.HasPrefix(d.Help.Text, long) {
				t.Errorf("MIG004 help lacks the whole description")
			}
		}
	}
	if s := sarifShorten("short.", 1024); s != "short." {
		t.Errorf("sarifShorten changed a short text: %q", s)
	}
	if s := sarifShorten(strings.Repeat("x", 2000), 1024); utf8.RuneCountInString(s) != 1024 {
		t.Errorf("sarifShorten of one long word: %d characters", utf8.RuneCountInString(s))
	}
}

func TestSARIFSemanticVersion(t *testing.T) {
	for v, want := range map[string]string{"0.4.0": "0.4.0", "v1.2.3-rc.1+abc": "1.2.3-rc.1+abc", "dev": "", "(devel)": "", "1.2": ""} {
		got, ok := sarifSemanticVersion(v)
		if !ok {
			got = ""
		}
		if got != want {
			t.Errorf("sarifSemanticVersion(%q) = %q, want %q", v, got, want)
		}
	}
}

// A finding of a rule the result does not describe still gets a descriptor
// with everything GitHub requires (GH2012: fullDescription and help).
func TestSARIFUnknownRuleDescriptor(t *testing.T) {
	r := fixtureResult()
	r.Rules = r.Rules[1:2] // only MIG001 described
	run := decodeSARIF(t, renderSARIF(t, r)).Runs[0]
	ids := []string{}
	for _, rd := range run.Tool.Driver.Rules {
		ids = append(ids, rd.ID)
		if rd.ShortDescription.Text == "" || rd.FullDescription.Text == "" || rd.Help.Text == "" {
			t.Errorf("descriptor %s lacks a description or help: %+v", rd.ID, rd)
		}
	}
	if want := []string{"MIG001", "MIG004", "MIG003", "MIG013", "MIG011", "AGP001"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("descriptors %v, want %v", ids, want)
	}
	for _, res := range run.Results {
		if res.RuleIndex == nil || run.Tool.Driver.Rules[*res.RuleIndex].ID != res.RuleID {
			t.Errorf("%s: ruleIndex %v", res.RuleID, res.RuleIndex)
		}
	}
}
