# METADATA
# title: VPC integration ENI reaches every private backend
# description: >-
#   Applies when the destination is a VPC integration instance
#   (destination.DedicatedInstanceType is vpc_connect), which reaches backends
#   from a private IP of the connected VPC through an elastic network interface
#   (ENI). For every private backend IP (RFC 1918, 100.64.0.0/10, fc00::/7) of a
#   backend that receives traffic over the network (Function Compute, OSS,
#   EventBridge and Mock are exempt): the IP must lie inside
#   destination.ConnectCidrBlocks (error), and the egress rules of the ENI's
#   security groups (eniSecurityGroups) must accept TCP to that IP and the
#   backend port (error). Security group evaluation follows ECS: all groups
#   bound to the ENI are evaluated together as one rule set; egress rules
#   whose IpProtocol is TCP or ALL, whose PortRange contains the port (-1/-1 is
#   every port) and whose DestCidrIp (Ipv6DestCidrIp for IPv6) contains the IP
#   match; lower Priority first (1-100, missing means 1), at equal priority
#   drop beats accept, and the first match decides. When nothing matches, the
#   group type's default applies: normal (basic) groups allow all egress,
#   enterprise groups deny it; when any bound group is enterprise the default
#   is deny; a group without SecurityGroupType is assumed normal and the rule
#   says so with a warning when that assumption decides. A rule that points at
#   another security group (DestGroupId) or a prefix list (DestPrefixListId),
#   or has an unreadable PortRange or a destination CIDR that does not parse,
#   cannot be decided for an IP: when such a
#   rule comes before the deciding one and has the opposite policy, the result
#   is a warning. Missing backends, missing eniSecurityGroups or
#   ConnectCidrBlocks (when there are private backends to check), ENI
#   security groups absent from eniSecurityGroups, and a failed read of the
#   backends or security groups in collectionErrors are warnings that begin
#   "could not check". IPv4-mapped IPv6 backend addresses count as IPv4.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances (precaution on the VPC integration instance's ENI security group)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/product-overview/vpc-integrated-exclusive-instance
#     description: VPC integration instances
#   - ref: https://www.alibabacloud.com/help/en/ecs/user-guide/security-group-rules
#     description: ECS security group rules (priority, drop before accept, default rules of basic and enterprise groups)
#   - ref: https://www.alibabacloud.com/help/en/ecs/api-authorizesecuritygroupegress
#     description: ECS AuthorizeSecurityGroupEgress
# custom:
#   id: MIG009
#   name: eni-security-group
#   severity: error
#   remediation: >-
#     Make the destination's connected CIDR blocks cover every private backend
#     IP (API Gateway console > Instances > the VPC integration instance), and
#     add an outbound accept rule for TCP to each backend IP and port to a
#     security group bound to the instance's ENI, at a priority that comes
#     before any drop rule that matches (ECS console > Network & Security >
#     Security Groups > the group > Rules > Outbound, or aliyun ecs
#     AuthorizeSecurityGroupEgress).
#   tags: [network, vpc-integration, security-group]
package apigw.rules.eni_security_group

import data.apigw.lib

# field(obj, key) is obj[key], or null when obj is not an object or lacks key.
field(obj, key) := object.get(obj, key, null) if is_object(obj)

field(obj, _) := null if not is_object(obj)

# ---- scope ------------------------------------------------------------------

vpc_connect if lower(trim_space(lib.get(input.destination, "DedicatedInstanceType"))) == "vpc_connect"

dest_id := lib.get(input.destination, "InstanceId")

region := r if {
	r := lib.get(input.destination, "RegionId")
	lib.set(r)
} else := r if {
	r := lib.get(input.group, "RegionId")
	lib.set(r)
} else := lib.get(input, "regionId")

# ---- backends -----------------------------------------------------------------

exempt_protocols := {"functioncompute", "oss", "eventbridge", "mock"}

backends_known if is_array(input.backends)

backends := input.backends if backends_known

exempt(b) if lower(trim_space(lib.get(b, "protocol"))) in exempt_protocols

backend_ips(b) := ips if {
	ips := {ip | some ip in lib.ips(object.get(b, "ips", null)); plain_ip(ip)}
	count(ips) > 0
} else := {h} if {
	h := lib.unmap(lib.get(b, "host"))
	plain_ip(h)
} else := set()

