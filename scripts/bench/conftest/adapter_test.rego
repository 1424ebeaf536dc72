# Tests of the adapter, run by scripts/bench-compare.sh (conftest verify)
# before it measures: a finding counts as deny or warn by its own severity,
# else by its rule's default, and notes count as neither.
package main

_rules := {
	"MIG001": {"package": "rps_capacity", "severity": "error"},
	"MIG013": {"package": "source_drain", "severity": "warning"},
}

_pack := {
	"rps_capacity": {"findings": {
		{"message": "over the limit"},
		{"message": "lowered", "severity": "warning"},
	}},
	"source_drain": {"findings": {
		{"message": "caches"},
		{"message": "just a note", "severity": "note"},
	}},
}

test_severity_from_the_finding_or_its_rule if {
	deny == {"MIG001: over the limit"} with data.bench.rules as _rules with data.apigw.rules as _pack
	warn == {"MIG001: lowered", "MIG013: caches"} with data.bench.rules as _rules with data.apigw.rules as _pack
}

test_no_findings_no_verdicts if {
	count(deny) + count(warn) == 0 with data.bench.rules as _rules with data.apigw.rules as {}
}
