package snapshot

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// SchemaJSON is the snapshot contract published as a JSON Schema
// (draft 2020-12).
//
//go:embed snapshot.schema.json
var SchemaJSON []byte

// Document is one snapshot file, loaded and validated.
type Document struct {
	// Name is the path as the user gave it ("-" for standard input).
	Name string
	// Raw is the file's bytes; its SHA-256 ties audit records to it.
	Raw []byte
	// Value is the decoded JSON (numbers as json.Number), the policy input.
	Value map[string]any
	// Lines maps JSON paths to 1-based lines in Raw.
	Lines *LineIndex

	GroupID, GroupName string
	SourceID, DestID   string
	RegionID           string
	CollectedAt        time.Time

	// Notes are things the loader tells the user without failing: the
	// top-level sections it ignored because this release does not know
	// them (a newer collector wrote them). The CLI prints them on stderr.
	Notes []string
}

// InputError is bad input: the file, where in it, and what was expected.
// The CLI maps it to exit code 2.
type InputError struct {
	File string
	// Path is the JSON path of the offending value ("traffic.peakRps");
	// empty for file-level problems.
	Path string
	Line int
	Msg  string
	// Hint says what to do, when there is something specific.
	Hint string
}

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		fmt.Fprintf(&b, "%s: ", e.Path)
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// LoadFile reads and validates one snapshot; "-" reads stdin.
func LoadFile(name string, stdin io.Reader) (*Document, error) {
	raw, err := ReadInput(name, stdin, "snapshot")
	if err != nil {
		return nil, err
	}
	return Parse(name, raw)
}

// ReadInput reads one input file ("-" reads stdin) of at most
// MaxSnapshotBytes; what names it in messages ("snapshot", "Terraform
// plan"). Failures are *InputError.
func ReadInput(name string, stdin io.Reader, what string) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, &InputError{File: name, Msg: "cannot read " + what + ": " + pathErrText(err), Hint: "check the path"}
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(io.LimitReader(r, MaxSnapshotBytes+1))
	if err != nil {
		return nil, &InputError{File: displayName(name), Msg: "cannot read " + what + ": " + pathErrText(err)}
	}
	if len(raw) > MaxSnapshotBytes {
		hint := "a snapshot describes one group and its two instances; check that this is the file apigw-preflight collect wrote"
		if what != "snapshot" {
			hint = "check that this is the file you meant"
		}
		return nil, &InputError{File: displayName(name), Msg: fmt.Sprintf("%s is larger than %d MiB", what, MaxSnapshotBytes>>20), Hint: hint}
	}
	return raw, nil
}

// IndexLines maps the JSON paths of raw (one JSON document, already known
// to decode) to their lines, and rejects what a reader would take
// differently from the decoder: a key given twice in one object, a number
// beyond the float64 range. file names the input in errors.
func IndexLines(file string, raw []byte) (*LineIndex, error) {
	body := bytes.TrimPrefix(raw, bomUTF8)
	li := newLineIndex(body)
	if err := li.build(displayName(file), body, false); err != nil {
		return nil, err
	}
	return li, nil
}

// LineAt returns the 1-based line of a byte offset.
func (li *LineIndex) LineAt(off int) int { return li.lineAt(off) }

func displayName(name string) string {
	if name == "-" {
		return "<stdin>"
	}
	return name
}

func pathErrText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Byte order marks: a UTF-8 one is skipped (editors on Windows write it),
// the UTF-16 and UTF-32 ones are named, since JSON files are UTF-8.
var (
	bomUTF8   = []byte("\xef\xbb\xbf")
	otherBOMs = []struct {
		mark []byte
		name string
	}{
		{[]byte("\x00\x00\xfe\xff"), "UTF-32"},
		{[]byte("\xff\xfe\x00\x00"), "UTF-32"},
		{[]byte("\xfe\xff"), "UTF-16"},
		{[]byte("\xff\xfe"), "UTF-16"},
	}
)

