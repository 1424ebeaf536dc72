package apigw.rules.eni_security_group_test

import data.apigw.fixture
import data.apigw.rules.eni_security_group as rule

# ---- fixtures -------------------------------------------------------------------

dest_vc := object.union(fixture.healthy.destination, {
	"InstanceId": "apigateway-hz-vc7788aa99bb",
	"DedicatedInstanceType": "vpc_connect",
	"ConnectCidrBlocks": "[\"10.0.0.0/16\",\"172.16.8.0/24\",\"fd00::/8\"]",
	"NetworkInterfaceAttributes": {"NetworkInterfaceAttribute": [{"SecurityGroupId": "sg-a", "VswitchId": "vsw-1", "CidrBlock": "10.0.200.0/24", "ZoneId": "cn-hangzhou-h"}]},
})

order_backend := {
	"apiName": "GetOrder", "protocol": "HTTP", "address": "http://10.0.1.5:8080",
	"host": "10.0.1.5", "port": 8080, "ips": ["10.0.1.5"],
}

perm(prio, policy, proto, ports, cidr) := {
	"Direction": "egress", "IpProtocol": proto, "PortRange": ports,
	"DestCidrIp": cidr, "Policy": policy, "Priority": prio,
}

accept_all_normal := [sg("sg-a", "normal", [])]

sg(id, typ, perms) := {"SecurityGroupId": id, "SecurityGroupType": typ, "Permissions": {"Permission": perms}}

vc(extra) := object.union(
	object.union(fixture.healthy, {"destination": dest_vc, "backends": [order_backend], "eniSecurityGroups": accept_all_normal}),
	extra,
)

with_sgs(groups) := vc({"eniSecurityGroups": groups})

all_findings(inp) := fs if {
	fs := rule.findings with input as inp
}

sg_findings(groups) := [f | some f in all_findings(with_sgs(groups)); startswith(f.key, "sg:")]

# outcome(groups): "accept" (no finding), "drop" (error), "unknown" (warning).
outcome(groups) := "accept" if count(sg_findings(groups)) == 0

outcome(groups) := "drop" if {
	fs := sg_findings(groups)
	count(fs) == 1
	not fs[0].severity
}

outcome(groups) := "unknown" if {
	fs := sg_findings(groups)
	count(fs) == 1
	fs[0].severity == "warning"
	startswith(fs[0].message, "could not check")
}

# ---- scope and quiet cases --------------------------------------------------------

test_healthy_conventional_destination_quiet if {
	all_findings(fixture.healthy) == set()
}

test_conventional_destination_ignores_missing_sgs if {
	inp := object.remove(vc({"destination": {"DedicatedInstanceType": "normal"}}), ["eniSecurityGroups"])
	all_findings(inp) == set()
}

test_vpc_connect_healthy_quiet if {
	all_findings(vc({})) == set()
}

test_vpc_connect_type_any_case if {
	inp := object.remove(vc({"destination": {"DedicatedInstanceType": "VPC_CONNECT"}}), ["eniSecurityGroups"])
	[f] := [f | some f in all_findings(inp)]
	f.key == "no-security-groups"
}

test_public_and_exempt_backends_ignored if {
	inp := vc({
		"backends": [
			{"apiName": "Pub", "protocol": "HTTP", "host": "47.97.3.3", "port": 80, "ips": ["47.97.3.3"]},
			{"apiName": "Fn", "protocol": "FunctionCompute", "host": "10.9.9.9", "port": 80, "ips": ["10.9.9.9"]},
			{"apiName": "Mock", "protocol": "mock", "host": "10.9.9.9", "port": 80, "ips": ["10.9.9.9"]},
		],
		"eniSecurityGroups": [sg("sg-a", "enterprise", [])],
	})
	all_findings(inp) == set()
}

# ---- could not check --------------------------------------------------------------

