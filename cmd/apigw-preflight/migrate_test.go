package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/emulator"
)

const (
	dest      = "apigateway-hz-ab12cd34ef56"
	dedSource = "apigateway-hz-5a5a5a5a5a5a"
)

// migrateEmulator serves the shared world testdata/worlds/cli.yaml; hook,
// when set, runs before each request with its action, GroupId and the
// count of that action so far (this one included): a test changes the
// cloud between two reads with it.
type migrateEmulator struct {
	srv *emulator.Server
	url string

	mu    sync.Mutex
	seen  map[string]int
	hook  func(action, group string, n int)
	calls []string
}

func startMigrateEmulator(t *testing.T) *migrateEmulator {
	t.Helper()
	w, err := emulator.LoadWorld(repoFile(t, "testdata/worlds/cli.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	me := &migrateEmulator{srv: emulator.New(w), seen: map[string]int{}}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		action, group := q.Get("Action"), q.Get("GroupId")
		me.mu.Lock()
		me.seen[action+"/"+group]++
		n := me.seen[action+"/"+group]
		me.calls = append(me.calls, action)
		hook := me.hook
		me.mu.Unlock()
		if hook != nil {
			hook(action, group, n)
		}
		me.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	me.url = hs.URL
	return me
}

func (me *migrateEmulator) setHook(f func(action, group string, n int)) {
	me.mu.Lock()
	me.hook = f
	me.mu.Unlock()
}

// migrateArgs is a fast migrate run of group: short polls and wait.
func migrateArgs(me *migrateEmulator, group string, extra ...string) []string {
	args := []string{"run", "--group", group, "--to", dest, "--endpoint", me.url, "--migrate",
		"--poll-interval", "5ms", "--wait-timeout", "10s"}
	return append(args, extra...)
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(raw)
	return hex.EncodeToString(s[:])
}

// auditLines reads the audit log: one JSON object per line.
func auditLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("testsecret")) {
		t.Error("the audit log holds the secret")
	}
	var out []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("audit line %d is not JSON: %v\n%s", i+1, err, line)
		}
		out = append(out, m)
	}
	return out
}

// auditOutcome reads the audit log of one run and returns its outcome
// line: the only line when no write was sent, else the line after the
// intent line that announced the write (same attempt).
func auditOutcome(t *testing.T, path string) map[string]any {
	t.Helper()
	lines := auditLines(t, path)
	out := lines[len(lines)-1]
	checkAttempt(t, lines, out)
	return out
}

// checkAttempt checks the lines of the attempt whose outcome is out: an
// intent line right before it when the write was sent, none otherwise.
func checkAttempt(t *testing.T, lines []map[string]any, out map[string]any) {
	t.Helper()
	var mine []map[string]any
	for _, l := range lines {
		if l["attempt"] == out["attempt"] {
			mine = append(mine, l)
		}
	}
	if s, _ := out["attempt"].(string); len(s) != 16 || out["status"] == "intent" || out["finished"] == nil {
		t.Fatalf("not an outcome line: %v", out)
	}
	switch {
	case out["writeSent"] == true && (len(mine) != 2 || mine[0]["status"] != "intent" || mine[0]["finished"] != nil):
		t.Errorf("a run that sent the write has lines %v: want an intent line, then the outcome", mine)
	case out["writeSent"] != true && len(mine) != 1:
		t.Errorf("a run that sent no write has lines %v: want the outcome only", mine)
	}
}

// reportExit reads the exitCode of a json report.
func reportExit(t *testing.T, path string) int {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct{ ExitCode *int }
	if err := json.Unmarshal(raw, &rep); err != nil || rep.ExitCode == nil {
		t.Fatalf("%s: no exitCode (%v)", path, err)
	}
	return *rep.ExitCode
}

func noSecret(t *testing.T, r cliResult) {
	t.Helper()
	if strings.Contains(r.stdout+r.stderr, "testsecret") {
		t.Error("output leaks the secret")
	}
}

