package report

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	// The OASIS SARIF 2.1.0 schema comes from this module (it embeds it as a
	// Go constant); the import pins the module in go.mod and go.sum so the
	// schema test reads a verified copy from the module cache.
	_ "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

func renderSARIF(t *testing.T, r *Result) []byte {
	t.Helper()
	f, err := Lookup("sarif")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.New(Options{}).Report(&buf, r); err != nil {
		t.Fatalf("sarif report: %v", err)
	}
	return buf.Bytes()
}

// sarifLog is the part of a SARIF log the tests look at.
type sarifLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
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
		Artifacts []struct {
			Location struct {
				URI string `json:"uri"`
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
		AutomationDetails struct {
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
						URI   string `json:"uri"`
						Index *int   `json:"index"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
				LogicalLocations []struct {
					Name               string `json:"name"`
					FullyQualifiedName string `json:"fullyQualifiedName"`
					Kind               string `json:"kind"`
				} `json:"logicalLocations"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
	} `json:"runs"`
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
			got.FullDescription.Text != rule.Description || got.Help.Text != rule.Remediation ||
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
	wantSecSev := map[string]string{"AGP001": "5.0", "MIG001": "8.0", "MIG003": "8.0", "MIG004": "7.5", "MIG011": "8.0", "MIG013": "2.0", "MIG015": "5.0"}
	if !reflect.DeepEqual(secSev, wantSecSev) {
		t.Errorf("security-severity = %v, want %v", secSev, wantSecSev)
	}
	if tags, _ := d.Rules[3].Properties["tags"].([]any); d.Rules[3].ID != "MIG004" || len(tags) != 2 || tags[0] != "network" {
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
		if loc.PhysicalLocation.ArtifactLocation.URI != "snapshots/orders.json" {
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
	if id := run.AutomationDetails.ID; !strings.HasPrefix(id, "apigw-preflight/set-") || !strings.HasSuffix(id, "/") {
		t.Errorf("automation id %q", run.AutomationDetails.ID)
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

func TestSARIFURI(t *testing.T) {
	for _, tc := range []struct{ workDir, input, want string }{
		{"/src/infra", "/src/infra/snapshots/orders.json", "snapshots/orders.json"},
		{"/src/infra", "snapshots/orders.json", "snapshots/orders.json"},
		{"/src/infra", "./snapshots/../snapshots/a b.json", "snapshots/a%20b.json"},
		{"/src/infra", "-", "stdin"},
		{"/src/infra", "/tmp/s.json", "file:///tmp/s.json"},
		{"/src/infra", "../other/s.json", "file:///src/other/s.json"},
		{"", "snapshots/s.json", "snapshots/s.json"},
	} {
		if got := sarifURI(tc.workDir, tc.input); got != tc.want {
			t.Errorf("sarifURI(%q, %q) = %q, want %q", tc.workDir, tc.input, got, tc.want)
		}
	}
}

func TestSARIFAutomationID(t *testing.T) {
	one := fixtureResult()
	one.Migrations = one.Migrations[:1]
	if got, want := sarifAutomationID(one.Migrations), "apigw-preflight/"+fxOrdersGroup+"->"+fxDestOrders+"/"; got != want {
		t.Errorf("one migration: %q, want %q", got, want)
	}
	two := fixtureResult().Migrations
	swapped := []Migration{two[1], two[0]}
	a, b := sarifAutomationID(two), sarifAutomationID(swapped)
	if a != b || !strings.HasPrefix(a, "apigw-preflight/set-") || !strings.HasSuffix(a, "/") {
		t.Errorf("two migrations: %q and %q, want one stable apigw-preflight/set-<hash>/", a, b)
	}
	three := append(two, Migration{GroupID: "x", Destination: "y"})
	if sarifAutomationID(three) == a {
		t.Error("a different set of migrations has the same automation id")
	}
	if got := sarifAutomationID(nil); got != "apigw-preflight/" {
		t.Errorf("no migration: %q", got)
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