// Parse decodes and validates one snapshot held in memory. The document
// must be one JSON object in UTF-8 (a leading UTF-8 byte order mark is
// skipped; lines are counted as in the file), with every key once per
// object and every number finite as a 64-bit float.
func Parse(name string, raw []byte) (*Document, error) {
	file := displayName(name)
	for _, b := range otherBOMs {
		if bytes.HasPrefix(raw, b.mark) {
			return nil, &InputError{File: file, Line: 1, Msg: "file starts with a " + b.name + " byte order mark", Hint: "save the snapshot as UTF-8"}
		}
	}
	body := bytes.TrimPrefix(raw, bomUTF8)
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &InputError{File: file, Msg: "file is empty", Hint: "expected one snapshot JSON object (write one with 'apigw-preflight collect')"}
	}
	lines := newLineIndex(body)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError(file, body, lines, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		off := int(dec.InputOffset())
		return nil, &InputError{File: file, Line: lines.lineAt(off), Msg: "unexpected data after the snapshot object", Hint: "a file holds exactly one snapshot; give several files for several migrations"}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		msg := fmt.Sprintf("top level is %s, not an object", jsonKind(v))
		hint := "a snapshot is one JSON object with schemaVersion, group, source and destination"
		if _, isArr := v.([]any); isArr {
			hint = "one snapshot object per file; split the array into one file per migration"
		}
		return nil, &InputError{File: file, Line: 1, Msg: msg, Hint: hint}
	}
	if !plainJSON(body) {
		if err := lines.build(file, body, false); err != nil {
			return nil, err
		}
	}
	if err := checkVersion(file, obj, lines); err != nil {
		return nil, err
	}
	notes, err := dropUnknownSections(file, obj, lines)
	if err != nil {
		return nil, err
	}
	if err := validate(file, obj, lines); err != nil {
		return nil, err
	}
	doc := &Document{Name: name, Raw: raw, Value: obj, Lines: lines, Notes: notes}
	doc.fill()
	return doc, nil
}

func (d *Document) fill() {
	str := func(m any, key string) string {
		o, _ := m.(map[string]any)
		s, _ := o[key].(string)
		return s
	}
	d.GroupID = str(d.Value["group"], "GroupId")
	d.GroupName = str(d.Value["group"], "GroupName")
	d.SourceID = str(d.Value["source"], "InstanceId")
	d.DestID = str(d.Value["destination"], "InstanceId")
	d.RegionID, _ = d.Value["regionId"].(string)
	if s, ok := d.Value["collectedAt"].(string); ok {
		d.CollectedAt, _ = time.Parse(time.RFC3339, s)
		d.CollectedAt = d.CollectedAt.UTC()
	}
}

// checkVersion gives a version mismatch its own clear message before the
// schema speaks of it.
func checkVersion(file string, obj map[string]any, lines *LineIndex) error {
	v, present := obj["schemaVersion"]
	if !present {
		return &InputError{File: file, Line: 1, Path: "schemaVersion", Msg: "missing", Hint: fmt.Sprintf("a snapshot starts with \"schemaVersion\": %q", SchemaVersion)}
	}
	s, ok := v.(string)
	if ok && s == SchemaVersion {
		return nil
	}
	line := lines.Line([]string{"schemaVersion"})
	if !ok {
		return &InputError{File: file, Line: line, Path: "schemaVersion", Msg: fmt.Sprintf("got %s, want the string %q", jsonKind(v), SchemaVersion)}
	}
	return &InputError{File: file, Line: line, Path: "schemaVersion",
		Msg:  fmt.Sprintf("unsupported schema version %q", s),
		Hint: fmt.Sprintf("this build reads %s; use a matching apigw-preflight release or collect the snapshot again", SchemaVersion)}
}

func syntaxError(file string, raw []byte, lines *LineIndex, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &InputError{File: file, Line: lines.lineAt(int(se.Offset) - 1), Msg: "not valid JSON: " + se.Error(), Hint: "a snapshot is one JSON object"}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &InputError{File: file, Line: lines.lineAt(int(te.Offset)), Msg: "not valid JSON: " + te.Error()}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &InputError{File: file, Line: lines.lineAt(len(raw)), Msg: "not valid JSON: unexpected end of file", Hint: "the file looks truncated"}
	}
	return &InputError{File: file, Msg: "not valid JSON: " + err.Error()}
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a JSON array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

func compiledSchema() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON))
		if err != nil {
			schemaErr = fmt.Errorf("snapshot schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		const url = "snapshot.schema.json"
		if err := c.AddResource(url, doc); err != nil {
			schemaErr = fmt.Errorf("snapshot schema: %w", err)
			return
		}
		schema, schemaErr = c.Compile(url)
	})
	return schema, schemaErr
}