func TestMigrateSucceedsOnceAndIsIdempotent(t *testing.T) {
	me := startMigrateEmulator(t)
	dir := t.TempDir()
	write(t, dir, ".apigw-preflight.yaml", cliConfigFile)

	r := runCLI(t, dir, goodKeys, migrateArgs(me, "g-orders", "--yes", "--audit-log", "audit.jsonl",
		"-f", "text", "-f", "json=report.json", "--snapshot-out", "snap.json")...)
	noSecret(t, r)
	if r.code != 0 {
		t.Fatalf("migrate: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if n := me.srv.Calls("ModifyApiGroupInstance"); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want exactly 1", n)
	}
	if g := me.srv.Group("g-orders"); g["InstanceId"] != dest || g["MigrationStatus"] != "Success" {
		t.Errorf("group after the run: InstanceId %v, MigrationStatus %v", g["InstanceId"], g["MigrationStatus"])
	}
	if !strings.Contains(r.stdout, "orders") || strings.Contains(r.stdout, "Migration finished") {
		t.Errorf("stdout should hold the report only:\n%s", r.stdout)
	}
	for _, want := range []string{
		"About to migrate API group orders (g-orders)",
		"Re-checking group orders (g-orders) before the write",
		"ModifyApiGroupInstance accepted (RequestId ",
		"waiting: MigrationStatus Running",
		"Migration finished: group orders (g-orders) is on " + dest + " (MigrationStatus Success)",
		"Group state now: InstanceId " + dest + ", InstanceType VPC_DEDICATED normal, MigrationStatus Success",
		"1 to 10 minutes",
		"If Terraform manages group g-orders, its configuration still names the old instance",
		"    instance_id = \"" + dest + "\"\non its alicloud_api_gateway_group resource, then run terraform apply -refresh-only",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "do not release") {
		t.Errorf("a serverless source got the dedicated-source advice:\n%s", r.stderr)
	}
	// The write comes after the re-check and one more read of the group:
	// the calls are collect, collect again, read the group, write, polls,
	// collect once more.
	me.mu.Lock()
	calls := append([]string(nil), me.calls...)
	me.mu.Unlock()
	var groupReads, writeAt int
	for i, c := range calls {
		switch c {
		case "DescribeApiGroup":
			groupReads++
		case "ModifyApiGroupInstance":
			writeAt = i
			if groupReads != 3 {
				t.Errorf("the write came after %d group reads, want 3 (report, re-check, right before the write)", groupReads)
			}
		}
	}
	if writeAt == 0 {
		t.Error("no write seen")
	}

	lines := auditLines(t, filepath.Join(dir, "audit.jsonl"))
	if len(lines) != 2 {
		t.Fatalf("audit lines = %d, want 2 (intent, outcome)", len(lines))
	}
	a := lines[1]
	checkAttempt(t, lines, a)
	if in := lines[0]; in["status"] != "intent" || in["remark"] != a["remark"] || in["recheckReportSha256"] != a["recheckReportSha256"] ||
		in["reportSha256"] != a["reportSha256"] || in["destination"] != dest || in["writeSent"] != false {
		t.Errorf("intent line = %v", in)
	}
	for k, want := range map[string]any{
		"group": "g-orders", "groupName": "orders", "source": "api-shared-vpc-001", "destination": dest,
		"region": "cn-hangzhou", "verdict": "pass", "recheckVerdict": "pass", "failOn": "error",
		"status": "succeeded", "consent": "yes-flag", "writeSent": true, "migrationStarted": true,
		"dryRun": false, "instanceId": dest, "migrationStatus": "Success",
		"snapshotSha256": sha256File(t, filepath.Join(dir, "snap.json")),
		"reportSha256":   sha256File(t, filepath.Join(dir, "report.json")),
	} {
		if a[k] != want {
			t.Errorf("audit %s = %v, want %v", k, a[k], want)
		}
	}
	for _, k := range []string{"recheckSnapshotSha256", "recheckReportSha256"} {
		if s, _ := a[k].(string); len(s) != 64 {
			t.Errorf("%s = %v: want the SHA-256 of the re-check", k, a[k])
		}
	}
	if !strings.HasPrefix(a["remark"].(string), "apigw-preflight: gate passed, report sha256 "+a["reportSha256"].(string)[:16]) {
		t.Errorf("remark = %v: want it to name the report", a["remark"])
	}
	ids, _ := a["requestIds"].([]any)
	var modifyID string
	for _, x := range ids {
		c := x.(map[string]any)
		if c["action"] == "ModifyApiGroupInstance" {
			modifyID, _ = c["requestId"].(string)
		}
	}
	if modifyID == "" || !strings.Contains(r.stderr, "RequestId "+modifyID) {
		t.Errorf("audit requestIds %v: want the write's RequestId, as printed", ids)
	}

	// Again: the group is on the target now. No write, and the exit
	// code agrees with the report (0 once the report passes).
	r = runCLI(t, dir, goodKeys, migrateArgs(me, "g-orders", "--yes", "--audit-log", "audit.jsonl", "-f", "json=again.json")...)
	if want := reportExit(t, filepath.Join(dir, "again.json")); r.code != want || !strings.Contains(r.stderr, "Group orders (g-orders) is already on "+dest) {
		t.Errorf("second run: exit %d, report says %d\n%s", r.code, want, r.stderr)
	}
	if n := me.srv.Calls("ModifyApiGroupInstance"); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls after the second run = %d, want still 1", n)
	}
	lines = auditLines(t, filepath.Join(dir, "audit.jsonl"))
	if len(lines) != 3 || lines[2]["status"] != "already-on-target" || lines[2]["writeSent"] != false {
		t.Errorf("second audit line = %v", lines[len(lines)-1])
	}
	checkAttempt(t, lines, lines[2])
}

