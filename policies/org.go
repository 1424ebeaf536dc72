package policies

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// An organisation rule is a package outside data.apigw, in one of two
// forms:
//
//   - native: a package-scope METADATA block with custom.id, custom.name,
//     custom.severity and custom.remediation (title, description,
//     related_resources, tags and params optional, as the built-in rules
//     have them) and a findings set of the objects the built-in rules
//     produce (lib.finding builds them);
//   - conftest: a package with deny, violation or warn rules, or their
//     _name suffixed forms (deny_no_owner), each a set of strings or of
//     objects with msg. deny and violation are errors, warn warnings; each
//     message is one finding on the group (key: the message). The rule ID
//     is custom.id when the package has a METADATA block giving one, else
//     DerivedID(package).
//
// A package that is neither (a helper library) is compiled and never
// evaluated on its own.

// ReservedPrefixes begin the IDs of the built-in rules (MIG) and of the
// tool's own findings (AGP); organisation rules may not use them.
var ReservedPrefixes = []string{"MIG", "AGP"}

// ConftestPrefix is where the engine puts the wrapper that turns a
// conftest package's messages into findings: data.apigw.conftest.<id>.
const ConftestPrefix = "data.apigw.conftest."

var conftestRule = regexp.MustCompile(`^(deny|violation|warn)(_[a-zA-Z0-9_]+)*$`)

// DerivedID is the rule ID of a conftest package whose METADATA gives
// none: "ORG" and five digits, the first 32 bits of the SHA-256 of the
// package path (as "data.main") modulo 100000. It depends on the package
// path only, so it stays the same across runs, machines and file moves;
// two packages that happen to draw one ID are refused as duplicates
// (give one a custom.id).
func DerivedID(pkg string) string {
	sum := sha256.Sum256([]byte(pkg))
	return fmt.Sprintf("ORG%05d", binary.BigEndian.Uint32(sum[:4])%100000)
}

// orgRule is an organisation rule found in a pack.
type orgRule struct {
	rule report.Rule
	// ref is what the engine queries for the findings.
	ref string
	// wrapper is the generated module of a conftest package ("" for a
	// native rule), named wrapperFile.
	wrapper, wrapperFile string
}

// orgPackage is one package of an organisation pack, across its files.
type orgPackage struct {
	path  string
	files []string
	ann   *ast.Annotations
	annAt string
	// heads are the names of the package's rules.
	heads map[string]bool
	src   *Source
}

// checkOrgModules refuses org modules whose package lies in data.apigw or
// whose file name is one of the built-in files, naming both places.
func checkOrgModules(builtin map[string]*ast.Module, sources []Source) error {
	builtinPkg := map[string]string{}
	names := make([]string, 0, len(builtin))
	for n := range builtin {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p := builtin[n].Package.Path.String()
		if _, ok := builtinPkg[p]; !ok {
			builtinPkg[p] = n
		}
	}
	for _, src := range sources {
		for _, m := range src.Modules {
			pkg := m.Parsed.Package.Path.String()
			if pkg == "data."+SettingsRoot || strings.HasPrefix(pkg, "data."+SettingsRoot+".") {
				return policyErrorf("%s:%d: package %s is data.%s, where the engine keeps the rule settings; rename the package", m.File, m.Parsed.Package.Location.Row, pkg, SettingsRoot)
			}
			if pkg == "data.apigw" || strings.HasPrefix(pkg, "data.apigw.") {
				at := fmt.Sprintf("%s:%d", m.File, m.Parsed.Package.Location.Row)
				if other, ok := builtinPkg[pkg]; ok {
					return policyErrorf("%s: package %s is inside data.apigw, reserved for the built-in pack, and the built-in %s (policies/%s) is that package; rename the package (e.g. package org.%s)", at, pkg, pkg, other, strings.TrimPrefix(pkg, "data.apigw."))
				}
				return policyErrorf("%s: package %s is inside data.apigw, reserved for the built-in pack (policies/lib, policies/rules); rename the package (e.g. package org.%s)", at, pkg, strings.TrimPrefix(strings.TrimPrefix(pkg, "data.apigw"), "."))
			}
			if _, ok := builtin[m.File]; ok {
				return policyErrorf("%s: the file has the name of a built-in policy file; give the --policy path from another directory", m.File)
			}
		}
	}
	return nil
}

