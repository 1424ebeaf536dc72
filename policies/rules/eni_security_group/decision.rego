# How ECS decides egress to a backend from the matching rules and the group
# types, the remediation commands, and the findings on the outcome.
package apigw.rules.eni_security_group

import data.apigw.lib

# ---- decision -------------------------------------------------------------------

_matching(ip, port) := [r | some r in _egress_rules; _applies(r, ip, port) == "yes"]

# The deciding rule: the first matching rule in ECS order (ties broken by
# position so the choice is deterministic).
_decider(ip, port) := d if {
	ms := _matching(ip, port)
	count(ms) > 0
	best := min({r.rank | some r in ms})
	d := sort([[r.gi, r.pi, r] | some r in ms; r.rank == best])[0][2]
}

_enterprise_idx := {gi | some gi, g in _sgs; is_object(g); _sg_type(g) == "enterprise"}

_untyped_idx := {gi | some gi, g in _sgs; is_object(g); _sg_type(g) == ""}

# _decision(ip, port): {"accept": bool, "by": "rule"|"enterprise"|"normal"|"assumed", ...}
_decision(ip, port) := {"accept": _accepts(d), "by": "rule", "rule": d, "rank": d.rank} if {
	d := _decider(ip, port)
}

_accepts(r) := false if r.drop

_accepts(r) if not r.drop

_decision(ip, port) := {"accept": false, "by": "enterprise", "gi": min(_enterprise_idx), "rank": 1000000} if {
	not _decider(ip, port)
	count(_enterprise_idx) > 0
}

_decision(ip, port) := {"accept": true, "by": "assumed", "gi": min(_untyped_idx), "rank": 1000000} if {
	not _decider(ip, port)
	count(_enterprise_idx) == 0
	count(_untyped_idx) > 0
}

_decision(ip, port) := {"accept": true, "by": "normal", "rank": 1000000} if {
	not _decider(ip, port)
	count(_enterprise_idx) == 0
	count(_untyped_idx) == 0
}

# Rules that cannot be decided for ip:port, come before the decision and have
# the opposite policy: they could change the outcome.
_undecidable(ip, port) := [r |
	dec := _decision(ip, port)
	some r in _egress_rules
	_applies(r, ip, port) == "unknown"
	r.rank < dec.rank
	r.drop == dec.accept
]

_blocker(ip, port) := sort([[r.rank, r.gi, r.pi, r] | some r in _undecidable(ip, port)])[0][3]

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
	"check": sprintf("whether the ENI security groups of %s accept TCP to backend %s (%s): %s, and if it matches, its %s at priority %v overrides %s.", [lib.destination_id, _endpoint(ip, port), _apis_of_port(ip, port), _unknown_reason(r), _policy_name(r), r.prio, _decision_text(_decision(ip, port))]),
	"remediation": sprintf("Check whether %s is covered by that rule (%s): %s; to make the outcome certain add `%s`.", [ip, _console_sg(r.sg), _check_cmd(r), _authorize_cmd(r.sg, ip, port, _accept_prio(r))]),
	"resource": {"kind": "securityGroup", "id": r.sg},
	"path": r.path,
	"key": sprintf("sg:%s", [_endpoint(ip, port)]),
}) if {
	_vpc_connect
	_sgs_known
	some [ip, port] in _targets
	count(_undecidable(ip, port)) > 0
	r := _blocker(ip, port)
}

_check_cmd(r) := sprintf("read its destination with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress` and correct it in the snapshot, or fix the rule", [_region, r.sg]) if {
	r.ports != null
	_has_cidr(r)
}

_check_cmd(r) := sprintf("list the addresses in security group %s with `aliyun ecs DescribeNetworkInterfaces --RegionId %s --SecurityGroupId %s`", [r.dgroup, _region, r.dgroup]) if {
	r.ports != null
	not _has_cidr(r)
	lib.set(r.dgroup)
}

_check_cmd(r) := sprintf("list the entries of prefix list %s with `aliyun ecs DescribePrefixListAssociations --RegionId %s --PrefixListId %s` and `aliyun ecs DescribePrefixListAttributes --RegionId %s --PrefixListId %s`", [r.dprefix, _region, r.dprefix, _region, r.dprefix]) if {
	r.ports != null
	not _has_cidr(r)
	not lib.set(r.dgroup)
	lib.set(r.dprefix)
}

