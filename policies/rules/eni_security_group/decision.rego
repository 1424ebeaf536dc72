# How ECS decides egress to a backend from the matching rules and the group
# types, the remediation commands, and the findings on the outcome.
package apigw.rules.eni_security_group

import data.apigw.lib

# ---- decision -------------------------------------------------------------------

# The rules of one ENI's groups decide for that ENI alone. ENIs that carry
# the same groups decide alike, so the work is done once per distinct set
# of groups (a unit, keyed by the set of eniSecurityGroups indexes) and per
# backend endpoint, in one pass over the unit's rules, each prepared once
# (_egress_rules: port bounds, IPv4 destinations as integer ranges); only
# the outcomes that give a finding are spread over the unit's ENIs.

_unit_gis := {_gis_key(gis): gis | some _, gis in _eni_groups; count(gis) > 0}

_gis_key(gis) := concat(",", [sprintf("%d", [gi]) | some gi in gis])

_unit_enis := {k: {eni | some eni in _enis; _gis_key(_eni_groups[eni.id]) == k} | some k, _ in _unit_gis}

# A unit's rules in ECS order (lower priority number first, drop before
# accept at equal priority, then by position), split by what decides them,
# and its default when no rule matches.
_unit := {k: _unit_of(gis) | some k, gis in _unit_gis}

_unit_of(gis) := {
	"rules": rules,
	"range4": [[i, r] | some i, r in rules; r.m4 == "range"],
	"cidr4": [[i, r] | some i, r in rules; r.m4 == "cidr"],
	"unk4": [r | some r in rules; r.m4 == "unknown"],
	"cidr6": [[i, r] | some i, r in rules; r.m6 == "cidr"],
	"unk6": [r | some r in rules; r.m6 == "unknown"],
	"always": [r | some r in rules; r.m4 == "always"],
	"default": _default_decision(gis),
} if {
	rules := [x[3] | some x in sort([[r.rank, r.gi, r.pi, r] | some r in _egress_rules; r.gi in gis])]
}

# With no matching rule, the group type's default: deny when a group is
# enterprise, accept (assumed) when one has no type, else accept.
_default_decision(gis) := {"accept": false, "by": "enterprise", "gi": min(ent), "rank": 1000000} if {
	ent := {gi | some gi in gis; _sg_type(_sgs[gi]) == "enterprise"}
	count(ent) > 0
} else := {"accept": true, "by": "assumed", "gi": min(untyped), "rank": 1000000} if {
	untyped := {gi | some gi in gis; _sg_type(_sgs[gi]) == ""}
	count(untyped) > 0
} else := {"accept": true, "by": "normal", "rank": 1000000}

# Each backend endpoint once: its IPv4 address as a number (null for IPv6).
_endpoints := {{"ip": ip, "port": port, "v6": contains(ip, ":"), "n": _ip4_number(ip)} | some [ip, port] in _targets}

# _decide(u, t): the decision ({"accept": bool, "by":
# "rule"|"enterprise"|"normal"|"assumed", ...}) and the blockers: rules that
# cannot be decided for the endpoint, come before the decision and have the
# opposite policy, so they could change the outcome.
_decide(u, t) := {"dec": dec, "blockers": blockers} if {
	dec := _decision(u, _matching(u, t))
	blockers := [r |
		some r in _undecidable(u, t)
		r.rank < dec.rank
		r.drop == dec.accept
	]
}

# The first matching rule decides; with none, the default.
_decision(u, yes) := {"accept": _accepts(r), "by": "rule", "rule": r, "rank": r.rank} if {
	count(yes) > 0
	r := u.rules[min(yes)]
} else := u["default"]

_accepts(r) := false if r.drop

_accepts(r) if not r.drop

# Indexes (in u.rules) of the rules that match the endpoint.
_matching(u, t) := array.concat(
	[i | some [i, r] in u.range4; r.plo <= t.port; t.port <= r.phi; r.lo4 <= t.n; t.n <= r.hi4],
	[i | some [i, r] in u.cidr4; r.plo <= t.port; t.port <= r.phi; net.cidr_contains(r.c4, t.ip)],
) if {
	not t.v6
	t.n != null
}

_matching(u, t) := [i |
	some [i, r] in array.concat(u.range4, u.cidr4)
	r.plo <= t.port
	t.port <= r.phi
	net.cidr_contains(r.c4, t.ip)
] if {
	not t.v6
	t.n == null
}

_matching(u, t) := [i | some [i, r] in u.cidr6; r.plo <= t.port; t.port <= r.phi; net.cidr_contains(r.c6, t.ip)] if t.v6

