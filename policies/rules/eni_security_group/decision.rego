# How ECS decides egress to a backend from the matching rules and the group
# types, the remediation commands, and the findings on the outcome.
package apigw.rules.eni_security_group

import data.apigw.lib

# ---- decision -------------------------------------------------------------------

# Everything below is per ENI (eni.id keys _eni_sorted and its kin): the
# rules of one ENI's groups decide for that ENI alone. Each rule is tried
# once per backend endpoint: the work is linear in backends x rules.

# Each ENI's rules in ECS order: lower priority number first, drop before
# accept at equal priority, then by position (deterministic).
_eni_sorted := {id: [x[3] | some x in sort([[r.rank, r.gi, r.pi, r] | some r in rules])] | some id, rules in _eni_rules}

# _evaluate(id, ip, port): the decision ({"accept": bool, "by":
# "rule"|"enterprise"|"normal"|"assumed", ...}) and the blockers: rules that
# cannot be decided for ip:port, come before the decision and have the
# opposite policy, so they could change the outcome.
_evaluate(id, ip, port) := {"dec": dec, "blockers": blockers} if {
	apps := [[r, _applies(r, ip, port)] | some r in _eni_sorted[id]]
	dec := _first_decision(id, apps)
	blockers := [r |
		some [r, a] in apps
		a == "unknown"
		r.rank < dec.rank
		r.drop == dec.accept
	]
}

# The first matching rule decides; with none, the group type's default.
_first_decision(id, apps) := {"accept": _accepts(r), "by": "rule", "rule": r, "rank": r.rank} if {
	yes := [r | some [r, a] in apps; a == "yes"]
	count(yes) > 0
	r := yes[0]
} else := {"accept": false, "by": "enterprise", "gi": min(_eni_enterprise[id]), "rank": 1000000} if {
	count(_eni_enterprise[id]) > 0
} else := {"accept": true, "by": "assumed", "gi": min(_eni_untyped[id]), "rank": 1000000} if {
	count(_eni_untyped[id]) > 0
} else := {"accept": true, "by": "normal", "rank": 1000000}

_accepts(r) := false if r.drop

_accepts(r) if not r.drop

# One verdict per ENI with groups and target, computed once (through the
# complete rule _verdicts): the findings below only read it.
_verdicts := _verdict_rule

_verdict_rule[[eni.id, ip, port]] := object.union({"eni": eni}, _evaluate(eni.id, ip, port)) if {
	_vpc_connect
	_sgs_known
	some eni in _enis
	count(_eni_groups[eni.id]) > 0
	some [ip, port] in _targets
}

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
	"check": sprintf("whether the ENI security groups of %s%s accept TCP to backend %s (%s): %s, and if it matches, its %s at priority %v overrides %s.", [lib.destination_id, _eni_text(v.eni), _endpoint(ip, port), _apis_of_port(ip, port), _unknown_reason(r), _policy_name(r), r.prio, _decision_text(v.dec)]),
	"remediation": sprintf("Check whether %s is covered by that rule (%s): %s; to make the outcome certain add `%s`.", [ip, _console_sg(r.sg), _check_cmd(r), _authorize_cmd(r.sg, ip, port, _accept_prio(r))]),
	"resource": {"kind": "securityGroup", "id": r.sg},
	"path": r.path,
	"key": _sg_key(v.eni, ip, port),
}) if {
	some [_, ip, port], v in _verdicts
	count(v.blockers) > 0
	r := _blocker(v)
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
	"message": sprintf("ENI security group %s of VPC integration instance %s%s drops TCP to backend %s (%s): %s is the first rule that matches.", [d.sg, lib.destination_id, _eni_text(v.eni), _endpoint(ip, port), _apis_of_port(ip, port), _rule_text(d)]),
	"remediation": _drop_fix(d, ip, port),
	"resource": {"kind": "securityGroup", "id": d.sg},
	"path": d.path,
	"key": _sg_key(v.eni, ip, port),
}) if {
	some [_, ip, port], v in _verdicts
	count(v.blockers) == 0
	v.dec.by == "rule"
	not v.dec.accept
	d := v.dec.rule
}

_drop_fix(d, ip, port) := sprintf("In %s add an accept rule ahead of the drop rule: `%s` (priority %v comes before %v); confirm with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress`.", [_console_sg(d.sg), _authorize_cmd(d.sg, ip, port, d.prio - 1), d.prio - 1, d.prio, _region, d.sg]) if d.prio > 1

_drop_fix(d, ip, port) := sprintf("The drop rule has priority %v, which no accept rule can precede: in %s narrow or remove it (`%s`), then add `%s`; confirm with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress`.", [d.prio, _console_sg(d.sg), _revoke_cmd(d), _authorize_cmd(d.sg, ip, port, 1), _region, d.sg]) if d.prio <= 1

# No rule matches and an enterprise group denies by default.
findings contains lib.finding({
	"message": sprintf("ENI security group %s of VPC integration instance %s%s is an enterprise security group with no outbound rule accepting TCP to backend %s (%s), so the default rule denies it.", [sg, lib.destination_id, _eni_text(v.eni), _endpoint(ip, port), _apis_of_port(ip, port)]),
	"remediation": sprintf("In %s add an outbound accept rule: `%s`.", [_console_sg(sg), _authorize_cmd(sg, ip, port, 1)]),
	"resource": {"kind": "securityGroup", "id": sg},
	"path": ["eniSecurityGroups", v.dec.gi, "SecurityGroupType"],
	"key": _sg_key(v.eni, ip, port),
}) if {
	some [_, ip, port], v in _verdicts
	count(v.blockers) == 0
	v.dec.by == "enterprise"
	sg := _sg_id(_sgs[v.dec.gi], v.dec.gi)
}

# No rule matches and the decision rests on a group whose type is unknown.
findings contains lib.undecided({
	"check": sprintf("whether ENI security group %s of VPC integration instance %s%s accepts TCP to backend %s (%s): no outbound rule matches and its SecurityGroupType is missing, so egress is allowed only if it is a normal (basic) group.", [sg, lib.destination_id, _eni_text(v.eni), _endpoint(ip, port), _apis_of_port(ip, port)]),
	"remediation": sprintf("Read the group type with `aliyun ecs DescribeSecurityGroups --RegionId %s --SecurityGroupIds '[\"%s\"]'` and record it as SecurityGroupType, or make the outcome explicit with `%s`.", [_region, sg, _authorize_cmd(sg, ip, port, 1)]),
	"resource": {"kind": "securityGroup", "id": sg},
	"path": ["eniSecurityGroups", v.dec.gi],
	"key": _sg_key(v.eni, ip, port),
}) if {
	some [_, ip, port], v in _verdicts
	count(v.blockers) == 0
	v.dec.by == "assumed"
	sg := _sg_id(_sgs[v.dec.gi], v.dec.gi)
}

# A read of the backends or the security groups failed: a private backend
# or a rule that decides may be missing.
findings contains f if {
	_vpc_connect
	f := lib.collection_undecided("MIG009", sprintf("whether VPC integration instance %s reaches every private backend of group %s", [lib.destination_id, lib.label_group]))
}