valid_port(p) if {
	p >= 1
	p <= 65535
}

plain_ip(x) if {
	lib.valid_addr(x)
	not contains(x, "/")
}

backend_port(b) := p if {
	p := lib.num(object.get(b, "port", null))
	valid_port(p)
} else := p if {
	p := lib.num(field(field(b, "vpcAccess"), "Port"))
	valid_port(p)
} else := p if {
	m := regex.find_all_string_submatch_n(`^[A-Za-z][A-Za-z0-9+.-]*://(\[[^\]]+\]|[^/:\[]+):([0-9]{1,5})(/.*)?$`, trim_space(lib.get(b, "address")), 1)
	count(m) == 1
	p := to_number(m[0][2])
	valid_port(p)
} else := 443 if {
	upper(trim_space(lib.get(b, "protocol"))) == "HTTPS"
} else := 80

api_label(b) := n if {
	n := lib.get(b, "apiName")
	lib.set(n)
} else := n if {
	n := lib.get(b, "apiId")
	lib.set(n)
} else := "unnamed API"

# One entry per (backend, private IP); findings aggregate per IP or IP:port.
hits contains {"ip": ip, "port": port, "idx": i} if {
	some i, b in backends
	is_object(b)
	not exempt(b)
	some ip in backend_ips(b)
	lib.private(ip)
	port := backend_port(b)
}

private_ips := {h.ip | some h in hits}

targets := {[h.ip, h.port] | some h in hits}

apis_of(ip) := concat(", ", sort({api_label(backends[h.idx]) | some h in hits; h.ip == ip}))

apis_of_port(ip, port) := concat(", ", sort({api_label(backends[h.idx]) | some h in hits; h.ip == ip; h.port == port}))

endpoint(ip, port) := sprintf("[%s]:%v", [ip, port]) if lib.ipv6(ip)

endpoint(ip, port) := sprintf("%s:%v", [ip, port]) if not lib.ipv6(ip)

host_cidr(ip) := sprintf("%s/128", [ip]) if lib.ipv6(ip)

host_cidr(ip) := sprintf("%s/32", [ip]) if not lib.ipv6(ip)

dest_cidr_flag(ip) := "--Ipv6DestCidrIp" if lib.ipv6(ip)

dest_cidr_flag(ip) := "--DestCidrIp" if not lib.ipv6(ip)

# ---- ConnectCidrBlocks --------------------------------------------------------

connect_raw := field(input.destination, "ConnectCidrBlocks")

connect_known if {
	connect_raw != null
	not blank_string(connect_raw)
}

blank_string(x) if {
	is_string(x)
	trim_space(x) == ""
}

connect_cidrs := lib.list(connect_raw)

connect_text := "none" if count(connect_cidrs) == 0

connect_text := concat(", ", connect_cidrs) if count(connect_cidrs) > 0

# ---- security groups ----------------------------------------------------------

sgs_known if {
	is_array(input.eniSecurityGroups)
	count(input.eniSecurityGroups) > 0
}

sgs := input.eniSecurityGroups if sgs_known

sg_id(g, gi) := id if {
	id := lib.get(g, "SecurityGroupId")
	lib.set(id)
} else := sprintf("eniSecurityGroups[%d]", [gi])

sg_type(g) := lower(trim_space(lib.get(g, "SecurityGroupType")))

# The permissions of a group and the JSON path prefix to them. Accepts the
# DescribeSecurityGroupAttribute shape and a bare array.
perms(g) := {"list": p, "path": ["Permissions", "Permission"]} if {
	ps := object.get(g, "Permissions", null)
	is_object(ps)
	p := object.get(ps, "Permission", null)
	is_array(p)
} else := {"list": ps, "path": ["Permissions"]} if {
	ps := object.get(g, "Permissions", null)
	is_array(ps)
} else := {"list": [], "path": ["Permissions"]}

priority(p) := n if {
	n := lib.num(object.get(p, "Priority", null))
} else := 1

is_drop(p) if {
	lower(trim_space(lib.get(p, "Policy"))) == "drop"
} else := false

policy_name(r) := "drop" if r.drop

policy_name(r) := "accept" if not r.drop

