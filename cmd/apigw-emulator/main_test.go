package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/cloudapi"
	"github.com/rogpeppe/go-internal/testscript"
)

// binary is apigw-emulator: the copy of this test binary that TestMain
// puts on PATH, which runs main (nothing is built with go build).
var binary string

func TestMain(m *testing.M) {
	testscript.Main(testingM{m}, map[string]func(){"apigw-emulator": main})
}

// testingM finds the copy TestMain put on PATH before the tests run.
type testingM struct{ m *testing.M }

func (t testingM) Run() int {
	p, err := exec.LookPath("apigw-emulator")
	if err != nil || !strings.HasPrefix(filepath.Base(filepath.Dir(filepath.Dir(p))), "testscript-main") {
		panic(fmt.Sprintf("apigw-emulator is not the test binary on PATH: %q, %v", p, err))
	}
	binary = p
	return t.m.Run()
}

const demoWorld = "../../testdata/worlds/demo.yaml"

func runBinary(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

func TestUsageErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("regionId: cn-hangzhou\ncredentials: [{accessKeyId: a, accessKeySecret: b}]\ngroupz: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string // in stderr
	}{
		{"no world", nil, 2, []string{"--world FILE is required"}},
		{"public addr", []string{"--world", demoWorld, "--addr", "0.0.0.0:8080"}, 2, []string{"refusing to listen on 0.0.0.0", "loopback"}},
		{"all interfaces", []string{"--world", demoWorld, "--addr", ":8080"}, 2, []string{"refusing to listen on all interfaces"}},
		{"lan addr", []string{"--world", demoWorld, "--addr", "192.168.1.10:8080"}, 2, []string{"192.168.1.10"}},
		{"bad flag", []string{"--wrld", demoWorld}, 2, []string{"unknown flag: --wrld"}},
		{"missing world file", []string{"--world", "/nonexistent/w.yaml"}, 2, []string{"/nonexistent/w.yaml"}},
		{"bad world", []string{"--world", bad}, 2, []string{bad, "line 3", `unknown key "groupz"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runBinary(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
				t.Errorf("stderr has %d lines, want one message: %s", n+1, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
		})
	}
}

func TestHelp(t *testing.T) {
	stdout, stderr, code := runBinary(t, "--help")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, w := range []string{"--world FILE", "--addr HOST:PORT", "--addr-file FILE", "--log FILE", "--seed", "loopback", "demo.yaml", "Exit status"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("help lacks %q", w)
		}
	}
}

func TestServeAndShutdown(t *testing.T) {
	dir := t.TempDir()
	addrFile := filepath.Join(dir, "emu.url")
	logFile := filepath.Join(dir, "emu.log")
	cmd := exec.Command(binary, "--world", demoWorld, "--addr-file", addrFile, "--log", logFile, "--seed", "7")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read stdout: %v (stderr %s)", err, stderr.String())
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "apigw-emulator listening on ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("stdout line %q", line)
	}
	data, err := os.ReadFile(addrFile)
	if err != nil || strings.TrimSpace(string(data)) != url {
		t.Fatalf("--addr-file holds %q (%v), want %s", data, err, url)
	}

	t.Setenv("HTTP_PROXY", "")
	c, err := cloudapi.NewClientWithAccessKey("cn-hangzhou", "LTAI5tDemoPreflight0001", "demo-secret-not-for-production")
	if err != nil {
		t.Fatal(err)
	}
	c.Domain = strings.TrimPrefix(url, "http://")
	req := cloudapi.CreateDescribeApiGroupRequest()
	req.Scheme = "http"
	req.GroupId = "9f4b2a61c0d84e7fa35b6c19e2d07f48"
	resp, err := c.DescribeApiGroup(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.GroupName != "payments" || resp.TrafficLimit != 800 || resp.Ipv6Status != "UNBIND" {
		t.Errorf("payments = %+v", resp)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v (stderr %s)", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit 10s after SIGTERM")
	}
	logged, _ := os.ReadFile(logFile)
	if !strings.Contains(string(logged), "action=DescribeApiGroup key=LTAI5tDemoPreflight0001 status=200") {
		t.Errorf("log = %q", logged)
	}
	if strings.Contains(string(logged), "demo-secret") {
		t.Errorf("log leaks the secret: %q", logged)
	}
	if _, err := os.Stat(addrFile); !os.IsNotExist(err) {
		t.Errorf("--addr-file left behind after shutdown (%v)", err)
	}
}
