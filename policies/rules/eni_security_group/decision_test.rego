package apigw.rules.eni_security_group_test

import data.apigw.rules.eni_security_group as rule

# The ECS evaluation order and the messages each decision gives; the fixtures
# (sg, perm, with_sgs, outcome, all_findings) are in eni_security_group_test.rego.

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
		"message": "ENI security group sg-a of VPC integration instance apigateway-hz-vc7788aa99bb (ENI eni-a in zone cn-hangzhou-h) drops TCP to backend 10.0.1.5:8080 (GetOrder): egress rule sgr-9 of sg-a (ALL -1/-1 to 10.0.0.0/8, priority 20, drop) is the first rule that matches.",
		"remediation": "In ECS console > Network & Security > Security Groups > sg-a > Rules > Outbound add an accept rule ahead of the drop rule: `aliyun ecs AuthorizeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-a --IpProtocol tcp --PortRange 8080/8080 --DestCidrIp 10.0.1.5/32 --Policy accept --Priority 19` (priority 19 comes before 20); confirm with `aliyun ecs DescribeSecurityGroupAttribute --RegionId cn-hangzhou --SecurityGroupId sg-a --Direction egress`.",
		"resource": {"id": "sg-a", "kind": "securityGroup"},
		"path": ["eniSecurityGroups", 0, "Permissions", "Permission", 1],
		"key": "sg:eni-a/10.0.1.5:8080",
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
	f.message == "ENI security group sg-e of VPC integration instance apigateway-hz-vc7788aa99bb (ENI eni-a in zone cn-hangzhou-h) is an enterprise security group with no outbound rule accepting TCP to backend 10.0.1.5:8080 (GetOrder), so the default rule denies it."
	contains(f.remediation, "--SecurityGroupId sg-e --IpProtocol tcp --PortRange 8080/8080 --DestCidrIp 10.0.1.5/32 --Policy accept --Priority 1")
}

test_undecidable_message if {
	groups := [sg("sg-a", "enterprise", [object.union(perm(1, "accept", "TCP", "8080/8080", ""), {"DestPrefixListId": "pl-7", "SecurityGroupRuleId": "sgr-7"})])]
	[f] := sg_findings(groups)
	f.severity == "warning"
	f.path == ["eniSecurityGroups", 0, "Permissions", "Permission", 0]
	f.message == "could not check whether the ENI security groups of apigateway-hz-vc7788aa99bb (ENI eni-a in zone cn-hangzhou-h) accept TCP to backend 10.0.1.5:8080 (GetOrder): egress rule sgr-7 of sg-a targets prefix list pl-7, whose entries are not in the snapshot, and if it matches, its accept at priority 1 overrides the enterprise security group default (drop)."
	contains(f.remediation, "aliyun ecs DescribePrefixListAttributes --RegionId cn-hangzhou --PrefixListId pl-7")
}

test_missing_type_message if {
	[f] := sg_findings([{"SecurityGroupId": "sg-u", "Permissions": {"Permission": []}}])
	f.severity == "warning"
	startswith(f.message, "could not check whether ENI security group sg-u of VPC integration instance apigateway-hz-vc7788aa99bb (ENI eni-a in zone cn-hangzhou-h) accepts TCP to backend 10.0.1.5:8080")
}