test_no_eni_security_groups_warns if {
	inp := object.remove(vc({}), ["eniSecurityGroups"])
	[f] := [f | some f in all_findings(inp)]
	f.severity == "warning"
	f.message == "could not check the ENI security groups of VPC integration instance apigateway-hz-vc7788aa99bb: the snapshot has no eniSecurityGroups, so egress to the private backends is unverified."
	f.path == ["destination", "DedicatedInstanceType"]
}

test_no_private_backends_need_no_sgs if {
	inp := object.remove(vc({"backends": fixture.healthy.backends}), ["eniSecurityGroups"])
	all_findings(inp) == set()
}

test_empty_eni_security_groups_warns if {
	[f] := [f | some f in all_findings(with_sgs([]))]
	f.key == "no-security-groups"
}

test_no_backends_warns if {
	inp := object.remove(vc({}), ["backends"])
	[f] := [f | some f in all_findings(inp)]
	f.severity == "warning"
	startswith(f.message, "could not check which backend IPs VPC integration instance apigateway-hz-vc7788aa99bb must reach")
	contains(f.remediation, "aliyun cloudapi DescribeApis --GroupId 523e8dc7bbe04613b5b1d726c2a7889d")
}

test_missing_connect_cidrs_warns if {
	inp := object.remove(vc({}), ["destination"])
	inp2 := object.union(inp, {"destination": object.remove(dest_vc, ["ConnectCidrBlocks"])})
	[f] := [f | some f in all_findings(inp2)]
	f.key == "no-connect-cidrs"
	f.message == "could not check whether VPC integration instance apigateway-hz-vc7788aa99bb connects to private backend IPs 10.0.1.5: destination.ConnectCidrBlocks is missing."
}

test_eni_group_missing_from_snapshot_warns if {
	inp := vc({"destination": {"NetworkInterfaceAttributes": {"NetworkInterfaceAttribute": [
		{"SecurityGroupId": "sg-a"},
		{"SecurityGroupId": "sg-b"},
	]}}})
	[f] := [f | some f in all_findings(inp)]
	f.severity == "warning"
	f.key == "missing-sg:sg-b"
	f.resource == {"kind": "securityGroup", "id": "sg-b"}
	startswith(f.message, "could not check ENI security group sg-b of VPC integration instance apigateway-hz-vc7788aa99bb")
}

# ---- ConnectCidrBlocks ------------------------------------------------------------

test_ip_outside_connect_cidrs_errors if {
	inp := vc({"destination": {"ConnectCidrBlocks": "[\"172.16.0.0/12\"]"}})
	[f] := [f | some f in all_findings(inp)]
	not f.severity
	f.key == "cidr:10.0.1.5"
	f.path == ["destination", "ConnectCidrBlocks"]
	f.message == "Backend IP 10.0.1.5 (GetOrder) is outside the connected CIDR blocks of VPC integration instance apigateway-hz-vc7788aa99bb (172.16.0.0/12), so the gateway cannot reach it after the migration."
	contains(f.remediation, "aliyun cloudapi DescribeInstances --InstanceId apigateway-hz-vc7788aa99bb")
}

test_connect_cidrs_loose_forms if {
	some form in [
		"[\"10.0.0.0/16\"]",
		["10.0.0.0/16"],
		"172.16.0.0/12, 10.0.0.0/16",
		"10.0.1.5",
	]
	all_findings(vc({"destination": {"ConnectCidrBlocks": form}})) == set()
}

test_connect_cidrs_empty_list_errors if {
	[f] := [f | some f in all_findings(vc({"destination": {"ConnectCidrBlocks": "[]"}}))]
	f.key == "cidr:10.0.1.5"
	contains(f.message, "(none)")
}

# ---- backend forms ----------------------------------------------------------------

