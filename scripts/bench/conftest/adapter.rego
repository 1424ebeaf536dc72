# The built-in rule pack as conftest sees a policy: deny for the findings
# at error, warn for those at warning, each finding's severity or else its
# rule's default (data.bench.rules, written by benchtool gen). Used by
# scripts/bench-compare.sh only.
package main

import data.apigw.rules

_findings contains [id, f] if {
	some id, r in data.bench.rules
	some f in rules[r["package"]].findings
}

_severity(id, f) := object.get(f, "severity", data.bench.rules[id].severity)

deny contains sprintf("%s: %s", [id, f.message]) if {
	some [id, f] in _findings
	_severity(id, f) == "error"
}

warn contains sprintf("%s: %s", [id, f.message]) if {
	some [id, f] in _findings
	_severity(id, f) == "warning"
}
