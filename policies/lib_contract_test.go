package policies

import (
	"slices"
	"strings"
	"testing"
)

// libPublic are helpers of data.apigw.lib that organisation policies may
// import: later versions keep them under these names (new ones may be
// added). Renaming or removing one fails this test.
var libPublic = []string{
	"finding", "undecided", "param",
	"truthy", "num", "str", "get", "obj", "set", "list", "in_any", "private", "spec_rps", "specs", "thousands",
	"group_resource", "instance_resource", "destination_resource", "source_resource",
	"group", "destination", "source", "group_id", "destination_id", "source_id",
	"ips", "ipv6", "unmap", "valid_addr", "private_ranges", "network_backend", "service_protocols",
	"https_policies", "serverless_group_rps", "label_group", "already_migrated",
	"collection_errors", "collection_undecided", "failed_reads", "canonical_call", "call_rules",
	"backends", "backends_collected", "backend_addrs", "backend_label", "backend_stage",
	"instance_kind", "instance_kind_text", "rfc1918", "vpc_channel",
}

// TestLibPublicContract: every public helper of the lib (a rule whose name
// has no leading _) has a METADATA block with a description, and the
// helpers organisation policies rely on are all there.
func TestLibPublicContract(t *testing.T) {
	mods, err := LoadModules(Builtin, false)
	if err != nil {
		t.Fatal(err)
	}
	described := map[string]bool{}
	public := map[string]string{}
	for file, m := range mods {
		if m.Package.Path.String() != "data.apigw.lib" {
			continue
		}
		for _, r := range m.Rules {
			name := r.Head.Name.String()
			if name == "" {
				name = r.Head.Ref()[0].String()
			}
			if strings.HasPrefix(name, "_") {
				continue
			}
			public[name] = file
			for _, a := range m.Annotations {
				if a.Scope != "package" && a.Scope != "subpackages" && a.GetTargetPath().String() == "data.apigw.lib."+name && strings.TrimSpace(a.Description) != "" {
					described[name] = true
				}
			}
		}
	}
	var names []string
	for n := range public {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if !described[n] {
			t.Errorf("%s: public lib helper %s has no METADATA description; document it (it is an API org policies import) or rename it _%s", public[n], n, n)
		}
	}
	for _, n := range libPublic {
		if _, ok := public[n]; !ok {
			t.Errorf("public lib helper %s is gone: organisation policies import it; keep the name (add a new helper beside it instead)", n)
		}
	}
	for _, n := range names {
		if !slices.Contains(libPublic, n) {
			t.Errorf("public lib helper %s is not in libPublic: add it there (and to the README's list), it is now part of the contract", n)
		}
	}
}