test_backend_host_and_address_port_fallback if {
	b := {"apiName": "GetOrder", "protocol": "HTTP", "address": "http://10.0.1.5:9090", "host": "10.0.1.5"}
	groups := [sg("sg-a", "normal", [perm(1, "drop", "TCP", "9090/9090", "10.0.1.5/32")])]
	[f] := [f | some f in all_findings(vc({"backends": [b], "eniSecurityGroups": groups}))]
	f.key == "sg:10.0.1.5:9090"
}

test_backend_port_as_string if {
	b := object.union(order_backend, {"port": "8080"})
	groups := [sg("sg-a", "normal", [perm(1, "drop", "TCP", "8080/8080", "10.0.1.5/32")])]
	[f] := [f | some f in all_findings(vc({"backends": [b], "eniSecurityGroups": groups}))]
	f.key == "sg:10.0.1.5:8080"
}

test_shared_endpoint_aggregated if {
	b2 := object.union(order_backend, {"apiName": "CancelOrder"})
	groups := [sg("sg-a", "normal", [perm(1, "drop", "TCP", "8080/8080", "10.0.1.5/32")])]
	[f] := [f | some f in all_findings(vc({"backends": [order_backend, b2], "eniSecurityGroups": groups}))]
	contains(f.message, "10.0.1.5:8080 (CancelOrder, GetOrder)")
	f.path == ["eniSecurityGroups", 0, "Permissions", "Permission", 0]
}

# ---- the ECS evaluation table -----------------------------------------------------

