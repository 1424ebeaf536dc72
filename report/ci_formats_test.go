package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// ciOptions are the options the golden files of the CI formats use: the
// repository is /src, the command ran in /src/infra.
var ciOptions = Options{SourceRoot: "/src"}

func renderWith(t *testing.T, name string, opts Options, r *Result) []byte {
	t.Helper()
	f, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.New(opts).Report(&buf, r); err != nil {
		t.Fatalf("%s report: %v", name, err)
	}
	return buf.Bytes()
}

func TestCIFormatGoldens(t *testing.T) {
	for name, file := range map[string]string{"github": "report.github.txt", "markdown": "report.md", "gitlab": "report.gitlab.json"} {
		t.Run(name, func(t *testing.T) {
			compareGolden(t, "golden/"+file, renderWith(t, name, ciOptions, fixtureResult()))
			compareGolden(t, "golden/plan."+file, renderWith(t, name, ciOptions, planResult()))
		})
	}
}

func TestCIFormatsDoNotModifyResult(t *testing.T) {
	for _, name := range []string{"github", "markdown", "gitlab"} {
		r := fixtureResult()
		slices.Reverse(r.Migrations[0].Findings)
		before := fixtureResult()
		slices.Reverse(before.Migrations[0].Findings)
		a := renderWith(t, name, ciOptions, r)
		if fmt.Sprint(r) != fmt.Sprint(before) {
			t.Errorf("%s modified its input", name)
		}
		if b := renderWith(t, name, ciOptions, fixtureResult()); !bytes.Equal(a, b) {
			t.Errorf("%s: finding order changes the output", name)
		}
	}
}

// githubCommand is a workflow command read back by the runner's rules.
type githubCommand struct {
	level, message string
	props          map[string]string
}

var githubCommandRE = regexp.MustCompile(`^::(error|warning|notice)(?: ([^:]*))?::(.*)$`)

// parseGitHub reads workflow commands as the runner does: the command
// name, comma-separated key=value properties (unescaping %25, %0D, %0A,
// %3A and %2C) and the message (unescaping %25, %0D and %0A). Other lines
// are plain log lines.
func parseGitHub(t *testing.T, out []byte) (cmds []githubCommand, plain []string) {
	t.Helper()
	unData := strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%")
	unProp := strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%")
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		m := githubCommandRE.FindStringSubmatch(line)
		if m == nil {
			if strings.HasPrefix(line, "::") {
				t.Errorf("malformed workflow command %q", line)
			}
			plain = append(plain, line)
			continue
		}
		c := githubCommand{level: m[1], message: unData.Replace(m[3]), props: map[string]string{}}
		if m[2] != "" {
			for _, kv := range strings.Split(m[2], ",") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || c.props[k] != "" {
					t.Errorf("bad property %q in %q", kv, line)
				}
				c.props[k] = unProp.Replace(v)
			}
		}
		cmds = append(cmds, c)
	}
	return cmds, plain
}

func TestGitHubAnnotations(t *testing.T) {
	r := fixtureResult()
	cmds, plain := parseGitHub(t, renderWith(t, "github", ciOptions, r))
	if want := len(r.Migrations[0].Findings) + len(r.Migrations[1].Findings) + 1; len(cmds) != want {
		t.Fatalf("%d annotations, want %d (findings and the rule error)", len(cmds), want)
	}
	if len(plain) != 1 || !strings.HasPrefix(plain[0], "2 migrations, 1 failed the gate") {
		t.Errorf("plain lines %q, want the summary line", plain)
	}
	rank := map[string]int{"error": 0, "warning": 1, "notice": 2}
	for i := 1; i < len(cmds); i++ {
		if rank[cmds[i-1].level] > rank[cmds[i].level] {
			t.Errorf("annotation %d (%s) after a %s: errors must come first", i, cmds[i].level, cmds[i-1].level)
		}
	}
	want := map[string]githubCommand{}
	for _, m := range r.Migrations {
		file := "infra/snapshots/" + strings.TrimPrefix(strings.TrimPrefix(m.Input, "/src/infra/"), "snapshots/")
		for _, f := range m.Findings {
			title := f.RuleID + " " + f.RuleName + " (" + m.ID() + ")"
			want[title+" "+f.Message] = githubCommand{level: githubLevel(f.Severity), message: sarifSentence(f.Message) + " Remediation: " + sarifSentence(f.Remediation),
				props: map[string]string{"file": file, "line": fmt.Sprint(max(f.Line, 1)), "title": title}}
		}
	}
	for _, c := range cmds {
		if strings.Contains(c.props["title"], "not evaluated") {
			if c.level != "error" || !strings.Contains(c.message, "eval_conflict_error") || c.props["file"] != "infra/snapshots/orders.json" {
				t.Errorf("rule error annotation %+v", c)
			}
			continue
		}
		key := ""
		for k := range want {
			if strings.HasPrefix(k, c.props["title"]+" ") && strings.HasPrefix(c.message, sarifSentence(strings.TrimPrefix(k, c.props["title"]+" "))) {
				key = k
			}
		}
		w, ok := want[key]
		if !ok || c.level != w.level || c.message != w.message || fmt.Sprint(c.props) != fmt.Sprint(w.props) {
			t.Errorf("annotation %+v\nwant %+v", c, w)
		}
		delete(want, key)
	}
	if len(want) > 0 {
		t.Errorf("findings without an annotation: %v", want)
	}
}