# The rules that cannot be decided for the endpoint.
_undecidable(u, t) := array.concat(u.always, [r | some r in u.unk4; r.plo <= t.port; t.port <= r.phi]) if not t.v6

_undecidable(u, t) := array.concat(u.always, [r | some r in u.unk6; r.plo <= t.port; t.port <= r.phi]) if t.v6

# An outcome without a finding: accepted by a rule or a basic group's
# default, with nothing undecidable before it.
_quiet(v) if {
	v.dec.accept
	v.dec.by != "assumed"
	count(v.blockers) == 0
}

# The outcomes that give a finding, per unit and endpoint, computed once
# (through the complete rule _loud). The findings below read them, work
# out what does not depend on the ENI, then name each ENI of the unit.
_loud_rule[[k, t.ip, t.port]] := v if {
	_vpc_connect
	_sgs_known
	some k, u in _unit
	some t in _endpoints
	v := _decide(u, t)
	not _quiet(v)
}

_loud := _loud_rule

_blocker(v) := sort([[r.rank, r.gi, r.pi, r] | some r in v.blockers])[0][3]

# ---- remediation pieces -------------------------------------------------------------

_authorize_cmd(sg, ip, port, prio) := sprintf(
	"aliyun ecs AuthorizeSecurityGroupEgress --RegionId %s --SecurityGroupId %s --IpProtocol tcp --PortRange %v/%v %s %s --Policy accept --Priority %v",
	[_region, sg, port, port, _dest_cidr_flag(ip), _host_cidr(ip), prio],
)

_revoke_cmd(r) := sprintf(
	"aliyun ecs RevokeSecurityGroupEgress --RegionId %s --SecurityGroupId %s --SecurityGroupRuleId.1 %s",
	[_region, r.sg, r.rule_id],
) if lib.set(r.rule_id)

_revoke_cmd(r) := sprintf(
	"aliyun ecs RevokeSecurityGroupEgress --RegionId %s --SecurityGroupId %s --IpProtocol %s --PortRange %s %s --Policy drop --Priority %v",
	[_region, r.sg, lower(r.proto), r.port_text, _revoke_dest(r), r.prio],
) if not lib.set(r.rule_id)

_revoke_dest(r) := sprintf("--DestCidrIp %s", [r.dst4]) if lib.set(r.dst4)

_revoke_dest(r) := sprintf("--Ipv6DestCidrIp %s", [r.dst6]) if {
	not lib.set(r.dst4)
	lib.set(r.dst6)
}

_console_sg(sg) := sprintf("ECS console > Network & Security > Security Groups > %s > Rules > Outbound", [sg])

# ---- findings: security group verdicts ------------------------------------------------

# An undecidable rule could change the outcome.
findings contains lib.undecided({
	"check": sprintf("whether the ENI security groups of %s%s accept TCP to backend %s (%s): %s, and if it matches, its %s at priority %v overrides %s.", [lib.destination_id, _eni_text(eni), ep, apis, _unknown_reason(r), _policy_name(r), r.prio, _decision_text(v.dec)]),
	"remediation": fix,
	"resource": {"kind": "securityGroup", "id": r.sg},
	"path": r.path,
	"key": _sg_key(eni, ip, port),
}) if {
	some [k, ip, port], v in _loud
	count(v.blockers) > 0
	r := _blocker(v)
	ep := _endpoint(ip, port)
	apis := _apis_of_port(ip, port)
	fix := sprintf("Check whether %s is covered by that rule (%s): %s; to make the outcome certain add `%s`.", [ip, _console_sg(r.sg), _check_cmd(r), _authorize_cmd(r.sg, ip, port, _accept_prio(r))])
	some eni in _unit_enis[k]
}

_check_cmd(r) := sprintf("list its ports with `aliyun ecs DescribePortRangeListEntries --RegionId %s --PortRangeListId %s`, or replace it with a rule that names the port (PortRange)", [_region, r.plist]) if lib.set(r.plist)

_check_cmd(r) := sprintf("read its destination with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress` and correct it in the snapshot, or fix the rule", [_region, r.sg]) if {
	not lib.set(r.plist)
	r.ports != null
	_has_cidr(r)
}

_check_cmd(r) := sprintf("list the addresses in security group %s with `aliyun ecs DescribeNetworkInterfaces --RegionId %s --SecurityGroupId %s`", [r.dgroup, _region, r.dgroup]) if {
	not lib.set(r.plist)
	r.ports != null
	not _has_cidr(r)
	lib.set(r.dgroup)
}

_check_cmd(r) := sprintf("list the entries of prefix list %s with `aliyun ecs DescribePrefixListAssociations --RegionId %s --PrefixListId %s` and `aliyun ecs DescribePrefixListAttributes --RegionId %s --PrefixListId %s`", [r.dprefix, _region, r.dprefix, _region, r.dprefix]) if {
	not lib.set(r.plist)
	r.ports != null
	not _has_cidr(r)
	not lib.set(r.dgroup)
	lib.set(r.dprefix)
}