ecs_cases := [
	{"name": "specific accept", "want": "accept", "groups": [sg("sg-a", "enterprise", [perm(1, "accept", "TCP", "8080/8080", "10.0.1.5/32")])]},
	{"name": "drop beats accept at equal priority", "want": "drop", "groups": [sg("sg-a", "normal", [
		perm(1, "accept", "TCP", "8080/8080", "10.0.1.5/32"),
		perm(1, "drop", "TCP", "8080/8080", "10.0.0.0/8"),
	])]},
	{"name": "lower priority number first", "want": "accept", "groups": [sg("sg-a", "normal", [
		perm(2, "drop", "TCP", "8080/8080", "10.0.0.0/8"),
		perm(1, "accept", "TCP", "8080/8080", "10.0.1.5/32"),
	])]},
	{"name": "priority as string vs number", "want": "accept", "groups": [sg("sg-a", "normal", [
		perm("5", "drop", "TCP", "8080/8080", "10.0.0.0/8"),
		perm(3, "accept", "TCP", "8080/8080", "10.0.1.0/24"),
	])]},
	{"name": "string priority compared numerically", "want": "drop", "groups": [sg("sg-a", "normal", [
		perm("10", "accept", "TCP", "8080/8080", "10.0.1.0/24"),
		perm("9", "drop", "TCP", "8080/8080", "10.0.0.0/8"),
	])]},
	{"name": "missing priority is 1", "want": "accept", "groups": [sg("sg-a", "normal", [
		object.remove(perm(1, "accept", "TCP", "8080/8080", "10.0.1.5/32"), ["Priority"]),
		perm(2, "drop", "TCP", "8080/8080", "10.0.0.0/8"),
	])]},
	{"name": "policy any case", "want": "drop", "groups": [sg("sg-a", "normal", [
		perm(1, "DROP", "TCP", "8080/8080", "10.0.0.0/8"),
		perm(2, "Accept", "TCP", "8080/8080", "10.0.1.5/32"),
	])]},
	{"name": "no match on normal group accepts", "want": "accept", "groups": [sg("sg-a", "normal", [perm(1, "drop", "TCP", "8080/8080", "192.168.0.0/16")])]},
	{"name": "no match on enterprise group drops", "want": "drop", "groups": [sg("sg-a", "enterprise", [perm(1, "accept", "TCP", "8080/8080", "192.168.0.0/16")])]},
	{"name": "no match with missing type is unknown", "want": "unknown", "groups": [object.remove(sg("sg-a", "", []), ["SecurityGroupType"])]},
	{"name": "ingress rules ignored", "want": "accept", "groups": [sg("sg-a", "normal", [object.union(perm(1, "drop", "TCP", "8080/8080", "10.0.0.0/8"), {"Direction": "ingress"})])]},
	{"name": "direction any case", "want": "drop", "groups": [sg("sg-a", "normal", [object.union(perm(1, "drop", "TCP", "8080/8080", "10.0.0.0/8"), {"Direction": "Egress"})])]},
	{"name": "udp and icmp ignored", "want": "accept", "groups": [sg("sg-a", "normal", [
		perm(1, "drop", "UDP", "8080/8080", "10.0.0.0/8"),
		perm(1, "drop", "ICMP", "-1/-1", "0.0.0.0/0"),
	])]},
	{"name": "ALL protocol with -1/-1 matches", "want": "drop", "groups": [sg("sg-a", "normal", [perm(100, "drop", "all", "-1/-1", "0.0.0.0/0")])]},
	{"name": "accept before catch-all drop", "want": "accept", "groups": [sg("sg-a", "enterprise", [
		perm(100, "drop", "ALL", "-1/-1", "0.0.0.0/0"),
		perm(1, "accept", "tcp", "8000/8100", "10.0.1.0/24"),
	])]},
	{"name": "port outside range", "want": "accept", "groups": [sg("sg-a", "normal", [perm(1, "drop", "TCP", "1/8079", "10.0.0.0/8")])]},
	{"name": "port range covers", "want": "drop", "groups": [sg("sg-a", "normal", [perm(1, "drop", "TCP", "8000/8100", "10.0.0.0/8")])]},
	{"name": "single IP without mask", "want": "drop", "groups": [sg("sg-a", "normal", [perm(1, "drop", "TCP", "8080/8080", "10.0.1.5")])]},
	{"name": "prefix list accept before enterprise default", "want": "unknown", "groups": [sg("sg-a", "enterprise", [
		object.union(perm(1, "accept", "TCP", "8080/8080", ""), {"DestPrefixListId": "pl-1"}),
	])]},
	{"name": "prefix list accept agreeing with default is decided", "want": "accept", "groups": [sg("sg-a", "normal", [
		object.union(perm(1, "accept", "TCP", "8080/8080", ""), {"DestPrefixListId": "pl-1"}),
	])]},
	{"name": "group drop before accept", "want": "unknown", "groups": [sg("sg-a", "normal", [
		object.union(perm(1, "drop", "TCP", "8080/8080", ""), {"DestGroupId": "sg-z"}),
		perm(5, "accept", "TCP", "8080/8080", "10.0.1.5/32"),
	])]},
	{"name": "group drop after deciding accept", "want": "accept", "groups": [sg("sg-a", "normal", [
		object.union(perm(10, "drop", "TCP", "8080/8080", ""), {"DestGroupId": "sg-z"}),
		perm(5, "accept", "TCP", "8080/8080", "10.0.1.5/32"),
	])]},
	{"name": "group drop at equal priority beats accept", "want": "unknown", "groups": [sg("sg-a", "normal", [
		object.union(perm(5, "drop", "TCP", "8080/8080", ""), {"DestGroupId": "sg-z"}),
		perm(5, "accept", "TCP", "8080/8080", "10.0.1.5/32"),
	])]},
	{"name": "group accept at equal priority loses to drop", "want": "drop", "groups": [sg("sg-a", "normal", [
		object.union(perm(5, "accept", "TCP", "8080/8080", ""), {"DestGroupId": "sg-z"}),
		perm(5, "drop", "TCP", "8080/8080", "10.0.1.5/32"),
	])]},
	{"name": "unknown rule on another port ignored", "want": "accept", "groups": [sg("sg-a", "normal", [
		object.union(perm(1, "drop", "TCP", "22/22", ""), {"DestGroupId": "sg-z"}),
	])]},
	{"name": "unreadable port range before decision", "want": "unknown", "groups": [sg("sg-a", "normal", [perm(1, "drop", "TCP", "eighty", "10.0.0.0/8")])]},
	{"name": "groups evaluated together: drop in second group", "want": "drop", "groups": [
		sg("sg-a", "normal", [perm(50, "accept", "TCP", "8080/8080", "10.0.1.5/32")]),
		sg("sg-b", "normal", [perm(10, "drop", "TCP", "8080/8080", "10.0.0.0/8")]),
	]},
	{"name": "groups evaluated together: accept in second group", "want": "accept", "groups": [
		sg("sg-a", "enterprise", []),
		sg("sg-b", "enterprise", [perm(10, "accept", "TCP", "8080/8080", "10.0.0.0/8")]),
	]},
	{"name": "any enterprise group makes the default deny", "want": "drop", "groups": [
		sg("sg-a", "normal", []),
		sg("sg-b", "Enterprise", []),
	]},
	{"name": "IPv4 rule does not match an IPv6 destination field", "want": "accept", "groups": [sg("sg-a", "normal", [object.union(perm(1, "drop", "TCP", "8080/8080", ""), {"Ipv6DestCidrIp": "::/0"})])]},
]

