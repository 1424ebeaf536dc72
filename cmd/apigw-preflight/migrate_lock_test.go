package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Several run --migrate on one group at once send one write: the others
// wait for the group's lock, then find the group moved.
func TestConcurrentMigrateRunsWriteOnce(t *testing.T) {
	for _, n := range []int{2, 5} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			me := startMigrateEmulator(t)
			dir := t.TempDir()
			write(t, dir, ".apigw-preflight.yaml", cliConfigFile)
			// One user's cache directory, where the group locks live.
			env := append([]string{"XDG_CACHE_HOME=" + t.TempDir()}, goodKeys...)
			var ps []*proc
			for i := range n {
				ps = append(ps, startCLI(t, dir, nil, env, migrateArgs(me, "g-orders", "--yes", "--audit-log", "audit.jsonl",
					"--lock-timeout", "2m", "-f", fmt.Sprintf("json=report-%d.json", i))...))
			}
			migrated := 0
			for i, p := range ps {
				code := p.wait(t)
				stderr := p.stderr.String()
				switch {
				case strings.Contains(stderr, "has a migration in flight") && code == 0:
					// Collected while another run's migration ran: it
					// waited for that migration instead of writing.
				case code == 0 && strings.Contains(stderr, "Migration finished"):
					migrated++
				case strings.Contains(stderr, "already on "+dest) || strings.Contains(stderr, "is now on "+dest):
					// Moved by another run: the exit code is the report's.
					if want := reportExit(t, filepath.Join(dir, fmt.Sprintf("report-%d.json", i))); code != want {
						t.Errorf("run %d: exit %d, its report says %d\n%s", i, code, want, stderr)
					}
				default:
					t.Errorf("run %d: exit %d\n%s", i, code, stderr)
				}
				if strings.Contains(stderr, "not changed") || strings.Contains(stderr, "was rejected") {
					t.Errorf("run %d reports a rejection:\n%s", i, stderr)
				}
			}
			if w := me.srv.Calls("ModifyApiGroupInstance"); w != 1 || migrated != 1 {
				t.Errorf("ModifyApiGroupInstance calls = %d, runs that migrated = %d: want exactly 1 and 1", w, migrated)
			}
			lines := auditLines(t, filepath.Join(dir, "audit.jsonl"))
			intents, sent := 0, 0
			for _, l := range lines {
				if l["status"] == "intent" {
					intents++
					continue
				}
				checkAttempt(t, lines, l)
				if l["writeSent"] == true {
					sent++
				}
			}
			if len(lines) != n+1 || intents != 1 || sent != 1 {
				t.Errorf("audit: %d lines, %d intents, %d writes; want %d, 1, 1", len(lines), intents, sent, n+1)
			}
		})
	}
}