var printer = message.NewPrinter(language.English)

func validate(file string, obj map[string]any, lines *LineIndex) error {
	sch, err := compiledSchema()
	if err != nil {
		return err
	}
	err = sch.Validate(any(obj))
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("validate %s: %w", file, err)
	}
	leaf := deepest(ve)
	path := leaf.InstanceLocation
	msg := describe(leaf)
	return &InputError{
		File: file,
		Path: PathString(path),
		Line: lines.Line(path),
		Msg:  msg,
		Hint: "see the snapshot contract in snapshot/snapshot.schema.json",
	}
}

// deepest picks the most specific error: the one furthest into the
// document, preferring anyOf summaries over their alternatives' details.
func deepest(e *jsonschema.ValidationError) *jsonschema.ValidationError {
	if _, ok := e.ErrorKind.(*kind.AnyOf); ok {
		return e
	}
	best := e
	for _, c := range e.Causes {
		d := deepest(c)
		if len(d.InstanceLocation) > len(best.InstanceLocation) || best == e {
			best = d
		}
	}
	return best
}

func describe(e *jsonschema.ValidationError) string {
	if _, ok := e.ErrorKind.(*kind.AnyOf); ok {
		if d := schemaDescription(e.SchemaURL); d != "" {
			return "not in an accepted form: want " + lowerFirst(strings.TrimSuffix(d, "."))
		}
		msgs := make([]string, 0, len(e.Causes))
		for _, c := range e.Causes {
			msgs = append(msgs, deepest(c).ErrorKind.LocalizedString(printer))
		}
		return "not in an accepted form (" + strings.Join(msgs, "; or ") + ")"
	}
	return e.ErrorKind.LocalizedString(printer)
}

