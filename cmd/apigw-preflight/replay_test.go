package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/emulator"
)

// demoKeys are the demo world's access key.
var demoKeys = []string{
	"ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tDemoPreflight0001",
	"ALIBABA_CLOUD_ACCESS_KEY_SECRET=demo-secret-not-for-production",
	"ALIBABA_CLOUD_REGION_ID=cn-hangzhou",
}

type replayFinding struct {
	RuleID      string `json:"ruleId"`
	Severity    string `json:"severity"`
	Message     string `json:"message"`
	Fingerprint string `json:"fingerprint"`
	Line        int    `json:"line"`
}

func reportFindings(t *testing.T, path string) (int, []replayFinding) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		ExitCode   int `json:"exitCode"`
		Migrations []struct {
			Findings []replayFinding `json:"findings"`
		} `json:"migrations"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Migrations) != 1 {
		t.Fatalf("%s: %d migrations", path, len(rep.Migrations))
	}
	return rep.ExitCode, rep.Migrations[0].Findings
}

// run against the emulator gives the same findings as check on the snapshot
// it saved: the snapshot is a faithful, replayable record.
func TestRunMatchesCheckOnSavedSnapshot(t *testing.T) {
	w, err := emulator.LoadWorld(repoFile(t, "testdata/worlds/demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(emulator.New(w))
	defer ts.Close()
	config := repoFile(t, "testdata/worlds/demo-config.yaml")
	cases := []struct {
		name, group, dest string
		code              int
		rules             []string
	}{
		{"orders", "523e8dc7bbe04613b5b1d726c2a7889d", "apigateway-hz-3f9a1c7e2b84", 0, nil},
		{"payments", "9f4b2a61c0d84e7fa35b6c19e2d07f48", "apigateway-hz-3f9a1c7e2b84", 3, []string{"MIG001", "MIG002", "MIG004", "MIG005"}},
		{"inventory", "e1c7305b9a2f4d6c8b14f0a9d3e6c552", "apigateway-hz-8d2e6b1f0c57", 3, []string{"MIG009"}},
		{"catalog", "c4a8e2f60b1d4c7e9a3f5b7d1e0c2a48", "apigateway-hz-2b7e4f1a9c30", 3, []string{"MIG004", "MIG018", "MIG019", "MIG020"}},
		{"search", "2d6f0b4e8a1c4e9b7d3f5a1c0e2b4d68", "apigateway-hz-7a4c1e9b3d52", 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			r := runCLI(t, dir, demoKeys, "run", "--endpoint", ts.URL, "--config", config,
				"--group", c.group, "--to", c.dest, "--snapshot-out", "snap.json", "-f", "json=run.json")
			if r.code != c.code {
				t.Fatalf("run: exit %d, want %d\n%s", r.code, c.code, r.stderr)
			}
			r = runCLI(t, dir, nil, "check", "--config", config, "-f", "json=check.json", "snap.json")
			if r.code != c.code {
				t.Fatalf("check: exit %d, want %d\n%s", r.code, c.code, r.stderr)
			}
			_, ran := reportFindings(t, filepath.Join(dir, "run.json"))
			_, checked := reportFindings(t, filepath.Join(dir, "check.json"))
			if !reflect.DeepEqual(ran, checked) {
				t.Fatalf("run and check disagree:\nrun:   %+v\ncheck: %+v", ran, checked)
			}
			seen := map[string]bool{}
			for _, f := range ran {
				if f.Severity == "error" {
					seen[f.RuleID] = true
				}
				if f.Line < 2 {
					t.Errorf("%s finding without a line in the snapshot: %+v", f.RuleID, f)
				}
			}
			for _, id := range c.rules {
				if !seen[id] {
					t.Errorf("expected an error finding of %s; got %+v", id, ran)
				}
			}
			if len(seen) != len(c.rules) {
				t.Errorf("error rules %v, want %v", seen, c.rules)
			}
		})
	}
}
