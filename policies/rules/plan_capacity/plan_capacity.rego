# METADATA
# title: Planned groups together fit the destination
# description: >-
#   A fleet rule: it sees the whole audit plan, not one migration. For each
#   destination that two or more planned migrations (the first destination of
#   each plan entry; candidates are left out) move groups onto, the sum of the
#   groups' observed peaks times (1 + MIG001's rpsHeadroom), plus the load
#   already on the destination (destinationLoad.peakRps), must fit the
#   destination's limit (InstanceRpsLimit, else the specification table's),
#   read with data.apigw.lib.capacity as MIG001 reads one group (a group
#   already on the destination is part of that load). Each group may
#   fit alone and the plan still overload the instance. When a planned group's
#   figures cannot be read, or its snapshot could not be collected, the rule
#   says it could not check that destination. Input: {"plan": the plan,
#   "migrations": [{"group", "destination", "candidate", "snapshot"}, ...]},
#   snapshot absent for a pair that could not be collected.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/product-overview/dedicated-instances
#     description: Dedicated instance specifications and their maximum RPS
# custom:
#   id: MIG017
#   name: plan-capacity
#   severity: error
#   remediation: >-
#     Upgrade the destination to a specification whose maximum RPS covers the
#     planned groups' peaks plus headroom plus its existing load
#     (ModifyInstanceSpec), or plan some of the groups onto another instance.
#   tags: [capacity, fleet]
package apigw.fleet.plan_capacity

import data.apigw.lib
import data.apigw.lib.capacity as cap

# ---- the planned migrations, by destination --------------------------------

# Every planned migration (candidates left out), collected or not: one whose
# snapshot could not be collected has no snapshot, and leaves its
# destination undecided. A group already on its destination is left out:
# its traffic is part of the destination's load already.
_planned := [m |
	some m in input.migrations
	not m.candidate
	not _already_there(m)
]

_already_there(m) if {
	d := lib.get(object.get(_snap(m), "group", null), "InstanceId")
	d != ""
	d == _dest(m)
}

_snap(m) := lib.obj(object.get(m, "snapshot", null))

_dest(m) := d if {
	d := object.get(m, "destination", "")
	lib.set(d)
}

_dest(m) := lib.get(object.get(_snap(m), "destination", null), "InstanceId") if not lib.set(object.get(m, "destination", ""))

_destinations := {d | some m in _planned; d := _dest(m); d != ""}

_onto(d) := [m | some m in _planned; _dest(m) == d]

_label(m) := sprintf("%s (%s)", [lib.get(object.get(_snap(m), "group", null), "GroupName"), lib.get(object.get(_snap(m), "group", null), "GroupId")]) if {
	lib.get(object.get(_snap(m), "group", null), "GroupName") != ""
}

_label(m) := lib.get(object.get(_snap(m), "group", null), "GroupId") if {
	lib.get(object.get(_snap(m), "group", null), "GroupName") == ""
	lib.get(object.get(_snap(m), "group", null), "GroupId") != ""
}

_label(m) := lib.str(object.get(m, "group", "")) if lib.get(object.get(_snap(m), "group", null), "GroupId") == ""

_figures(m) := c if {
	is_object(m.snapshot)
	c := cap.capacity with input as m.snapshot
}

# The figures of each group onto d, in the plan's order.
_known(d) := [{"label": _label(m), "c": _figures(m)} | some m in _onto(d); _figures(m)]

_unknown(d) := [_label(m) | some m in _onto(d); not _figures(m)]

# A group's own share: its peak with headroom, the destination's load left out.
_share(e) := e.c.neededRps - e.c.existingRps

_sum(d) := sum([_share(e) | some e in _known(d)])

_existing(d) := max([e.c.existingRps | some e in _known(d)])

_limit(d) := min([e.c.limitRps | some e in _known(d)])

_spec(d) := [e.c.spec | some e in _known(d)][0]

_total(d) := round((_sum(d) + _existing(d)) * 1000) / 1000

_parts(d) := concat(", ", [sprintf("%s %s", [e.label, lib.thousands(ceil(_share(e)))]) | some e in _known(d)])

_fitting(n) := [s | some s in lib.specs; s.rps >= n]

_advice(n) := sprintf("the smallest specification that fits them all is %s (%s RPS)", [s.spec, lib.thousands(s.rps)]) if {
	s := _fitting(n)[0]
}

_advice(n) := sprintf("even %s (%s RPS) is too small for them together", [s.spec, lib.thousands(s.rps)]) if {
	count(_fitting(n)) == 0
	s := lib.specs[count(lib.specs) - 1]
}

_fix(d, n) := sprintf(
	"Upgrade %s to %s (%s RPS) before migrating the groups (`aliyun cloudapi ModifyInstanceSpec --InstanceId %s --InstanceSpec %s`), or plan some of them onto another instance.",
	[d, s.spec, lib.thousands(s.rps), d, s.spec],
) if {
	s := _fitting(n)[0]
}

_fix(d, n) := sprintf(
	"Even the largest specification, %s (%s RPS), is below the %s RPS the plan puts on %s: plan some of the groups onto another dedicated instance.",
	[s.spec, lib.thousands(s.rps), lib.thousands(ceil(n)), d],
) if {
	count(_fitting(n)) == 0
	s := lib.specs[count(lib.specs) - 1]
}

_names(d) := [n | some m in _onto(d); n := lib.get(object.get(_snap(m), "destination", null), "InstanceName"); n != ""]

_resource(d) := {"kind": "instance", "id": d, "name": _names(d)[0]} if count(_names(d)) > 0

_resource(d) := {"kind": "instance", "id": d, "name": ""} if count(_names(d)) == 0

# ---- findings ---------------------------------------------------------------

findings contains lib.finding({
	"message": sprintf(
		"%d groups are planned onto %s (%s) and need %s RPS together but it allows %s: %s RPS with %s%% headroom%s; %s",
		[
			count(_known(d)), d, _spec(d), lib.thousands(ceil(_total(d))), lib.thousands(_limit(d)),
			_parts(d), sprintf("%v", [round(cap.headroom * 1000) / 10]), _load_part(d), _advice(_total(d)),
		],
	),
	"remediation": _fix(d, _total(d)),
	"resource": _resource(d),
	"key": d,
}) if {
	some d in _destinations
	count(_onto(d)) >= 2
	count(_unknown(d)) == 0
	_total(d) > _limit(d)
}

_load_part(d) := sprintf(", plus %s RPS already on it", [lib.thousands(_existing(d))]) if _existing(d) > 0

_load_part(d) := "" if _existing(d) <= 0

findings contains lib.undecided({
	"check": sprintf(
		"whether the %d groups planned onto %s fit it together: the peak or the limit of %s cannot be read (MIG001 or the collection error says why)",
		[count(_onto(d)), d, concat(", ", _unknown(d))],
	),
	"remediation": "Fix what MIG001 reports on those migrations (collect their traffic, check the destination's specification) and run the audit again.",
	"resource": _resource(d),
	"key": d,
}) if {
	some d in _destinations
	count(_onto(d)) >= 2
	count(_unknown(d)) > 0
}