// GitHub's escaping: %, CR and LF in the message; also : and , in
// properties. The parsed command gives back the original text.
func TestGitHubEscaping(t *testing.T) {
	r := fixtureResult()
	r.Migrations = r.Migrations[:1]
	r.Migrations[0].Errors = nil
	r.Migrations[0].Input = "snap,shots/a:b%.json"
	r.Migrations[0].GroupName = "ord:ers,eu"
	f := &r.Migrations[0].Findings[0]
	f.Message = "100% over\r\nthe limit: 3,100 RPS\x1b[31m"
	f.Remediation = ""
	r.Migrations[0].Findings = r.Migrations[0].Findings[:1]
	out := renderWith(t, "github", Options{}, r)
	first := strings.SplitN(string(out), "\n", 2)[0]
	wantLine := "::error file=snap%2Cshots/a%3Ab%25.json,line=58,title=MIG001 rps-capacity (ord%3Aers%2Ceu -> " + fxDestOrders + ")::100%25 over%0D%0Athe limit: 3,100 RPS."
	if first != wantLine {
		t.Errorf("command\n got %s\nwant %s", first, wantLine)
	}
	cmds, _ := parseGitHub(t, out)
	if c := cmds[0]; c.message != "100% over\r\nthe limit: 3,100 RPS." || c.props["file"] != "snap,shots/a:b%.json" || c.props["title"] != "MIG001 rps-capacity (ord:ers,eu -> "+fxDestOrders+")" {
		t.Errorf("parsed back %+v", c)
	}
	// No file outside the repository or for standard input.
	r.Migrations[0].Input = "-"
	if cmds, _ := parseGitHub(t, renderWith(t, "github", Options{}, r)); cmds[0].props["file"] != "" || cmds[0].props["line"] != "" {
		t.Errorf("stdin: %+v", cmds[0])
	}
}

// The job summary is the markdown report, written to Options.StepSummary.
func TestGitHubStepSummary(t *testing.T) {
	var summary bytes.Buffer
	opts := ciOptions
	opts.StepSummary = &summary
	annotations := renderWith(t, "github", opts, fixtureResult())
	if !bytes.Equal(annotations, renderWith(t, "github", ciOptions, fixtureResult())) {
		t.Error("the annotations depend on whether a job summary is written")
	}
	if md := renderWith(t, "markdown", ciOptions, fixtureResult()); !bytes.Equal(summary.Bytes(), md) {
		t.Errorf("job summary differs from the markdown report:\n%s", summary.Bytes())
	}
}

