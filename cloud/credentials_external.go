package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/aliyun/credentials-go/credentials/providers"
)

// externalProvider runs the process_command of an External profile and
// reads the credentials it prints, in the aliyun CLI's format:
// {"mode": "AK"|"StsToken", "access_key_id": ..., "access_key_secret": ...,
// "sts_token": ..., "expiration": "2006-01-02T15:04:05Z"}.
//
// credentials-go has this provider too, but on output it cannot parse it
// prints the command and the output (which may hold a secret) on stdout,
// where the reports go, and without an expiration it runs the command
// again before every call. This one never prints, keeps the credentials
// for the run (until three minutes before their expiration, when given)
// and writes nothing back to the profile file.
type externalProvider struct {
	command string
	clean   func(string) string // redacts a message

	mu      sync.Mutex
	cached  *providers.Credentials
	expires time.Time // zero: no expiration given
}

// externalTimeout bounds one run of the command, as credentials-go does.
const externalTimeout = 60 * time.Second

// maxExternalOutput bounds what is read of the command's output.
const maxExternalOutput = 64 << 10

func newExternalProvider(command string, clean func(string) string) *externalProvider {
	return &externalProvider{command: command, clean: clean}
}

// GetProviderName implements providers.CredentialsProvider.
func (e *externalProvider) GetProviderName() string { return "external" }

// GetCredentials implements providers.CredentialsProvider.
func (e *externalProvider) GetCredentials() (*providers.Credentials, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cached != nil && (e.expires.IsZero() || time.Until(e.expires) > 3*time.Minute) {
		cc := *e.cached
		return &cc, nil
	}
	args, err := splitCommand(e.command, runtime.GOOS == "windows")
	if err != nil {
		return nil, fmt.Errorf("process_command: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), externalTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stdout capped
	stdout.limit = maxExternalOutput
	cmd.Stdout = &stdout // standard error is discarded
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		why := err.Error()
		switch {
		case ctx.Err() != nil:
			why = fmt.Sprintf("did not finish within %s", externalTimeout)
		case errors.As(err, &ee):
			// Its standard error is not quoted: it may hold a secret.
			why = fmt.Sprintf("exited with status %d; run it yourself to see why", ee.ExitCode())
		default:
			why = "could not be started: " + e.clean(why)
		}
		return nil, fmt.Errorf("process_command %s", why)
	}
	if stdout.over {
		return nil, fmt.Errorf("process_command printed more than %d bytes; want one JSON object of credentials", maxExternalOutput)
	}
	var out struct {
		Mode            string `json:"mode"`
		AccessKeyID     string `json:"access_key_id"`
		AccessKeySecret string `json:"access_key_secret"`
		StsToken        string `json:"sts_token"`
		Expiration      string `json:"expiration"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		// The output is never quoted: it may hold a secret.
		return nil, errors.New(`process_command did not print a JSON object like {"mode": "StsToken", "access_key_id": ..., ` +
			`"access_key_secret": ..., "sts_token": ...}`)
	}
	switch {
	case out.AccessKeyID == "" || out.AccessKeySecret == "":
		return nil, errors.New("process_command printed no access_key_id or access_key_secret")
	case out.Mode == "StsToken" && out.StsToken == "":
		return nil, errors.New(`process_command printed mode "StsToken" without sts_token`)
	}
	e.expires = time.Time{}
	if out.Expiration != "" {
		t, err := time.Parse("2006-01-02T15:04:05Z", out.Expiration)
		if err != nil {
			return nil, fmt.Errorf("process_command printed expiration %q; want a time like 2006-01-02T15:04:05Z", Truncate(out.Expiration, 40))
		}
		e.expires = t
	}
	e.cached = &providers.Credentials{AccessKeyId: out.AccessKeyID, AccessKeySecret: out.AccessKeySecret,
		SecurityToken: out.StsToken, ProviderName: e.GetProviderName()}
	cc := *e.cached
	return &cc, nil
}

// capped is a buffer that keeps at most limit bytes and notes the rest.
type capped struct {
	bytes.Buffer
	limit int
	over  bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.limit - c.Len(); len(p) > room {
		c.over = true
		if room > 0 {
			c.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return c.Buffer.Write(p)
}

// splitCommand splits a process_command into its arguments as the aliyun
// CLI and credentials-go do (no shell is involved): white space separates
// arguments; single quotes keep everything literal; double quotes group,
// and inside them a backslash escapes only " \ $ `; outside quotes a
// backslash escapes the next character, except on Windows, where it is a
// path separator (and escapes only " inside double quotes).
func splitCommand(command string, windows bool) ([]string, error) {
	var args []string
	var cur strings.Builder
	started, single, double := false, false, false
	rs := []rune(strings.TrimSpace(command))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case single:
			if r == '\'' {
				single = false
			} else {
				cur.WriteRune(r)
			}
		case double:
			switch {
			case r == '"':
				double = false
			case r == '\\' && i+1 < len(rs) && (rs[i+1] == '"' || !windows && strings.ContainsRune("\\$`", rs[i+1])):
				i++
				cur.WriteRune(rs[i])
			case r == '\\' && i+1 < len(rs) && !windows && rs[i+1] == '\n':
				i++
			default:
				cur.WriteRune(r)
			}
		case r == '\\' && !windows:
			if i+1 >= len(rs) {
				return nil, errors.New("ends with a backslash")
			}
			i++
			if rs[i] != '\n' {
				started = true
				cur.WriteRune(rs[i])
			}
		case r == '\'':
			single, started = true, true
		case r == '"':
			double, started = true, true
		case unicode.IsSpace(r):
			if started {
				args = append(args, cur.String())
				cur.Reset()
				started = false
			}
		default:
			started = true
			cur.WriteRune(r)
		}
	}
	switch {
	case single || double:
		return nil, errors.New("has an unclosed quote")
	case started:
		args = append(args, cur.String())
	}
	if len(args) == 0 {
		return nil, errors.New("is empty")
	}
	return args, nil
}