_check_cmd(r) := sprintf("correct its PortRange to the start/end form with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress` to see it", [_region, r.sg]) if {
	not lib.set(r.plist)
	r.ports == null
}

# An accept rule placed before a rule at priority p: p-1, or 1 at best.
_accept_prio(r) := max([1, r.prio - 1])

# A drop rule decides.
findings contains lib.finding({
	"message": sprintf("ENI security group %s of VPC integration instance %s%s drops TCP to backend %s (%s): %s is the first rule that matches.", [d.sg, lib.destination_id, _eni_text(eni), ep, apis, rule]),
	"remediation": fix,
	"resource": {"kind": "securityGroup", "id": d.sg},
	"path": d.path,
	"key": _sg_key(eni, ip, port),
}) if {
	some [k, ip, port], v in _loud
	count(v.blockers) == 0
	v.dec.by == "rule"
	not v.dec.accept
	d := v.dec.rule
	ep := _endpoint(ip, port)
	apis := _apis_of_port(ip, port)
	rule := _rule_text(d)
	fix := _drop_fix(d, ip, port)
	some eni in _unit_enis[k]
}

_drop_fix(d, ip, port) := sprintf("In %s add an accept rule ahead of the drop rule: `%s` (priority %v comes before %v); confirm with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress`.", [_console_sg(d.sg), _authorize_cmd(d.sg, ip, port, d.prio - 1), d.prio - 1, d.prio, _region, d.sg]) if d.prio > 1

_drop_fix(d, ip, port) := sprintf("The drop rule has priority %v, which no accept rule can precede: in %s narrow or remove it (`%s`), then add `%s`; confirm with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress`.", [d.prio, _console_sg(d.sg), _revoke_cmd(d), _authorize_cmd(d.sg, ip, port, 1), _region, d.sg]) if d.prio <= 1

# No rule matches and an enterprise group denies by default.
findings contains lib.finding({
	"message": sprintf("ENI security group %s of VPC integration instance %s%s is an enterprise security group with no outbound rule accepting TCP to backend %s (%s), so the default rule denies it.", [sg, lib.destination_id, _eni_text(eni), ep, apis]),
	"remediation": fix,
	"resource": {"kind": "securityGroup", "id": sg},
	"path": ["eniSecurityGroups", v.dec.gi, "SecurityGroupType"],
	"key": _sg_key(eni, ip, port),
}) if {
	some [k, ip, port], v in _loud
	count(v.blockers) == 0
	v.dec.by == "enterprise"
	sg := _sg_id(_sgs[v.dec.gi], v.dec.gi)
	ep := _endpoint(ip, port)
	apis := _apis_of_port(ip, port)
	fix := sprintf("In %s add an outbound accept rule: `%s`.", [_console_sg(sg), _authorize_cmd(sg, ip, port, 1)])
	some eni in _unit_enis[k]
}

# No rule matches and the decision rests on a group whose type is unknown.
findings contains lib.undecided({
	"check": sprintf("whether ENI security group %s of VPC integration instance %s%s accepts TCP to backend %s (%s): no outbound rule matches and its SecurityGroupType is missing, so egress is allowed only if it is a normal (basic) group.", [sg, lib.destination_id, _eni_text(eni), ep, apis]),
	"remediation": fix,
	"resource": {"kind": "securityGroup", "id": sg},
	"path": ["eniSecurityGroups", v.dec.gi],
	"key": _sg_key(eni, ip, port),
}) if {
	some [k, ip, port], v in _loud
	count(v.blockers) == 0
	v.dec.by == "assumed"
	sg := _sg_id(_sgs[v.dec.gi], v.dec.gi)
	ep := _endpoint(ip, port)
	apis := _apis_of_port(ip, port)
	fix := sprintf("Read the group type with `aliyun ecs DescribeSecurityGroups --RegionId %s --SecurityGroupIds '[\"%s\"]'` and record it as SecurityGroupType, or make the outcome explicit with `%s`.", [_region, sg, _authorize_cmd(sg, ip, port, 1)])
	some eni in _unit_enis[k]
}

# A read of the backends or the security groups failed: a private backend
# or a rule that decides may be missing.
findings contains f if {
	_vpc_connect

	# First, so that a snapshot without failed reads builds no text.
	count(lib.collection_errors) > 0
	f := lib.collection_undecided("MIG009", sprintf("whether VPC integration instance %s reaches every private backend of group %s", [lib.destination_id, lib.label_group]))
}