# [low, high] port bounds, or null when unreadable.
port_range(p, proto) := [lo, hi] if {
	m := regex.find_all_string_submatch_n(`^\s*(-?[0-9]{1,5})\s*/\s*(-?[0-9]{1,5})\s*$`, lib.get(p, "PortRange"), 1)
	count(m) == 1
	a := to_number(m[0][1])
	b := to_number(m[0][2])
	[lo, hi] := bounds(a, b)
} else := [0, 65535] if {
	proto == "all"
	not lib.set(lib.get(p, "PortRange"))
} else := null

bounds(-1, -1) := [0, 65535]

bounds(a, b) := [a, b] if {
	not all_ports(a, b)
	a >= 0
	b >= a
}

all_ports(-1, -1)

# Every egress rule that can carry TCP, flattened across the ENI's groups.
# rank orders rules as ECS does: lower priority number first, drop before
# accept at equal priority.
egress_rules contains r if {
	some gi, g in sgs
	is_object(g)
	ps := perms(g)
	some pi, p in ps.list
	is_object(p)
	lower(trim_space(lib.get(p, "Direction"))) == "egress"
	proto := lower(trim_space(lib.get(p, "IpProtocol")))
	proto in {"tcp", "all"}
	prio := priority(p)
	drop := is_drop(p)
	r := {
		"gi": gi,
		"pi": pi,
		"sg": sg_id(g, gi),
		"path": array.concat(array.concat(["eniSecurityGroups", gi], ps.path), [pi]),
		"prio": prio,
		"drop": drop,
		"rank": (prio * 2) + drop_rank(drop),
		"proto": upper(proto),
		"ports": port_range(p, proto),
		"port_text": lib.get(p, "PortRange"),
		"dst4": trim_space(lib.get(p, "DestCidrIp")),
		"dst6": trim_space(lib.get(p, "Ipv6DestCidrIp")),
		"dgroup": trim_space(lib.get(p, "DestGroupId")),
		"dprefix": trim_space(lib.get(p, "DestPrefixListId")),
		"rule_id": lib.get(p, "SecurityGroupRuleId"),
	}
}

drop_rank(true) := 0

drop_rank(false) := 1

# Does rule r apply to TCP to ip:port? "yes", "no", or a reason it cannot be
# decided from the snapshot.
applies(r, _, _) := "unknown" if r.ports == null

applies(r, _, port) := "no" if {
	r.ports != null
	not in_ports(r.ports, port)
}

applies(r, ip, port) := verdict if {
	r.ports != null
	in_ports(r.ports, port)
	verdict := dest_match(r, ip)
}

in_ports([lo, hi], port) if {
	port >= lo
	port <= hi
}

has_cidr(r) if lib.set(r.dst4)

has_cidr(r) if lib.set(r.dst6)

family_cidr(r, ip) := r.dst6 if lib.ipv6(ip)

family_cidr(r, ip) := r.dst4 if not lib.ipv6(ip)

dest_match(r, ip) := "yes" if {
	has_cidr(r)
	lib.in_any([family_cidr(r, ip)], ip)
}

# A destination of the IP's family that is not a CIDR (or IP) cannot be
# matched: the rule may or may not cover the backend.
dest_match(r, ip) := "unknown" if {
	has_cidr(r)
	bad_cidr(family_cidr(r, ip))
}

dest_match(r, ip) := "no" if {
	has_cidr(r)
	not lib.in_any([family_cidr(r, ip)], ip)
	not bad_cidr(family_cidr(r, ip))
}

bad_cidr(c) if {
	lib.set(c)
	not lib.valid_addr(c)
}

# The rule's destinations that are not CIDRs, as text.
bad_cidrs(r) := concat(" and ", [sprintf("%s %q", [k, c]) |
	some [k, c] in [["DestCidrIp", r.dst4], ["Ipv6DestCidrIp", r.dst6]]
	bad_cidr(c)
])

dest_match(r, _) := "unknown" if {
	not has_cidr(r)
	lib.set(r.dgroup)
}

dest_match(r, _) := "unknown" if {
	not has_cidr(r)
	not lib.set(r.dgroup)
	lib.set(r.dprefix)
}

dest_match(r, _) := "no" if {
	not has_cidr(r)
	not lib.set(r.dgroup)
	not lib.set(r.dprefix)
}