// schemaDescription returns the description of the schema at a location
// like "snapshot.schema.json#/$defs/looseNumber".
func schemaDescription(loc string) string {
	_, frag, ok := strings.Cut(loc, "#")
	if !ok {
		return ""
	}
	var node any
	if err := json.Unmarshal(SchemaJSON, &node); err != nil {
		return ""
	}
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		obj, ok := node.(map[string]any)
		if !ok || tok == "" {
			break
		}
		node = obj[strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")]
	}
	obj, _ := node.(map[string]any)
	d, _ := obj["description"].(string)
	return d
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// PathString renders a JSON path as dotted keys with [i] for indices:
// backends[0].allowlist.
func PathString(path []string) string {
	var b strings.Builder
	for _, p := range path {
		if _, err := strconv.Atoi(p); err == nil {
			fmt.Fprintf(&b, "[%s]", p)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	if b.Len() == 0 {
		return "(top level)"
	}
	return b.String()
}

// LineIndex maps JSON paths to the lines they start on. Loading checks the
// document in one pass that records nothing. Most documents are asked for
// a line or two (a finding with a path, bad input), each found by one scan
// of the bytes that follows the path and skips everything else; a document
// asked for more (a Terraform plan's resources) has every path recorded,
// once, and answered from that.
type LineIndex struct {
	raw      []byte
	newlines []int // offsets of '\n'
	scans    atomic.Int32
	once     sync.Once
	paths    map[string]int
}

// scansBeforeRecording is how many lines are found by scanning before
// every path is recorded instead.
const scansBeforeRecording = 8

func newLineIndex(raw []byte) *LineIndex {
	li := &LineIndex{raw: raw, newlines: make([]int, 0, bytes.Count(raw, []byte{'\n'}))}
	for i, c := range raw {
		if c == '\n' {
			li.newlines = append(li.newlines, i)
		}
	}
	return li
}

// lineAt returns the 1-based line of a byte offset.
func (li *LineIndex) lineAt(off int) int {
	n, _ := slices.BinarySearch(li.newlines, off)
	return n + 1
}

// build walks the tokens of raw, recording the line of every key and array
// element under its path. It rejects what the decoder lets through but a
// reader of the file would take differently: a key given twice in one
// object (the decoder keeps the last, a reviewer reads the first) and a
// number beyond the float64 range (1e400 would read as infinity).
//
// With record unset it only checks; with record set it fills li.paths.
func (li *LineIndex) build(file string, raw []byte, record bool) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		array bool
		index int
		keys  map[string]bool // the keys seen so far in an object
	}
	var stack []frame
	var path []string
	expectKey := false
	here := func() int { return li.lineAt(int(dec.InputOffset()) - 1) }
	note := func() {
		if record {
			li.paths[strings.Join(path, "\x00")] = here()
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &InputError{File: file, Msg: "index lines: " + err.Error()}
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
			expectKey = len(stack) > 0 && !stack[len(stack)-1].array
			continue
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			if !top.array && expectKey {
				key := tok.(string)
				if top.keys[key] {
					return &InputError{File: file, Line: here(), Path: PathString(path),
						Msg:  fmt.Sprintf("duplicate key %q", key),
						Hint: "give each key once per object; which of the values counts would be a guess"}
				}
				top.keys[key] = true
				path = append(path, key)
				note()
				expectKey = false
				continue
			}
			if top.array {
				path = append(path, strconv.Itoa(top.index))
				top.index++
				note()
			}
		}
		if d, ok := tok.(json.Delim); ok {
			f := frame{array: d == '['}
			if !f.array {
				f.keys = map[string]bool{}
			}
			stack = append(stack, f)
			expectKey = d == '{'
			continue
		}
		if n, ok := tok.(json.Number); ok {
			if _, err := strconv.ParseFloat(string(n), 64); err != nil {
				return &InputError{File: file, Line: here(), Path: PathString(path),
					Msg:  fmt.Sprintf("number %s is out of range (beyond ±1.8e308)", abbreviate(string(n))),
					Hint: "give a finite number"}
			}
		}
		// A scalar value ends its key or element.
		if len(path) > 0 {
			path = path[:len(path)-1]
		}
		expectKey = len(stack) > 0 && !stack[len(stack)-1].array
	}
}

// abbreviate shortens a long token for a message.
func abbreviate(s string) string {
	if len(s) <= 40 {
		return s
	}
	return s[:20] + "…" + s[len(s)-12:]
}

// Line returns the line of the value at path, or of its nearest ancestor
// that has one; 1 when nothing matches.
func (li *LineIndex) Line(path []string) int {
	if li.scans.Add(1) <= scansBeforeRecording {
		return li.scan(path)
	}
	paths := li.recorded()
	for n := len(path); n > 0; n-- {
		if l, ok := paths[strings.Join(path[:n], "\x00")]; ok {
			return l
		}
	}
	return 1
}

// recorded returns the line of every path, recording them on the first
// call.
func (li *LineIndex) recorded() map[string]int {
	li.once.Do(func() {
		li.paths = map[string]int{}
		// The document passed the same walk when it was loaded.
		_ = li.build("", li.raw, true)
	})
	return li.paths
}

// scan finds the line of path by following it through the bytes of the
// document (one JSON value that decodes): at each level it reads the keys
// or counts the elements, skips the values off the path without decoding
// them, and stops at the end of the path or at the first step that is not
// there, answering with the line of the deepest step found, as recorded
// answers.
func (li *LineIndex) scan(path []string) int {
	raw := li.raw
	line := 1
	i := skipSpace(raw, 0)
	for _, step := range path {
		if i >= len(raw) {
			return line
		}
		switch raw[i] {
		case '{':
			i = skipSpace(raw, i+1)
			found := false
			for i < len(raw) && raw[i] == '"' {
				end := skipString(raw, i)
				if end < 0 {
					return line
				}
				keyAt := i
				match := jsonStringEquals(raw[i:end], step)
				i = skipSpace(raw, end)
				if i < len(raw) && raw[i] == ':' {
					i = skipSpace(raw, i+1)
				}
				if match {
					line = li.lineAt(keyAt)
					found = true
					break
				}
				if i = skipValue(raw, i); i < 0 {
					return line
				}
				if i = skipSpace(raw, i); i < len(raw) && raw[i] == ',' {
					i = skipSpace(raw, i+1)
				}
			}
			if !found {
				return line
			}
		case '[':
			n, err := strconv.Atoi(step)
			if err != nil || n < 0 || strconv.Itoa(n) != step {
				return line
			}
			i = skipSpace(raw, i+1)
			for k := 0; ; k++ {
				if i >= len(raw) || raw[i] == ']' {
					return line
				}
				if k == n {
					break
				}
				if i = skipValue(raw, i); i < 0 {
					return line
				}
				if i = skipSpace(raw, i); i < len(raw) && raw[i] == ',' {
					i = skipSpace(raw, i+1)
				}
			}
			line = li.lineAt(i)
		default:
			return line
		}
	}
	return line
}

// MayHaveTopLevelKey reports whether raw, a JSON object (after an optional
// byte order mark), may have key among its top-level keys, by one scan that
// reads the keys and skips their values. False is certain: raw is not a
// JSON object that has the key (well formed or not, a decoder would not
// find it there). True asks for a decoder to be sure, since the scan does
// not check that the bytes are well formed.
func MayHaveTopLevelKey(raw []byte, key string) bool {
	raw = bytes.TrimPrefix(raw, bomUTF8)
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	for i = skipSpace(raw, i+1); i < len(raw) && raw[i] == '"'; {
		end := skipString(raw, i)
		if end < 0 {
			return false
		}
		if jsonStringEquals(raw[i:end], key) {
			return true
		}
		if i = skipSpace(raw, end); i < len(raw) && raw[i] == ':' {
			i = skipSpace(raw, i+1)
		}
		if i = skipValue(raw, i); i < 0 {
			return false
		}
		if i = skipSpace(raw, i); i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return false
}

// skipSpace returns the offset of the first byte at or after i that is not
// JSON white space.
func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset just past the string that starts at i (a
// '"'), or -1 when it does not end.
func skipString(raw []byte, i int) int {
	for i++; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValue returns the offset just past the value that starts at i, or -1
// when it does not end.
func skipValue(raw []byte, i int) int {
	if i >= len(raw) {
		return -1
	}
	switch raw[i] {
	case '"':
		return skipString(raw, i)
	case '{', '[':
		depth := 0
		for ; i < len(raw); i++ {
			switch raw[i] {
			case '"':
				if i = skipString(raw, i); i < 0 {
					return -1
				}
				i--
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	for i < len(raw) && !strings.ContainsRune(",}] \t\n\r", rune(raw[i])) {
		i++
	}
	return i
}

// jsonStringEquals reports whether the JSON string lit (quotes included)
// decodes to s; a string with an escape is decoded to be compared.
func jsonStringEquals(lit []byte, s string) bool {
	body := lit[1 : len(lit)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body) == s
	}
	var decoded string
	return json.Unmarshal(lit, &decoded) == nil && decoded == s
}

// plainJSON reports whether raw (one JSON document that decodes) has no
// key twice in an object and no number that could lie beyond the float64
// range, in one scan of the bytes that allocates nothing for most
// documents. It answers false whenever it cannot be sure (a key with an
// escape, a long number or one with an exponent, an object with many
// keys), and build then decides and says where.
func plainJSON(raw []byte) bool {
	type frame struct {
		object bool
		keys   [][]byte // the keys seen so far in an object
	}
	var stackBuf [16]frame
	stack := stackBuf[:0]
	expectKey := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case ' ', '\t', '\n', '\r', ':', ',':
			if c == ',' && len(stack) > 0 && stack[len(stack)-1].object {
				expectKey = true
			}
		case '{', '[':
			stack = append(stack, frame{object: c == '{'})
			expectKey = c == '{'
		case '}', ']':
			if len(stack) == 0 {
				return false
			}
			stack = stack[:len(stack)-1]
			expectKey = false
		case '"':
			start := i + 1
			escaped := false
			for i++; i < len(raw) && raw[i] != '"'; i++ {
				if raw[i] == '\\' {
					escaped = true
					i++
				}
			}
			if i >= len(raw) {
				return false
			}
			if expectKey {
				// An escape or a byte that is not UTF-8 can make two
				// spellings decode to one key.
				if escaped || len(stack) == 0 || !utf8.Valid(raw[start:i]) {
					return false
				}
				top := &stack[len(stack)-1]
				key := raw[start:i]
				if len(top.keys) >= 64 {
					return false
				}
				for _, k := range top.keys {
					if bytes.Equal(k, key) {
						return false
					}
				}
				top.keys = append(top.keys, key)
				expectKey = false
			}
		default:
			if c == '-' || (c >= '0' && c <= '9') {
				j := i
				for j < len(raw) && strings.IndexByte("+-.0123456789eE", raw[j]) >= 0 {
					if raw[j] == 'e' || raw[j] == 'E' {
						return false
					}
					j++
				}
				if j-i > 300 {
					return false
				}
				i = j - 1
			}
			// true, false, null: letters that never start a string or a
			// number.
		}
	}
	return len(stack) == 0
}