test_ecs_evaluation_table if {
	results := {c.name: outcome(c.groups) | some c in ecs_cases}
	wrong := {name: [c.want, got] | some c in ecs_cases; name := c.name; got := results[name]; got != c.want}
	missing := {c.name | some c in ecs_cases; not results[c.name]}
	print("wrong:", wrong, "missing:", missing)
	count(wrong) == 0
	count(missing) == 0
	count(results) == count(ecs_cases)
}

# ---- messages, paths, remediations ---------------------------------------------------

# The accept rule covers another port; the drop rule at priority 20 decides.
drop_decides := with_sgs([sg("sg-a", "normal", [
	perm(1, "accept", "TCP", "443/443", "10.0.1.5/32"),
	object.union(perm("20", "Drop", "ALL", "-1/-1", "10.0.0.0/8"), {"SecurityGroupRuleId": "sgr-9"}),
])])

test_drop_message_and_fix if {
	rule.findings == {{
		"message": "ENI security group sg-a of VPC integration instance apigateway-hz-vc7788aa99bb drops TCP to backend 10.0.1.5:8080 (GetOrder): egress rule sgr-9 of sg-a (ALL -1/-1 to 10.0.0.0/8, priority 20, drop) is the first rule that matches.",
		"remediation": "In ECS console > Network & Security > Security Groups > sg-a > Rules > Outbound add an accept rule ahead of the drop rule: `aliyun ecs AuthorizeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-a --IpProtocol tcp --PortRange 8080/8080 --DestCidrIp 10.0.1.5/32 --Policy accept --Priority 19` (priority 19 comes before 20); confirm with `aliyun ecs DescribeSecurityGroupAttribute --RegionId cn-hangzhou --SecurityGroupId sg-a --Direction egress`.",
		"resource": {"id": "sg-a", "kind": "securityGroup"},
		"path": ["eniSecurityGroups", 0, "Permissions", "Permission", 1],
		"key": "sg:10.0.1.5:8080",
	}} with input as drop_decides
}

test_drop_at_priority_one_needs_revoke if {
	groups := [sg("sg-a", "normal", [object.union(perm(1, "drop", "TCP", "8080/8080", "10.0.0.0/8"), {"SecurityGroupRuleId": "sgr-1"})])]
	[f] := sg_findings(groups)
	contains(f.remediation, "`aliyun ecs RevokeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-a --SecurityGroupRuleId.1 sgr-1`")
	contains(f.remediation, "--Policy accept --Priority 1`")
}