unknown_reason(r) := sprintf("egress rule %s of %s has an unreadable PortRange %q", [rule_name(r), r.sg, r.port_text]) if r.ports == null

unknown_reason(r) := sprintf("egress rule %s of %s has an unparsable %s", [rule_name(r), r.sg, bad_cidrs(r)]) if {
	r.ports != null
	has_cidr(r)
}

unknown_reason(r) := sprintf("egress rule %s of %s targets security group %s, whose members are not in the snapshot", [rule_name(r), r.sg, r.dgroup]) if {
	r.ports != null
	not has_cidr(r)
	lib.set(r.dgroup)
}

unknown_reason(r) := sprintf("egress rule %s of %s targets prefix list %s, whose entries are not in the snapshot", [rule_name(r), r.sg, r.dprefix]) if {
	r.ports != null
	not has_cidr(r)
	not lib.set(r.dgroup)
	lib.set(r.dprefix)
}

rule_name(r) := r.rule_id if lib.set(r.rule_id)

rule_name(r) := sprintf("Permission[%d]", [r.pi]) if not lib.set(r.rule_id)

dest_text(r) := r.dst4 if lib.set(r.dst4)

dest_text(r) := r.dst6 if {
	not lib.set(r.dst4)
	lib.set(r.dst6)
}

dest_text(r) := sprintf("security group %s", [r.dgroup]) if {
	not has_cidr(r)
	lib.set(r.dgroup)
}

dest_text(r) := sprintf("prefix list %s", [r.dprefix]) if {
	not has_cidr(r)
	not lib.set(r.dgroup)
	lib.set(r.dprefix)
}

dest_text(r) := "no destination" if {
	not has_cidr(r)
	not lib.set(r.dgroup)
	not lib.set(r.dprefix)
}

rule_text(r) := sprintf("egress rule %s of %s (%s %s to %s, priority %v, %s)", [rule_name(r), r.sg, r.proto, port_text(r), dest_text(r), r.prio, policy_name(r)])

# What decides when the undecidable rules do not match.
decision_text(dec) := sprintf("egress rule %s of %s (priority %v, %s)", [rule_name(dec.rule), dec.rule.sg, dec.rule.prio, policy_name(dec.rule)]) if dec.by == "rule"

decision_text(dec) := "the enterprise security group default (drop)" if dec.by == "enterprise"

decision_text(dec) := "the basic security group default (accept)" if dec.by == "normal"

decision_text(dec) := "the default of a group without SecurityGroupType (accept if basic)" if dec.by == "assumed"

port_text(r) := r.port_text if lib.set(r.port_text)

port_text(r) := "all ports" if not lib.set(r.port_text)

# ---- decision -------------------------------------------------------------------

matching(ip, port) := [r | some r in egress_rules; applies(r, ip, port) == "yes"]

# The deciding rule: the first matching rule in ECS order (ties broken by
# position so the choice is deterministic).
decider(ip, port) := d if {
	ms := matching(ip, port)
	count(ms) > 0
	best := min({r.rank | some r in ms})
	d := sort([[r.gi, r.pi, r] | some r in ms; r.rank == best])[0][2]
}

enterprise_idx := {gi | some gi, g in sgs; is_object(g); sg_type(g) == "enterprise"}

untyped_idx := {gi | some gi, g in sgs; is_object(g); sg_type(g) == ""}

# decision(ip, port): {"accept": bool, "by": "rule"|"enterprise"|"normal"|"assumed", ...}
decision(ip, port) := {"accept": accepts(d), "by": "rule", "rule": d, "rank": d.rank} if {
	d := decider(ip, port)
}

accepts(r) := false if r.drop

accepts(r) if not r.drop

decision(ip, port) := {"accept": false, "by": "enterprise", "gi": min(enterprise_idx), "rank": 1000000} if {
	not decider(ip, port)
	count(enterprise_idx) > 0
}

decision(ip, port) := {"accept": true, "by": "assumed", "gi": min(untyped_idx), "rank": 1000000} if {
	not decider(ip, port)
	count(enterprise_idx) == 0
	count(untyped_idx) > 0
}

decision(ip, port) := {"accept": true, "by": "normal", "rank": 1000000} if {
	not decider(ip, port)
	count(enterprise_idx) == 0
	count(untyped_idx) == 0
}