_check_cmd(r) := sprintf("correct its PortRange to the start/end form with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress` to see it", [_region, r.sg]) if r.ports == null

# An accept rule placed before a rule at priority p: p-1, or 1 at best.
_accept_prio(r) := max([1, r.prio - 1])

# A drop rule decides.
findings contains lib.finding({
	"message": sprintf("ENI security group %s of VPC integration instance %s drops TCP to backend %s (%s): %s is the first rule that matches.", [d.sg, lib.destination_id, _endpoint(ip, port), _apis_of_port(ip, port), _rule_text(d)]),
	"remediation": _drop_fix(d, ip, port),
	"resource": {"kind": "securityGroup", "id": d.sg},
	"path": d.path,
	"key": sprintf("sg:%s", [_endpoint(ip, port)]),
}) if {
	_vpc_connect
	_sgs_known
	some [ip, port] in _targets
	count(_undecidable(ip, port)) == 0
	dec := _decision(ip, port)
	dec.by == "rule"
	not dec.accept
	d := dec.rule
}

_drop_fix(d, ip, port) := sprintf("In %s add an accept rule ahead of the drop rule: `%s` (priority %v comes before %v); confirm with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress`.", [_console_sg(d.sg), _authorize_cmd(d.sg, ip, port, d.prio - 1), d.prio - 1, d.prio, _region, d.sg]) if d.prio > 1

_drop_fix(d, ip, port) := sprintf("The drop rule has priority %v, which no accept rule can precede: in %s narrow or remove it (`%s`), then add `%s`; confirm with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress`.", [d.prio, _console_sg(d.sg), _revoke_cmd(d), _authorize_cmd(d.sg, ip, port, 1), _region, d.sg]) if d.prio <= 1

# No rule matches and an enterprise group denies by default.
findings contains lib.finding({
	"message": sprintf("ENI security group %s of VPC integration instance %s is an enterprise security group with no outbound rule accepting TCP to backend %s (%s), so the default rule denies it.", [sg, lib.destination_id, _endpoint(ip, port), _apis_of_port(ip, port)]),
	"remediation": sprintf("In %s add an outbound accept rule: `%s`.", [_console_sg(sg), _authorize_cmd(sg, ip, port, 1)]),
	"resource": {"kind": "securityGroup", "id": sg},
	"path": ["eniSecurityGroups", dec.gi, "SecurityGroupType"],
	"key": sprintf("sg:%s", [_endpoint(ip, port)]),
}) if {
	_vpc_connect
	_sgs_known
	some [ip, port] in _targets
	count(_undecidable(ip, port)) == 0
	dec := _decision(ip, port)
	dec.by == "enterprise"
	sg := _sg_id(_sgs[dec.gi], dec.gi)
}

# No rule matches and the decision rests on a group whose type is unknown.
findings contains lib.undecided({
	"check": sprintf("whether ENI security group %s of VPC integration instance %s accepts TCP to backend %s (%s): no outbound rule matches and its SecurityGroupType is missing, so egress is allowed only if it is a normal (basic) group.", [sg, lib.destination_id, _endpoint(ip, port), _apis_of_port(ip, port)]),
	"remediation": sprintf("Read the group type with `aliyun ecs DescribeSecurityGroups --RegionId %s --SecurityGroupIds '[\"%s\"]'` and record it as SecurityGroupType, or make the outcome explicit with `%s`.", [_region, sg, _authorize_cmd(sg, ip, port, 1)]),
	"resource": {"kind": "securityGroup", "id": sg},
	"path": ["eniSecurityGroups", dec.gi],
	"key": sprintf("sg:%s", [_endpoint(ip, port)]),
}) if {
	_vpc_connect
	_sgs_known
	some [ip, port] in _targets
	count(_undecidable(ip, port)) == 0
	dec := _decision(ip, port)
	dec.by == "assumed"
	sg := _sg_id(_sgs[dec.gi], dec.gi)
}

# A read of the backends or the security groups failed: a private backend
# or a rule that decides may be missing.
findings contains f if {
	_vpc_connect
	f := lib.collection_undecided("MIG009", sprintf("whether VPC integration instance %s reaches every private backend of group %s", [lib.destination_id, lib.label_group]))
}