// orgRules finds the organisation rules of the packs, checks IDs and names
// against builtin (the built-in rules) and each other, and builds the
// conftest wrappers.
func orgRules(sources []Source, builtin []report.Rule) ([]orgRule, error) {
	var pkgs []*orgPackage
	byPath := map[string]*orgPackage{}
	for i := range sources {
		src := &sources[i]
		for _, m := range src.Modules {
			if m.Test {
				continue
			}
			path := m.Parsed.Package.Path.String()
			p, ok := byPath[path]
			if !ok {
				p = &orgPackage{path: path, heads: map[string]bool{}, src: src}
				byPath[path] = p
				pkgs = append(pkgs, p)
			}
			p.files = append(p.files, m.File)
			for _, a := range m.Parsed.Annotations {
				if a.Scope == "package" && p.ann == nil {
					p.ann, p.annAt = a, m.File
				}
			}
			for _, r := range m.Parsed.Rules {
				if len(r.Head.Ref()) > 0 {
					if v, ok := r.Head.Ref()[0].Value.(ast.Var); ok {
						p.heads[string(v)] = true
					}
				}
			}
		}
	}
	seenID := map[string]string{}
	seenName := map[string]string{}
	builtinByID := map[string]report.Rule{}
	for _, r := range builtin {
		builtinByID[r.ID] = r
		seenName[r.Name] = "the built-in rule " + r.ID + " (policies/rules/" + RuleDir(r) + ")"
	}
	var out []orgRule
	for _, p := range pkgs {
		var conftest []string
		for h := range p.heads {
			if conftestRule.MatchString(h) {
				conftest = append(conftest, h)
			}
		}
		slices.Sort(conftest)
		hasID := p.ann != nil && p.ann.Custom["id"] != nil
		var or orgRule
		switch {
		case hasID && p.heads["findings"]:
			r, err := ruleFromAnnotation(p.annAt, p.path, p.ann, true)
			if err != nil {
				return nil, &PolicyError{Msg: err.Error()}
			}
			or = orgRule{rule: r, ref: p.path + ".findings"}
		case len(conftest) > 0:
			r, err := conftestDescriptor(p, conftest)
			if err != nil {
				return nil, err
			}
			or = orgRule{rule: r, ref: ConftestPrefix + strings.ToLower(r.ID) + ".findings"}
			or.wrapperFile = "conftest/" + strings.ToLower(r.ID) + ".rego"
			or.wrapper = conftestWrapper(p.path, strings.ToLower(r.ID), conftest)
		case hasID:
			return nil, policyErrorf("%s: package %s gives METADATA custom.id but defines neither a findings set (a native rule) nor deny, violation or warn rules (a conftest policy)", p.annAt, p.path)
		default:
			continue // a helper package
		}
		file := p.annAt
		if file == "" {
			file = p.files[0]
		}
		or.rule.Source, or.rule.Pack = file, p.src.Name
		id := or.rule.ID
		for _, pre := range ReservedPrefixes {
			if strings.HasPrefix(id, pre) {
				if b, ok := builtinByID[id]; ok {
					return nil, policyErrorf("%s: rule ID %s is the built-in rule %s %s (policies/rules/%s); the prefixes %s are reserved for the built-in and tool rules: give the rule an ID of your own, such as ACME%s", file, id, b.ID, b.Name, RuleDir(b), strings.Join(ReservedPrefixes, " and "), strings.TrimPrefix(id, pre))
				}
				return nil, policyErrorf("%s: rule ID %s uses the prefix %s, reserved for the built-in and tool rules (%s); give the rule an ID of your own, such as ACME%s", file, id, pre, strings.Join(ReservedPrefixes, ", "), strings.TrimPrefix(id, pre))
			}
		}
		if other, dup := seenID[id]; dup {
			return nil, policyErrorf("%s: rule ID %s is already used by %s; give one of them another custom.id", file, id, other)
		}
		seenID[id] = file
		if other, dup := seenName[or.rule.Name]; dup {
			return nil, policyErrorf("%s: rule name %s is already used by %s; give one of them another custom.name", file, or.rule.Name, other)
		}
		seenName[or.rule.Name] = file
		out = append(out, or)
	}
	return out, nil
}