# Rules that cannot be decided for ip:port, come before the decision and have
# the opposite policy: they could change the outcome.
undecidable(ip, port) := [r |
	dec := decision(ip, port)
	some r in egress_rules
	applies(r, ip, port) == "unknown"
	r.rank < dec.rank
	r.drop == dec.accept
]

blocker(ip, port) := sort([[r.rank, r.gi, r.pi, r] | some r in undecidable(ip, port)])[0][3]

# ---- remediation pieces -------------------------------------------------------------

authorize_cmd(sg, ip, port, prio) := sprintf(
	"aliyun ecs AuthorizeSecurityGroupEgress --RegionId %s --SecurityGroupId %s --IpProtocol tcp --PortRange %v/%v %s %s --Policy accept --Priority %v",
	[region, sg, port, port, dest_cidr_flag(ip), host_cidr(ip), prio],
)

revoke_cmd(r) := sprintf(
	"aliyun ecs RevokeSecurityGroupEgress --RegionId %s --SecurityGroupId %s --SecurityGroupRuleId.1 %s",
	[region, r.sg, r.rule_id],
) if lib.set(r.rule_id)

revoke_cmd(r) := sprintf(
	"aliyun ecs RevokeSecurityGroupEgress --RegionId %s --SecurityGroupId %s --IpProtocol %s --PortRange %s %s --Policy drop --Priority %v",
	[region, r.sg, lower(r.proto), r.port_text, revoke_dest(r), r.prio],
) if not lib.set(r.rule_id)

revoke_dest(r) := sprintf("--DestCidrIp %s", [r.dst4]) if lib.set(r.dst4)

revoke_dest(r) := sprintf("--Ipv6DestCidrIp %s", [r.dst6]) if {
	not lib.set(r.dst4)
	lib.set(r.dst6)
}

console_sg(sg) := sprintf("ECS console > Network & Security > Security Groups > %s > Rules > Outbound", [sg])

# ---- findings: could not check --------------------------------------------------------

findings contains lib.undecided({
	"check": sprintf("the ENI security groups of VPC integration instance %s: the snapshot has no eniSecurityGroups, so egress to the private backends is unverified.", [dest_id]),
	"remediation": sprintf("Collect the security groups bound to the instance's ENI (destination.NetworkInterfaceAttributes) with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId <sg-id> --Direction egress` and `aliyun ecs DescribeSecurityGroups --RegionId %s --SecurityGroupIds '[\"<sg-id>\"]'` (for SecurityGroupType), add them to eniSecurityGroups and run the check again.", [region, region]),
	"resource": lib.destination_resource,
	"path": ["destination", "DedicatedInstanceType"],
	"key": "no-security-groups",
}) if {
	vpc_connect
	not sgs_known
	sgs_needed
}

# Security groups matter unless the backends are known to have no private IP.
sgs_needed if not backends_known

sgs_needed if count(private_ips) > 0

findings contains lib.undecided({
	"check": sprintf("which backend IPs VPC integration instance %s must reach: the snapshot has no backends.", [dest_id]),
	"remediation": sprintf("Collect the group's backends (`aliyun cloudapi DescribeApis --GroupId %s`, then `aliyun cloudapi DescribeDeployedApi --GroupId %s --ApiId <api-id> --StageName RELEASE`) and run the check again.", [lib.get(input.group, "GroupId"), lib.get(input.group, "GroupId")]),
	"resource": lib.destination_resource,
	"path": ["destination", "DedicatedInstanceType"],
	"key": "no-backends",
}) if {
	vpc_connect
	not backends_known
}

findings contains lib.undecided({
	"check": sprintf("whether VPC integration instance %s connects to private backend IPs %s: destination.ConnectCidrBlocks is missing.", [dest_id, concat(", ", sort(private_ips))]),
	"remediation": sprintf("Read the instance's connected CIDR blocks with `aliyun cloudapi DescribeInstances --InstanceId %s` (ConnectCidrBlocks) or in the API Gateway console > Instances > %s, add them to the snapshot and run the check again.", [dest_id, dest_id]),
	"resource": lib.destination_resource,
	"path": ["destination"],
	"key": "no-connect-cidrs",
}) if {
	vpc_connect
	not connect_known
	count(private_ips) > 0
}