func TestMigrateFailureIsExit1(t *testing.T) {
	me := startMigrateEmulator(t)
	dir := t.TempDir()
	r := runCLI(t, dir, goodKeys, migrateArgs(me, "g-fails", "--yes", "--audit-log", "audit.jsonl")...)
	if r.code != 1 || !strings.Contains(r.stderr, `MigrationStatus Failed, MigrationError "destination lacks the internal domain"; the group stays on api-shared-vpc-001`) {
		t.Errorf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if n := me.srv.Calls("ModifyApiGroupInstance"); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
	}
	a := auditOutcome(t, filepath.Join(dir, "audit.jsonl"))
	if a["status"] != "failed" || a["migrationStatus"] != "Failed" || a["migrationError"] != "destination lacks the internal domain" || a["writeSent"] != true {
		t.Errorf("audit = %v", a)
	}
}

func TestMigrateSurvivesThrottledPolls(t *testing.T) {
	me := startMigrateEmulator(t)
	dir := t.TempDir()
	write(t, dir, ".apigw-preflight.yaml", cliConfigFile)
	// The first poll (the fourth read of the group: report, re-check,
	// right before the write, poll) and the two after it are throttled.
	me.setHook(func(action, group string, n int) {
		if action == "DescribeApiGroup" && n == 4 {
			me.srv.AddFault(emulator.Fault{Action: "DescribeApiGroup", Code: "Throttling.User", Count: 3})
		}
	})
	r := runCLI(t, dir, goodKeys, migrateArgs(me, "g-orders", "--yes")...)
	if r.code != 0 || !strings.Contains(r.stderr, "Throttling.User") || !strings.Contains(r.stderr, "Migration finished") {
		t.Errorf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if n := me.srv.Calls("ModifyApiGroupInstance"); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
	}
}

func TestMigrateRefusesWhenStateChanged(t *testing.T) {
	me := startMigrateEmulator(t)
	dir := t.TempDir()
	write(t, dir, ".apigw-preflight.yaml", cliConfigFile)
	// Between the report (first read) and the re-check (second read),
	// someone locks the group.
	me.setHook(func(action, group string, n int) {
		if action == "DescribeApiGroup" && group == "g-orders" && n == 2 {
			me.srv.UpdateGroup("g-orders", func(g map[string]any) { g["IllegalStatus"] = "LOCKED" })
		}
	})
	r := runCLI(t, dir, goodKeys, migrateArgs(me, "g-orders", "--yes", "--audit-log", "audit.jsonl")...)
	for _, want := range []string{"the state changed since the report was made", "verdict: pass -> fail", "new finding error MIG014", "nothing was written"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.code != 3 {
		t.Errorf("exit %d, want 3", r.code)
	}
	if n := me.srv.Calls("ModifyApiGroupInstance"); n != 0 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 0", n)
	}
	a := auditOutcome(t, filepath.Join(dir, "audit.jsonl"))
	if a["status"] != "refused" || a["verdict"] != "pass" || a["recheckVerdict"] != "fail" || a["writeSent"] != false {
		t.Errorf("audit = %v", a)
	}
}

