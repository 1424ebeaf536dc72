package apigw.lib

# ---- undecided ("could not check") findings ----------------------------------
# A rule that cannot decide because the data it needs is missing or unusable
# says so with a finding built here, never by staying quiet: a warning whose
# message begins "could not check" and which carries "undecided": true. The
# engine maps the marker to Finding.Undecided; the reports show it, and the
# gate (--fail-on-undecided, always on before a migration) refuses while a
# rule whose default severity is error is undecided.

# METADATA
# description: >-
#   undecided(f) is the "could not check" finding of the calling rule: f
#   (resource, path, key, remediation, as for finding) with f.check, what
#   could not be checked and why, as its message "could not check
#   <f.check>", severity warning and "undecided": true. The one place that
#   writes the wording and the marker.
undecided(f) := object.union(object.remove(f, {"check", "message", "severity"}), {
	"severity": "warning",
	"undecided": true,
	"message": concat("", ["could not check ", f.check]),
})

# ---- reads that failed during collection ------------------------------------

# Which rules need the data of which call: a failed read in collectionErrors
# leaves these rules undecided. Derived from the registry of cloud calls,
# which the engine puts under data.apigw.calls (action -> {"rules": [...],
# ...}); a test can replace it with `with data.apigw.calls as {...}`.

# METADATA
# description: call_rules maps each cloud call (an action name) to the IDs of the rules that need its data.
call_rules := {action: c.rules |
	some action, c in data.apigw.calls
	count(c.rules) > 0
}

# METADATA
# description: collection_errors are the snapshot's collectionErrors, [] when absent or not an array.
# scope: document
collection_errors := input.collectionErrors if is_array(input.collectionErrors)

default collection_errors := []

# METADATA
# description: >-
#   canonical_call(call) is the spelling of call in call_rules, matched
#   case-insensitively; undefined for a call the table does not know.
canonical_call(call) := c if {
	is_string(call)
	some c, _ in call_rules
	lower(c) == lower(trim_space(call))
}

# METADATA
# description: >-
#   failed_reads(rule_id) maps the index of each collectionErrors entry whose
#   call feeds rule_id to the call's name.
failed_reads(rule_id) := {i: c |
	some i, e in collection_errors
	c := canonical_call(object.get(obj(e), "call", null))
	rule_id in call_rules[c]
}

# METADATA
# description: >-
#   collection_undecided(rule_id, what) is the undecided finding of rule_id
#   when a read it needs failed during collection; what names what the rule
#   checks ("the RPS capacity of X for group Y"). Undefined when no read
#   failed.
collection_undecided(rule_id, what) := undecided({
	"check": sprintf(
		"%s: %s failed during collection, so the snapshot lacks data this rule needs (MIG015 gives the error)",
		[what, concat(", ", sort({c | some c in reads}))],
	),
	"remediation": sprintf(
		"Fix the failed %s (MIG015 says how), collect the snapshot again and re-run the check; until then treat %s as not passed.",
		[_plural_reads(reads), rule_id],
	),
	"resource": group_resource,
	"path": ["collectionErrors", min(object.keys(reads))],
	"key": "collection-errors",
}) if {
	reads := failed_reads(rule_id)
	count(reads) > 0
}

_plural_reads(reads) := "read" if count({c | some c in reads}) == 1

_plural_reads(reads) := "reads" if count({c | some c in reads}) > 1