// conftestDescriptor is the rule descriptor of a conftest package: from its
// METADATA where given, else derived.
func conftestDescriptor(p *orgPackage, heads []string) (report.Rule, error) {
	file := p.annAt
	if file == "" {
		file = p.files[0]
	}
	sev := report.SeverityWarning
	for _, h := range heads {
		if !strings.HasPrefix(h, "warn") {
			sev = report.SeverityError
		}
	}
	short := strings.TrimPrefix(p.path, "data.")
	r := report.Rule{
		ID:          DerivedID(p.path),
		Name:        strings.ReplaceAll(strings.ReplaceAll(short, ".", "-"), "_", "-"),
		Title:       "conftest policy " + short,
		Description: fmt.Sprintf("The conftest policy package %s (%s): its %s rules.", short, file, strings.Join(heads, ", ")),
		Severity:    sev,
		Remediation: "Fix what the message says; the policy is " + file + ".",
		Package:     p.path,
		Tags:        []string{"conftest"},
	}
	if a := p.ann; a != nil {
		str := func(k string) string {
			s, _ := a.Custom[k].(string)
			return strings.TrimSpace(s)
		}
		if id := str("id"); id != "" {
			if !ruleIDPattern.MatchString(id) {
				return r, policyErrorf("%s: METADATA custom.id %q is not a rule ID like ACME001 (capitals, then digits)", file, id)
			}
			r.ID = id
		}
		if n := str("name"); n != "" {
			r.Name = n
		}
		if t := strings.TrimSpace(a.Title); t != "" {
			r.Title = t
		}
		if d := strings.TrimSpace(a.Description); d != "" {
			r.Description = d
		}
		if rem := str("remediation"); rem != "" {
			r.Remediation = rem
		}
		if s := str("severity"); s != "" {
			v, err := report.ParseSeverity(s)
			if err != nil {
				return r, policyErrorf("%s: METADATA custom.severity: %v", file, err)
			}
			r.Severity = v
		}
		for _, rr := range a.RelatedResources {
			if rr != nil && rr.Ref.String() != "" {
				r.HelpURI = rr.Ref.String()
				break
			}
		}
	}
	return r, nil
}

// conftestWrapper is the module that turns the messages of a conftest
// package's rules into findings on the group. deny and violation findings
// carry no severity (the rule's default applies, so a severity setting
// moves them); warn findings are warnings.
func conftestWrapper(pkg, id string, heads []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package apigw.conftest.%s\n\nimport data.apigw.lib\n\n", id)
	for _, h := range heads {
		sev := ""
		if strings.HasPrefix(h, "warn") {
			sev = "warning"
		}
		fmt.Fprintf(&b, "_results contains [%q, r] if {\n\tsome r in %s.%s\n}\n\n", sev, pkg, h)
	}
	b.WriteString(`findings contains f if {
	some [sev, r] in _results
	msg := _msg(r)
	base := {"message": msg, "resource": lib.group_resource, "key": msg}
	f := object.union(base, _severity(sev))
}

_msg(r) := r if is_string(r)

_msg(r) := r.msg if {
	is_object(r)
	is_string(r.msg)
}

_severity(sev) := {} if sev == ""

_severity(sev) := {"severity": sev} if sev != ""
`)
	return b.String()
}