eni_sg_ids contains id if {
	nia := field(input.destination, "NetworkInterfaceAttributes")
	is_object(nia)
	some eni in lib_array(object.get(nia, "NetworkInterfaceAttribute", null))
	is_object(eni)
	id := trim_space(lib.get(eni, "SecurityGroupId"))
	lib.set(id)
}

eni_sg_ids contains id if {
	nia := field(input.destination, "NetworkInterfaceAttributes")
	is_array(nia)
	some eni in nia
	is_object(eni)
	id := trim_space(lib.get(eni, "SecurityGroupId"))
	lib.set(id)
}

lib_array(x) := x if is_array(x)

lib_array(x) := [] if not is_array(x)

known_sg_ids := {trim_space(lib.get(g, "SecurityGroupId")) | some g in sgs; is_object(g)}

findings contains lib.undecided({
	"check": sprintf("ENI security group %s of VPC integration instance %s: it is bound to the ENI but missing from eniSecurityGroups, and its rules may decide egress to the backends.", [id, dest_id]),
	"remediation": sprintf("Collect it with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress` (and its SecurityGroupType from `aliyun ecs DescribeSecurityGroups --RegionId %s --SecurityGroupIds '[\"%s\"]'`), add it to eniSecurityGroups and run the check again.", [region, id, region, id]),
	"resource": {"kind": "securityGroup", "id": id},
	"path": ["destination", "NetworkInterfaceAttributes"],
	"key": sprintf("missing-sg:%s", [id]),
}) if {
	vpc_connect
	sgs_known
	some id in eni_sg_ids
	not id in known_sg_ids
}

# ---- findings: ConnectCidrBlocks ----------------------------------------------------

findings contains {
	"severity": "error",
	"message": sprintf("Backend IP %s (%s) is outside the connected CIDR blocks of VPC integration instance %s (%s), so the gateway cannot reach it after the migration.", [ip, apis_of(ip), dest_id, connect_text]),
	"remediation": sprintf("In the API Gateway console open Instances > %s and add a CIDR block that covers %s to the instance's connected VPC CIDR blocks (ConnectCidrBlocks), or pick a VPC integration instance connected to the backend's VPC; confirm with `aliyun cloudapi DescribeInstances --InstanceId %s`.", [dest_id, ip, dest_id]),
	"resource": lib.destination_resource,
	"path": ["destination", "ConnectCidrBlocks"],
	"key": sprintf("cidr:%s", [ip]),
} if {
	vpc_connect
	connect_known
	some ip in private_ips
	not lib.in_any(connect_cidrs, ip)
}

# ---- findings: security group verdicts ------------------------------------------------

# An undecidable rule could change the outcome.
findings contains lib.undecided({
	"check": sprintf("whether the ENI security groups of %s accept TCP to backend %s (%s): %s, and if it matches, its %s at priority %v overrides %s.", [dest_id, endpoint(ip, port), apis_of_port(ip, port), unknown_reason(r), policy_name(r), r.prio, decision_text(decision(ip, port))]),
	"remediation": sprintf("Check whether %s is covered by that rule (%s): %s; to make the outcome certain add `%s`.", [ip, console_sg(r.sg), check_cmd(r), authorize_cmd(r.sg, ip, port, accept_prio(r))]),
	"resource": {"kind": "securityGroup", "id": r.sg},
	"path": r.path,
	"key": sprintf("sg:%s", [endpoint(ip, port)]),
}) if {
	vpc_connect
	sgs_known
	some [ip, port] in targets
	count(undecidable(ip, port)) > 0
	r := blocker(ip, port)
}

check_cmd(r) := sprintf("read its destination with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress` and correct it in the snapshot, or fix the rule", [region, r.sg]) if {
	r.ports != null
	has_cidr(r)
}

check_cmd(r) := sprintf("list the addresses in security group %s with `aliyun ecs DescribeNetworkInterfaces --RegionId %s --SecurityGroupId %s`", [r.dgroup, region, r.dgroup]) if {
	r.ports != null
	not has_cidr(r)
	lib.set(r.dgroup)
}

check_cmd(r) := sprintf("list the entries of prefix list %s with `aliyun ecs DescribePrefixListAssociations --RegionId %s --PrefixListId %s` and `aliyun ecs DescribePrefixListAttributes --RegionId %s --PrefixListId %s`", [r.dprefix, region, r.dprefix, region, r.dprefix]) if {
	r.ports != null
	not has_cidr(r)
	not lib.set(r.dgroup)
	lib.set(r.dprefix)
}