// markdownBlocks checks the structure GitHub and GitLab render: a heading,
// tables whose rows have their header's column count, balanced <details>
// blocks each with a <summary>; it returns the rows of the migrations
// table, the details blocks and the number of finding lines.
func markdownBlocks(t *testing.T, md string) (rows, details, findings int) {
	t.Helper()
	lines := strings.Split(md, "\n")
	if !strings.HasPrefix(lines[0], "## apigw-preflight: ") {
		t.Errorf("first line %q", lines[0])
	}
	open := false
	cols := 0
	migrationTable := false
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "|") && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "|---"):
			// A table's header: every row has its column count.
			cols = strings.Count(l, "|")
			migrationTable = strings.HasPrefix(l, "| | migration")
			if n := strings.Count(lines[i+1], "|"); n != cols {
				t.Errorf("header %q has %d separators, its rule %d", l, cols, n)
			}
		case strings.HasPrefix(l, "|") && !strings.HasPrefix(l, "|---"):
			if migrationTable {
				rows++
			}
			if n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"); n != cols {
				t.Errorf("row %q has %d cells separators, header %d", l, n, cols)
			}
		case l == "":
			cols, migrationTable = 0, false
		case strings.HasPrefix(l, "<details><summary>"):
			if open || !strings.HasSuffix(l, "</summary>") {
				t.Errorf("bad <details> line %q", l)
			}
			open = true
			details++
		case l == "</details>":
			if !open {
				t.Error("</details> without <details>")
			}
			open = false
		case strings.HasPrefix(l, "- **"):
			findings++
		}
	}
	if open {
		t.Error("unclosed <details>")
	}
	return rows, details, findings
}

func TestMarkdownStructure(t *testing.T) {
	r := fixtureResult()
	md := string(renderWith(t, "markdown", ciOptions, r))
	rows, details, findings := markdownBlocks(t, md)
	if rows != 2 || details != 2 || findings != 8 {
		t.Errorf("%d rows, %d details, %d finding lines; want 2, 2 and 8 (7 findings, 1 rule error)", rows, details, findings)
	}
	if strings.Contains(md, "Left out") {
		t.Error("a small report says something was left out")
	}
	// Text from findings cannot open HTML or break the table.
	r.Migrations[0].Findings[0].Message = "<script>alert(1)</script> | *bold* [x](y)"
	r.Migrations[0].GroupName = "a|b<i>"
	md = string(renderWith(t, "markdown", ciOptions, r))
	for _, bad := range []string{"<script>", "<i>", "*bold*", "[x](y)"} {
		if strings.Contains(md, bad) {
			t.Errorf("markdown holds %q unescaped", bad)
		}
	}
	if !strings.Contains(md, `| **FAIL** | a\|b&lt;i&gt; (`) {
		t.Errorf("table row does not escape the group name:\n%s", md)
	}
	if _, _, n := markdownBlocks(t, md); n != 8 {
		t.Errorf("%d finding lines after escaping", n)
	}
}

// However many findings, the summary stays within MarkdownLimit characters
// and says what it left out; what it shows plus what it left out is all.
func TestMarkdownLimit(t *testing.T) {
	many := fixtureResult()
	base := many.Migrations[0]
	many.Migrations = nil
	for i := range 600 {
		m := base
		m.GroupID = fmt.Sprintf("group%04d", i)
		m.Findings = nil
		for j := range 20 {
			f := base.Findings[j%len(base.Findings)]
			f.Key = fmt.Sprint(j)
			f.Message = strings.Repeat("long message ", 5) + f.Message
			m.Findings = append(m.Findings, f)
		}
		many.Migrations = append(many.Migrations, m)
	}
	one := fixtureResult()
	one.Migrations = one.Migrations[:1]
	for j := range 3000 {
		f := base.Findings[0]
		f.Key = fmt.Sprint(j)
		one.Migrations[0].Findings = append(one.Migrations[0].Findings, f)
	}
	for name, r := range map[string]*Result{"many migrations": many, "one large migration": one} {
		t.Run(name, func(t *testing.T) {
			md := string(renderWith(t, "markdown", ciOptions, r))
			if n := utf8.RuneCountInString(md); n > MarkdownLimit || n < MarkdownLimit-5000 {
				t.Errorf("%d characters, want at most %d and close to it", n, MarkdownLimit)
			}
			left := regexp.MustCompile(`_Left out to stay within 65000 characters: (.*)\. The text, json and sarif reports have everything\._\n$`).FindStringSubmatch(md)
			if left == nil {
				t.Fatalf("no closing line saying what was left out:\n%s", md[len(md)-400:])
			}
			rows, details, shown := markdownBlocks(t, md)
			total, errs := 0, 0
			for _, m := range r.Migrations {
				total += len(m.Findings)
				errs += len(m.Errors)
			}
			var omittedRows, omittedDetails, omittedFindings int
			for _, part := range strings.Split(left[1], ", ") {
				var n int
				switch {
				case strings.HasSuffix(part, "table rows"), strings.HasSuffix(part, "table row"):
					fmt.Sscan(part, &n)
					omittedRows = n
				case strings.HasPrefix(part, "the details of "):
					fmt.Sscan(strings.TrimPrefix(part, "the details of "), &n)
					omittedDetails = n
				default:
					fmt.Sscan(part, &n)
					omittedFindings = n
				}
			}
			if rows+omittedRows != len(r.Migrations) || details+omittedDetails != len(r.Migrations) {
				t.Errorf("rows %d+%d, details %d+%d, want %d each", rows, omittedRows, details, omittedDetails, len(r.Migrations))
			}
			// Finding lines shown include the rule errors of the shown
			// migrations; the "… N more" lines count what was cut.
			more := 0
			for _, m := range regexp.MustCompile(`(?m)^- … (\d+) more$`).FindAllStringSubmatch(md, -1) {
				var n int
				fmt.Sscan(m[1], &n)
				more += n
			}
			shownErrs := min(details, len(r.Migrations)) * len(base.Errors)
			if shown-shownErrs+omittedFindings < total-errs || omittedFindings < more {
				t.Errorf("shown %d (with %d rule errors) + left out %d (… more: %d), want the %d findings", shown, shownErrs, omittedFindings, more, total)
			}
		})
	}
}