func TestMigrateTimeout(t *testing.T) {
	me := startMigrateEmulator(t)
	dir := t.TempDir()
	r := runCLI(t, dir, goodKeys, append(migrateArgs(me, "g-slow", "--yes", "--audit-log", "audit.jsonl"), "--wait-timeout", "150ms")...)
	if r.code != 1 || !strings.Contains(r.stderr, "did not finish within 150ms") || !strings.Contains(r.stderr, "It may still complete: check with `aliyun cloudapi DescribeApiGroup --GroupId g-slow`") {
		t.Errorf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if a := auditOutcome(t, filepath.Join(dir, "audit.jsonl")); a["status"] != "timeout" || a["migrationStatus"] != "Running" {
		t.Errorf("audit = %v", a)
	}
	// Run again: the migration is in flight, so it is waited for, never
	// issued again.
	r = runCLI(t, dir, goodKeys, append(migrateArgs(me, "g-slow", "--yes"), "--wait-timeout", "100ms")...)
	if r.code != 1 || !strings.Contains(r.stderr, "has a migration in flight") {
		t.Errorf("second run: exit %d\nstderr: %s", r.code, r.stderr)
	}
	if n := me.srv.Calls("ModifyApiGroupInstance"); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
	}
}

func TestMigrateWatchDrain(t *testing.T) {
	me := startMigrateEmulator(t)
	dir := t.TempDir()
	r := runCLI(t, dir, goodKeys, migrateArgs(me, "g-ded", "--yes", "--watch-drain", "10s", "--audit-log", "audit.jsonl")...)
	for _, want := range []string{
		dedSource + " is a dedicated instance: do not release it yet",
		"drain: " + dedSource + " still receives 40 requests/s",
		"drain: " + dedSource + " still receives 5 requests/s",
		"Traffic to " + dedSource + " has stopped (0 requests/s",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.code != 0 {
		t.Errorf("exit %d", r.code)
	}
	if a := auditOutcome(t, filepath.Join(dir, "audit.jsonl")); a["drain"] != "drained" || a["status"] != "succeeded" {
		t.Errorf("audit = %v", a)
	}
}

// TestMigratePrompt runs the command in-process with a terminal on stdin.
func TestMigratePrompt(t *testing.T) {
	me := startMigrateEmulator(t)
	dir := t.TempDir()
	for _, kv := range goodKeys {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	t.Setenv("ALIBABA_CLOUD_PROFILE", "")
	t.Chdir(dir)
	write(t, dir, ".apigw-preflight.yaml", cliConfigFile)
	inProcess := func(answer string) (int, string) {
		var out, errb bytes.Buffer
		e := &env{stdin: strings.NewReader(answer), stdout: &out, stderr: &errb, getenv: os.Getenv, stdinTTY: true}
		code := run(context.Background(), e, migrateArgs(me, "g-orders"))
		return code, errb.String()
	}
	code, stderr := inProcess("yes\n")
	if code != 2 || !strings.Contains(stderr, "Type the group name (orders) to migrate it now") || !strings.Contains(stderr, `aborted: the answer "yes" is not "orders"`) {
		t.Errorf("answer yes: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "The change takes effect in 1 to 10 minutes") {
		t.Errorf("the prompt did not show the DNS precaution:\n%s", stderr)
	}
	if n := me.srv.Calls("ModifyApiGroupInstance"); n != 0 {
		t.Fatalf("a declined prompt wrote: %d calls", n)
	}
	code, stderr = inProcess("orders\n")
	if code != 0 || !strings.Contains(stderr, "Migration finished") {
		t.Errorf("answer orders: exit %d\n%s", code, stderr)
	}
	if n := me.srv.Calls("ModifyApiGroupInstance"); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
	}
}
