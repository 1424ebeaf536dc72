package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// The JUnit report must be valid against testdata/junit-10.xsd, the schema
// the Jenkins xUnit plugin enforces (it skips any file that is not). Go has
// no XML Schema validator, so xsdSubset reads that schema and checks what
// it says of each element: the attributes allowed and required, the
// attribute types (SUREFIRE_TIME's pattern), the child elements allowed,
// and text only where the type allows it. This schema's content models are
// all unbounded choices and sequences of optional elements, so order and
// counts need no check. When xmllint is installed the file is also checked
// with it; .ci/run installs it, so CI always does both.

// xsdNode is any element of the schema file.
type xsdNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []xsdNode  `xml:",any"`
}

func (n xsdNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

type xsdAttr struct {
	typ      string
	required bool
}

type xsdElement struct {
	textOnly bool // xs:string: text, no children
	mixed    bool // text allowed beside the children
	attrs    map[string]xsdAttr
	children map[string]bool
}

type xsdSubset struct {
	elements map[string]*xsdElement
	patterns map[string]*regexp.Regexp // simple type -> pattern
}

var junitXSD = sync.OnceValues(func() (*xsdSubset, error) {
	raw, err := os.ReadFile(filepath.Join("testdata", "junit-10.xsd"))
	if err != nil {
		return nil, err
	}
	var root xsdNode
	if err := xml.Unmarshal(raw, &root); err != nil {
		return nil, err
	}
	s := &xsdSubset{elements: map[string]*xsdElement{}, patterns: map[string]*regexp.Regexp{}}
	types := map[string]xsdNode{}
	for _, n := range root.Children {
		switch n.XMLName.Local {
		case "complexType":
			types[n.attr("name")] = n
		case "simpleType":
			for _, r := range n.Children {
				for _, p := range r.Children {
					if p.XMLName.Local == "pattern" {
						// XML Schema patterns match the whole value.
						re, err := regexp.Compile("^(?:" + p.attr("value") + ")$")
						if err != nil {
							return nil, err
						}
						s.patterns[n.attr("name")] = re
					}
				}
			}
		}
	}
	var declare func(name, typ string, body []xsdNode) *xsdElement
	declare = func(name, typ string, body []xsdNode) *xsdElement {
		e := &xsdElement{attrs: map[string]xsdAttr{}, children: map[string]bool{}}
		s.elements[name] = e
		if typ == "xs:string" {
			e.textOnly = true
			return e
		}
		if t, ok := types[typ]; ok {
			body = []xsdNode{t}
		}
		var walk func(ns []xsdNode)
		walk = func(ns []xsdNode) {
			for _, n := range ns {
				switch n.XMLName.Local {
				case "complexType":
					e.mixed = e.mixed || n.attr("mixed") == "true"
					walk(n.Children)
				case "sequence", "choice":
					walk(n.Children)
				case "attribute":
					e.attrs[n.attr("name")] = xsdAttr{typ: n.attr("type"), required: n.attr("use") == "required"}
				case "element":
					if ref := n.attr("ref"); ref != "" {
						e.children[ref] = true
					} else {
						// A local element (rerunType's stackTrace...).
						e.children[n.attr("name")] = true
						if _, done := s.elements[n.attr("name")]; !done {
							declare(n.attr("name"), n.attr("type"), n.Children)
						}
					}
				}
			}
		}
		walk(body)
		return e
	}
	for _, n := range root.Children {
		if n.XMLName.Local == "element" {
			declare(n.attr("name"), n.attr("type"), n.Children)
		}
	}
	if len(s.elements) < 10 || s.patterns["SUREFIRE_TIME"] == nil {
		return nil, fmt.Errorf("junit-10.xsd: read %d elements and patterns %v", len(s.elements), s.patterns)
	}
	return s, nil
})

// validate checks doc against the schema and returns every problem found.
func (s *xsdSubset) validate(doc []byte) []string {
	var problems []string
	dec := xml.NewDecoder(bytes.NewReader(doc))
	type frame struct {
		name string
		decl *xsdElement
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return append(problems, "not well-formed: "+err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			decl := s.elements[name]
			switch {
			case decl == nil:
				problems = append(problems, fmt.Sprintf("element <%s> is not in the schema", name))
			case len(stack) == 0 && name != "testsuites" && name != "testsuite":
				problems = append(problems, fmt.Sprintf("root element <%s>", name))
			case len(stack) > 0 && stack[len(stack)-1].decl != nil && !stack[len(stack)-1].decl.children[name]:
				problems = append(problems, fmt.Sprintf("<%s> may not hold <%s>", stack[len(stack)-1].name, name))
			}
			if decl != nil {
				seen := map[string]bool{}
				for _, a := range t.Attr {
					seen[a.Name.Local] = true
					ad, ok := decl.attrs[a.Name.Local]
					if !ok {
						problems = append(problems, fmt.Sprintf("<%s> has attribute %s, which the schema does not allow", name, a.Name.Local))
						continue
					}
					if re := s.patterns[ad.typ]; re != nil && !re.MatchString(a.Value) {
						problems = append(problems, fmt.Sprintf("<%s %s=%q> does not match %s", name, a.Name.Local, a.Value, ad.typ))
					}
				}
				for an, ad := range decl.attrs {
					if ad.required && !seen[an] {
						problems = append(problems, fmt.Sprintf("<%s> lacks the required attribute %s", name, an))
					}
				}
			}
			stack = append(stack, frame{name, decl})
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 || len(bytes.TrimSpace(t)) == 0 {
				continue
			}
			if top := stack[len(stack)-1]; top.decl != nil && !top.decl.textOnly && !top.decl.mixed {
				problems = append(problems, fmt.Sprintf("<%s> holds text, which the schema does not allow", top.name))
			}
		}
	}
	return problems
}

func junitSchemaVariants() map[string]*Result {
	clean := fixtureResult()
	clean.Migrations = clean.Migrations[1:]
	clean.ExitCode = 0
	stdin := fixtureResult()
	stdin.Migrations[0].Input = "-"
	never := fixtureResult()
	never.FailOn = ThresholdNever
	undecided := fixtureResult()
	undecided.FailOnUndecided = true
	dup := fixtureResult()
	dup.Migrations = append(dup.Migrations, dup.Migrations[0])
	dup.Migrations[2].Input = "snapshots/orders-again.json"
	return map[string]*Result{
		"fixture": fixtureResult(), "clean": clean, "stdin": stdin, "never": never,
		"undecided": undecided, "duplicate": dup, "plan": planResult(), "empty": {},
	}
}

func TestJUnitSchema(t *testing.T) {
	xsd, err := junitXSD()
	if err != nil {
		t.Fatalf("read testdata/junit-10.xsd: %v", err)
	}
	xmllint, _ := exec.LookPath("xmllint")
	for name, r := range junitSchemaVariants() {
		t.Run(name, func(t *testing.T) {
			out := renderJUnit(t, r)
			if problems := xsd.validate(out); len(problems) > 0 {
				t.Errorf("not valid against junit-10.xsd:\n  %s\n%s", strings.Join(problems, "\n  "), out)
			}
			if xmllint == "" {
				return
			}
			file := filepath.Join(t.TempDir(), "report.xml")
			if err := os.WriteFile(file, out, 0o644); err != nil {
				t.Fatal(err)
			}
			if msg, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join("testdata", "junit-10.xsd"), file).CombinedOutput(); err != nil {
				t.Errorf("xmllint --schema junit-10.xsd: %v\n%s", err, msg)
			}
		})
	}
	if xmllint == "" {
		t.Log("xmllint not installed: checked with the schema subset only (.ci/run installs it)")
	}
}

// The checker must be able to say no, on what the old reports did wrong.
func TestJUnitSchemaRejects(t *testing.T) {
	xsd, err := junitXSD()
	if err != nil {
		t.Fatal(err)
	}
	good := renderJUnit(t, fixtureResult())
	for name, bad := range map[string][]byte{
		"testcase@file":      bytes.Replace(good, []byte(`<testcase name=`), []byte(`<testcase file="x.json" name=`), 1),
		"testsuites@skipped": bytes.Replace(good, []byte(`<testsuites name=`), []byte(`<testsuites skipped="0" name=`), 1),
		"time":               bytes.Replace(good, []byte(`time="0.012"`), []byte(`time="1.2.3"`), 1),
		"no name":            bytes.Replace(good, []byte(`<testsuite name="`), []byte(`<testsuite id="`), 1),
		"unknown element":    bytes.Replace(good, []byte(`<properties>`), []byte(`<attachments></attachments><properties>`), 1),
		"text in testcase":   bytes.Replace(good, []byte(`</testcase>`), []byte(`stray</testcase>`), 1),
	} {
		if bytes.Equal(bad, good) {
			t.Fatalf("%s: the fixture no longer has what the test replaces", name)
		}
		if problems := xsd.validate(bad); len(problems) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
}