// gitlabDocIssue is the Code Quality issue as GitLab documents it; decoding
// disallows any other field.
type gitlabDocIssue struct {
	Description string `json:"description"`
	CheckName   string `json:"check_name"`
	Fingerprint string `json:"fingerprint"`
	Severity    string `json:"severity"`
	Location    struct {
		Path  string `json:"path"`
		Lines struct {
			Begin *int `json:"begin"`
		} `json:"lines"`
	} `json:"location"`
}

func parseGitLab(t *testing.T, out []byte) []gitlabDocIssue {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	var issues []gitlabDocIssue
	if err := dec.Decode(&issues); err != nil {
		t.Fatalf("not a Code Quality array: %v\n%s", err, out)
	}
	if issues == nil {
		t.Fatal("null instead of an array")
	}
	seen := map[string]bool{}
	for i, is := range issues {
		if is.Description == "" || is.CheckName == "" || is.Location.Path == "" || is.Location.Lines.Begin == nil || *is.Location.Lines.Begin < 1 ||
			!slices.Contains([]string{"info", "minor", "major", "critical", "blocker"}, is.Severity) || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(is.Fingerprint) {
			t.Errorf("issue %d lacks a required field or has a bad value: %+v", i, is)
		}
		if seen[is.Fingerprint] {
			t.Errorf("fingerprint %s repeated", is.Fingerprint)
		}
		seen[is.Fingerprint] = true
	}
	return issues
}

func TestGitLabCodeQuality(t *testing.T) {
	r := fixtureResult()
	issues := parseGitLab(t, renderWith(t, "gitlab", ciOptions, r))
	got := map[string]string{}
	for _, is := range issues {
		got[is.CheckName+" "+is.Location.Path+":"+fmt.Sprint(*is.Location.Lines.Begin)] = is.Severity
	}
	want := map[string]string{
		"MIG011 infra/snapshots/orders.json:1":   "blocker",  // not evaluated
		"MIG001 infra/snapshots/orders.json:58":  "critical", // error
		"MIG004 infra/snapshots/orders.json:80":  "critical",
		"MIG004 infra/snapshots/orders.json:96":  "critical",
		"MIG004 infra/snapshots/orders.json:104": "major", // undecided, error rule
		"MIG003 infra/snapshots/orders.json:13":  "minor", // warning
		"MIG013 infra/snapshots/orders.json:1":   "info",  // note
		"AGP001 infra/snapshots/payments.json:3": "minor",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("issues\n got %v\nwant %v", got, want)
	}
	// Fingerprints are stable across runs and when another input joins.
	more := fixtureResult()
	extra := more.Migrations[1]
	extra.Input = "snapshots/other.json"
	more.Migrations = append([]Migration{extra}, more.Migrations...)
	fps := map[string]bool{}
	for _, is := range parseGitLab(t, renderWith(t, "gitlab", ciOptions, more)) {
		fps[is.Fingerprint] = true
	}
	for _, is := range issues {
		if !fps[is.Fingerprint] {
			t.Errorf("%s at %s changed fingerprint when an input was added", is.CheckName, is.Location.Path)
		}
	}
	if out := renderWith(t, "gitlab", ciOptions, &Result{}); string(out) != "[]\n" {
		t.Errorf("empty result: %q", out)
	}
}
