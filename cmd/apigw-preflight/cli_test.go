package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// binary is the apigw-preflight binary built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "apigw-preflight-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "apigw-preflight")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs the binary in dir with stdin and a clean, colourless env.
func runCLI(t *testing.T, dir, stdin string, args ...string) cliResult {
	t.Helper()
	return execCLI(t, dir, stdin, nil, args...)
}

// execCLI runs the binary in dir with stdin, without colour, with no
// ALIBABA_CLOUD_* variables but those in env, HOME at an empty directory and
// no ECS metadata lookups, so no test can pick up real credentials.
func execCLI(t *testing.T, dir, stdin string, env []string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "ALIBABA_CLOUD_") && k != "HOME" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "NO_COLOR=1", "HOME="+t.TempDir(), "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cliResult{code, out.String(), errb.String()}
}

func repoFile(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// mutate writes a copy of the healthy sample changed by f into dir.
func mutate(t *testing.T, dir, name string, f func(map[string]any)) string {
	t.Helper()
	raw, err := os.ReadFile(repoFile(t, "testdata/snapshots/healthy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	f(doc)
	out, _ := json.MarshalIndent(doc, "", "  ")
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		file    string
		stdin   string
		wantErr []string
	}{
		{"not JSON", write(t, dir, "notjson.json", "not json\n"), "", []string{"notjson.json:1:", "not valid JSON"}},
		{"empty file", write(t, dir, "empty.json", ""), "", []string{"empty.json", "file is empty"}},
		{"JSON array", write(t, dir, "array.json", "[{}]\n"), "", []string{"array.json:1:", "top level is a JSON array", "one snapshot object per file"}},
		{"unknown schemaVersion", mutate(t, dir, "v2.json", func(d map[string]any) { d["schemaVersion"] = "apigw-preflight/v2" }), "",
			[]string{"v2.json:", "schemaVersion", `unsupported schema version "apigw-preflight/v2"`, "this build reads apigw-preflight/v1"}},
		{"missing destination", mutate(t, dir, "nodest.json", func(d map[string]any) { delete(d, "destination") }), "",
			[]string{"nodest.json", "missing property 'destination'"}},
		{"wrong type in traffic.peakRps", mutate(t, dir, "peak.json", func(d map[string]any) { d["traffic"].(map[string]any)["peakRps"] = "lots" }), "",
			[]string{"peak.json:", "traffic.peakRps", "got string, want number"}},
		{"truncated stdin", "-", `{"schemaVersion": "apigw-preflight/v1"`, []string{"<stdin>", "unexpected end of file"}},
		{"missing file", filepath.Join(dir, "nope.json"), "", []string{"nope.json", "no such file"}},
		{"loose boolean that is not one", mutate(t, dir, "ipv6.json", func(d map[string]any) { d["destination"].(map[string]any)["SupportIpv6"] = "yes" }), "",
			[]string{"destination.SupportIpv6", `"true"/"false"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, "report.json")
			r := runCLI(t, dir, c.stdin, "check", "-f", "text", "-f", "json="+out, c.file)
			if r.code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr: %s", r.code, exitUsage, r.stderr)
			}
			for _, w := range c.wantErr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not contain %q", r.stderr, w)
				}
			}
			if c.name == "unknown schemaVersion" {
				// The message points at the line that holds the field.
				raw, _ := os.ReadFile(c.file)
				line := 1 + strings.Count(string(raw[:bytes.Index(raw, []byte(`"schemaVersion"`))]), "\n")
				if want := fmt.Sprintf("v2.json:%d:", line); !strings.Contains(r.stderr, want) {
					t.Errorf("stderr %q does not point at line %d", r.stderr, line)
				}
			}
			if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("want one line of error, got:\n%s", r.stderr)
			}
			if strings.Contains(r.stderr, "goroutine") || r.stdout != "" {
				t.Errorf("unexpected output: stdout %q stderr %q", r.stdout, r.stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a report was written for bad input")
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	healthy := repoFile(t, "testdata/snapshots/healthy.json")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"check"}, "no snapshot given"},
		{[]string{"check", "-f", "xml", healthy}, `unknown format "xml"`},
		{[]string{"check", "-f", "text", "-f", "json", healthy}, "only one report can go to stdout"},
		{[]string{"check", "--fail-on", "fatal", healthy}, `unknown --fail-on value "fatal"`},
		{[]string{"check", "--bogus", healthy}, "unknown flag: --bogus"},
		{[]string{"check", "-f", "json=", healthy}, "empty file name"},
		{[]string{"check", "-", "-"}, "only once"},
		{[]string{"check", "-f", "json=no/such/dir/r.json", healthy}, "directory no/such/dir does not exist"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, c := range cases {
		r := runCLI(t, t.TempDir(), "", c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d stderr %q; want exit 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestGateExitCodes(t *testing.T) {
	healthy := repoFile(t, "testdata/snapshots/healthy.json")
	dir := t.TempDir()
	rpsTicket := mutate(t, dir, "ticket.json", func(d map[string]any) { d["group"].(map[string]any)["TrafficLimit"] = 800 })
	// A dedicated source adds only a note (MIG013).
	noteOnly := mutate(t, dir, "note.json", func(d map[string]any) {
		src := d["source"].(map[string]any)
		src["InstanceId"], src["InstanceType"] = "apigateway-hz-0123456789ab", "VPC_DEDICATED"
		d["group"].(map[string]any)["InstanceId"] = "apigateway-hz-0123456789ab"
		d["group"].(map[string]any)["InstanceType"] = "VPC_DEDICATED"
	})
	cases := []struct {
		name   string
		args   []string
		want   int
		stdout string
	}{
		{"healthy passes", []string{"check", healthy}, exitPass, "0 failed the gate"},
		{"error fails", []string{"check", rpsTicket}, exitGateFailed, "MIG002 custom-rps-ticket"},
		{"error with --fail-on never passes", []string{"check", "--fail-on", "never", rpsTicket}, exitPass, "MIG002"},
		{"note passes at error", []string{"check", noteOnly}, exitPass, "MIG013 source-drain"},
		{"note fails at note", []string{"check", "--fail-on", "note", noteOnly}, exitGateFailed, "1 failed the gate (--fail-on note)"},
		{"one failing of two fails", []string{"check", healthy, rpsTicket}, exitGateFailed, "2 migrations, 1 failed the gate"},
		{"tunable moves the ticket threshold", []string{"check", "--default-group-rps", "800", rpsTicket}, exitPass, "0 failed the gate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, dir, "", c.args...)
			if r.code != c.want || !strings.Contains(r.stdout, c.stdout) {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr: %s", r.code, c.want, r.stdout, r.stderr)
			}
		})
	}
}

func TestStdinAndSeveralReports(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile(repoFile(t, "testdata/snapshots/healthy.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, dir, string(raw), "check", "-f", "json=report.json", "-f", "text", "-")
	if r.code != exitPass {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "PASS  orders (523e8dc7bbe04613b5b1d726c2a7889d): api-shared-vpc-001 -> apigateway-hz-ab12cd34ef56") {
		t.Errorf("text report on stdout:\n%s", r.stdout)
	}
	var rep struct {
		Migrations []struct {
			Input          string   `json:"input"`
			RulesEvaluated []string `json:"rulesEvaluated"`
		} `json:"migrations"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err == nil {
		err = json.Unmarshal(b, &rep)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Migrations) != 1 || rep.Migrations[0].Input != "-" || len(rep.Migrations[0].RulesEvaluated) != 16 {
		t.Errorf("json report migrations = %+v", rep.Migrations)
	}
}

func TestColorOnlyWhenAsked(t *testing.T) {
	healthy := repoFile(t, "testdata/snapshots/healthy.json")
	if r := runCLI(t, t.TempDir(), "", "check", healthy); strings.Contains(r.stdout, "\x1b[") {
		t.Error("colour on a pipe")
	}
	if r := runCLI(t, t.TempDir(), "", "check", "--color", "always", healthy); !strings.Contains(r.stdout, "\x1b[") {
		t.Error("no colour with --color always")
	}
}

func TestHelp(t *testing.T) {
	r := runCLI(t, t.TempDir(), "", "check", "--help")
	if r.code != exitPass {
		t.Fatalf("exit %d", r.code)
	}
	for _, want := range []string{"--format", "FORMAT[=FILE]", "--fail-on", "sarif", "junit", "Exit codes:", "3  gate failed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("check --help lacks %q", want)
		}
	}
	r = runCLI(t, t.TempDir(), "", "--help")
	for _, c := range commands() {
		if !strings.Contains(r.stdout, c.name) {
			t.Errorf("--help lacks command %s", c.name)
		}
	}
}

func TestPoliciesList(t *testing.T) {
	r := runCLI(t, t.TempDir(), "", "policies", "list")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for i := 1; i <= 16; i++ {
		if id := fmt.Sprintf("MIG%03d", i); !strings.Contains(r.stdout, id) {
			t.Errorf("policies list lacks %s", id)
		}
	}
}

// One evaluation writes text, SARIF and JUnit; two runs on the same input
// give the same SARIF bytes, wherever the input file lives.
func TestSarifAndJUnitFromOneRun(t *testing.T) {
	src := repoFile(t, "testdata/snapshots/firing/MIG009-sg-drops-backend.json")
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var sarifs [][]byte
	for _, sub := range []string{"a", "b/c"} {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		in := filepath.Join(sub, "snap.json")
		if err := os.WriteFile(filepath.Join(dir, in), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		r := runCLI(t, dir, "", "check", "--now", testNow, "-f", "text", "-f", "sarif=out.sarif", "-f", "junit=out.xml", in)
		if r.code != exitGateFailed || !strings.Contains(r.stdout, "MIG009 eni-security-group") {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		xml, err := os.ReadFile(filepath.Join(dir, "out.xml"))
		if err != nil || !bytes.Contains(xml, []byte(`name="MIG009 eni-security-group`)) || !bytes.Contains(xml, []byte("<failure")) {
			t.Fatalf("junit report: %v\n%s", err, xml)
		}
		s, err := os.ReadFile(filepath.Join(dir, "out.sarif"))
		if err != nil {
			t.Fatal(err)
		}
		var log struct {
			Runs []struct {
				Results []struct {
					RuleID              string            `json:"ruleId"`
					PartialFingerprints map[string]string `json:"partialFingerprints"`
					Locations           []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
							Region           struct{ StartLine int } `json:"region"`
						} `json:"physicalLocation"`
					} `json:"locations"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(s, &log); err != nil {
			t.Fatal(err)
		}
		res := log.Runs[0].Results
		if len(res) == 0 || res[0].RuleID != "MIG009" || res[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != filepath.ToSlash(in) ||
			res[0].Locations[0].PhysicalLocation.Region.StartLine < 2 {
			t.Fatalf("sarif results: %+v", res)
		}
		// Paths differ between the two runs, and so do the line hashes
		// (made from the repository-relative path, so that two files with
		// the same finding stay two alerts): strip them to compare the
		// rest, the logical fingerprints included.
		s = bytes.ReplaceAll(s, []byte(filepath.ToSlash(in)), []byte("SNAPSHOT"))
		s = bytes.ReplaceAll(s, []byte(filepath.ToSlash(dir)), []byte("ROOT"))
		s = regexp.MustCompile(`"primaryLocationLineHash": "[0-9a-f]{16}:[0-9]+"`).ReplaceAll(s, []byte(`"primaryLocationLineHash": "HASH"`))
		sarifs = append(sarifs, s)
	}
	if !bytes.Equal(sarifs[0], sarifs[1]) {
		t.Error("SARIF differs between two runs on the same snapshot at different paths")
	}
}