test_enterprise_default_message if {
	[f] := sg_findings([sg("sg-e", "enterprise", [])])
	not f.severity
	f.path == ["eniSecurityGroups", 0, "SecurityGroupType"]
	f.message == "ENI security group sg-e of VPC integration instance apigateway-hz-vc7788aa99bb is an enterprise security group with no outbound rule accepting TCP to backend 10.0.1.5:8080 (GetOrder), so the default rule denies it."
	contains(f.remediation, "--SecurityGroupId sg-e --IpProtocol tcp --PortRange 8080/8080 --DestCidrIp 10.0.1.5/32 --Policy accept --Priority 1")
}

test_undecidable_message if {
	groups := [sg("sg-a", "enterprise", [object.union(perm(1, "accept", "TCP", "8080/8080", ""), {"DestPrefixListId": "pl-7", "SecurityGroupRuleId": "sgr-7"})])]
	[f] := sg_findings(groups)
	f.severity == "warning"
	f.path == ["eniSecurityGroups", 0, "Permissions", "Permission", 0]
	f.message == "could not check whether the ENI security groups of apigateway-hz-vc7788aa99bb accept TCP to backend 10.0.1.5:8080 (GetOrder): egress rule sgr-7 of sg-a targets prefix list pl-7, whose entries are not in the snapshot, and if it matches, its accept at priority 1 overrides the enterprise security group default (drop)."
	contains(f.remediation, "aliyun ecs DescribePrefixListAttributes --RegionId cn-hangzhou --PrefixListId pl-7")
}

test_missing_type_message if {
	[f] := sg_findings([{"SecurityGroupId": "sg-u", "Permissions": {"Permission": []}}])
	f.severity == "warning"
	startswith(f.message, "could not check whether ENI security group sg-u of VPC integration instance apigateway-hz-vc7788aa99bb accepts TCP to backend 10.0.1.5:8080")
}

test_ipv6_backend if {
	b := {"apiName": "V6", "protocol": "HTTP", "address": "http://[fd00::5]:8080", "host": "fd00::5", "ips": ["fd00::5"]}
	groups := [sg("sg-a", "enterprise", [object.union(perm(1, "accept", "TCP", "8080/8080", ""), {"Ipv6DestCidrIp": "fd00::/8"})])]
	all_findings(vc({"backends": [b], "eniSecurityGroups": groups})) == set()

	[f] := [f | some f in all_findings(vc({"backends": [b], "eniSecurityGroups": [sg("sg-a", "enterprise", [])]}))]
	f.key == "sg:[fd00::5]:8080"
	contains(f.remediation, "--Ipv6DestCidrIp fd00::5/128")
}

test_permissions_as_bare_array if {
	groups := [{"SecurityGroupId": "sg-a", "SecurityGroupType": "normal", "Permissions": [perm(1, "drop", "TCP", "8080/8080", "10.0.0.0/8")]}]
	[f] := sg_findings(groups)
	f.path == ["eniSecurityGroups", 0, "Permissions", 0]
}

# ---- unusable values and failed reads ---------------------------------------------------

# A drop rule whose destination does not parse may cover the backend: the
# basic group's default accept cannot be trusted, so the rule is undecided.
test_unparsable_drop_cidr_is_undecided if {
	inp := with_sgs([sg("sg-a", "normal", [object.union(perm(1, "drop", "tcp", "-1/-1", "10.0.1.0/33"), {"SecurityGroupRuleId": "sgr-bad"})])])
	all_findings(inp) == {{
		"severity": "warning",
		"undecided": true,
		"message": "could not check whether the ENI security groups of apigateway-hz-vc7788aa99bb accept TCP to backend 10.0.1.5:8080 (GetOrder): egress rule sgr-bad of sg-a has an unparsable DestCidrIp \"10.0.1.0/33\", and if it matches, its drop at priority 1 overrides the basic security group default (accept).",
		"remediation": "Check whether 10.0.1.5 is covered by that rule (ECS console > Network & Security > Security Groups > sg-a > Rules > Outbound): read its destination with `aliyun ecs DescribeSecurityGroupAttribute --RegionId cn-hangzhou --SecurityGroupId sg-a --Direction egress` and correct it in the snapshot, or fix the rule; to make the outcome certain add `aliyun ecs AuthorizeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-a --IpProtocol tcp --PortRange 8080/8080 --DestCidrIp 10.0.1.5/32 --Policy accept --Priority 1`.",
		"resource": {"kind": "securityGroup", "id": "sg-a"},
		"path": ["eniSecurityGroups", 0, "Permissions", "Permission", 0],
		"key": "sg:10.0.1.5:8080",
	}}
}