check_cmd(r) := sprintf("correct its PortRange to the start/end form with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress` to see it", [region, r.sg]) if r.ports == null

# An accept rule placed before a rule at priority p: p-1, or 1 at best.
accept_prio(r) := max([1, r.prio - 1])

# A drop rule decides.
findings contains {
	"severity": "error",
	"message": sprintf("ENI security group %s of VPC integration instance %s drops TCP to backend %s (%s): %s is the first rule that matches.", [d.sg, dest_id, endpoint(ip, port), apis_of_port(ip, port), rule_text(d)]),
	"remediation": drop_fix(d, ip, port),
	"resource": {"kind": "securityGroup", "id": d.sg},
	"path": d.path,
	"key": sprintf("sg:%s", [endpoint(ip, port)]),
} if {
	vpc_connect
	sgs_known
	some [ip, port] in targets
	count(undecidable(ip, port)) == 0
	dec := decision(ip, port)
	dec.by == "rule"
	not dec.accept
	d := dec.rule
}

drop_fix(d, ip, port) := sprintf("In %s add an accept rule ahead of the drop rule: `%s` (priority %v comes before %v); confirm with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress`.", [console_sg(d.sg), authorize_cmd(d.sg, ip, port, d.prio - 1), d.prio - 1, d.prio, region, d.sg]) if d.prio > 1

drop_fix(d, ip, port) := sprintf("The drop rule has priority %v, which no accept rule can precede: in %s narrow or remove it (`%s`), then add `%s`; confirm with `aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId %s --Direction egress`.", [d.prio, console_sg(d.sg), revoke_cmd(d), authorize_cmd(d.sg, ip, port, 1), region, d.sg]) if d.prio <= 1

# No rule matches and an enterprise group denies by default.
findings contains {
	"severity": "error",
	"message": sprintf("ENI security group %s of VPC integration instance %s is an enterprise security group with no outbound rule accepting TCP to backend %s (%s), so the default rule denies it.", [sg, dest_id, endpoint(ip, port), apis_of_port(ip, port)]),
	"remediation": sprintf("In %s add an outbound accept rule: `%s`.", [console_sg(sg), authorize_cmd(sg, ip, port, 1)]),
	"resource": {"kind": "securityGroup", "id": sg},
	"path": ["eniSecurityGroups", dec.gi, "SecurityGroupType"],
	"key": sprintf("sg:%s", [endpoint(ip, port)]),
} if {
	vpc_connect
	sgs_known
	some [ip, port] in targets
	count(undecidable(ip, port)) == 0
	dec := decision(ip, port)
	dec.by == "enterprise"
	sg := sg_id(sgs[dec.gi], dec.gi)
}

# No rule matches and the decision rests on a group whose type is unknown.
findings contains lib.undecided({
	"check": sprintf("whether ENI security group %s of VPC integration instance %s accepts TCP to backend %s (%s): no outbound rule matches and its SecurityGroupType is missing, so egress is allowed only if it is a normal (basic) group.", [sg, dest_id, endpoint(ip, port), apis_of_port(ip, port)]),
	"remediation": sprintf("Read the group type with `aliyun ecs DescribeSecurityGroups --RegionId %s --SecurityGroupIds '[\"%s\"]'` and record it as SecurityGroupType, or make the outcome explicit with `%s`.", [region, sg, authorize_cmd(sg, ip, port, 1)]),
	"resource": {"kind": "securityGroup", "id": sg},
	"path": ["eniSecurityGroups", dec.gi],
	"key": sprintf("sg:%s", [endpoint(ip, port)]),
}) if {
	vpc_connect
	sgs_known
	some [ip, port] in targets
	count(undecidable(ip, port)) == 0
	dec := decision(ip, port)
	dec.by == "assumed"
	sg := sg_id(sgs[dec.gi], dec.gi)
}

# A read of the backends or the security groups failed: a private backend
# or a rule that decides may be missing.
findings contains f if {
	vpc_connect
	f := lib.collection_undecided("MIG009", sprintf("whether VPC integration instance %s reaches every private backend of group %s", [dest_id, lib.label_group]))
}