# An accept rule before it still decides; an unparsable accept rule before
# an enterprise default deny is undecided too.
test_unparsable_cidr_outcomes if {
	outcome([sg("sg-a", "normal", [perm(1, "accept", "tcp", "8080/8080", "10.0.1.5/32"), perm(2, "drop", "tcp", "-1/-1", "not-a-cidr")])]) == "accept"
	outcome([sg("sg-a", "enterprise", [perm(1, "accept", "tcp", "-1/-1", "10.0.1.0/24/8")])]) == "unknown"
	outcome([sg("sg-a", "normal", [perm(1, "drop", "tcp", "-1/-1", "not-a-cidr")])]) == "unknown"

	# The other family's destination does not matter to an IPv4 backend.
	outcome([sg("sg-a", "normal", [object.union(perm(1, "drop", "tcp", "-1/-1", ""), {"Ipv6DestCidrIp": "fd00::/999"})])]) == "accept"
}

# An IPv4-mapped IPv6 backend address is the IPv4 address it carries: it is
# matched against DestCidrIp and shown as IPv4.
test_ipv4_mapped_backend_is_ipv4 if {
	mapped := object.union(order_backend, {"host": "::ffff:10.0.1.5", "ips": ["::ffff:10.0.1.5"], "address": "http://[::ffff:10.0.1.5]:8080"})
	inp := vc({"backends": [mapped], "eniSecurityGroups": [sg("sg-a", "normal", [perm(1, "drop", "tcp", "8080/8080", "10.0.1.0/24")])]})
	{[f.key, object.get(f, "severity", "default")] | some f in all_findings(inp)} == {["sg:10.0.1.5:8080", "default"]}
	quiet := vc({"backends": [mapped], "eniSecurityGroups": [sg("sg-a", "enterprise", [perm(1, "accept", "tcp", "8080/8080", "10.0.1.0/24")])]})
	all_findings(quiet) == set()
}

test_failed_backend_read_is_undecided if {
	inp := vc({"collectionErrors": [{"call": "DescribeDeployedApi", "code": "Throttling", "message": "Request was denied due to request throttling."}]})
	all_findings(inp) == {{
		"severity": "warning",
		"undecided": true,
		"message": "could not check whether VPC integration instance apigateway-hz-vc7788aa99bb reaches every private backend of group orders (523e8dc7bbe04613b5b1d726c2a7889d): DescribeDeployedApi failed during collection, so the snapshot lacks data this rule needs (MIG015 gives the error)",
		"remediation": "Fix the failed read (MIG015 says how), collect the snapshot again and re-run the check; until then treat MIG009 as not passed.",
		"resource": {"kind": "group", "id": "523e8dc7bbe04613b5b1d726c2a7889d", "name": "orders"},
		"path": ["collectionErrors", 0],
		"key": "collection-errors",
	}}
}

test_failed_reads_outside_scope_quiet if {
	# Not a VPC integration instance: the rule does not apply.
	all_findings(object.union(fixture.healthy, {"collectionErrors": [{"call": "DescribeSecurityGroups", "code": "Forbidden.RAM"}]})) == set()

	# A read MIG009 does not use.
	all_findings(vc({"collectionErrors": [{"call": "DescribeGroupQps", "code": "Forbidden.RAM"}]})) == set()
}
