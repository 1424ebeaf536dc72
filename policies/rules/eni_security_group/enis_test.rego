package apigw.rules.eni_security_group_test

import data.apigw.rules.eni_security_group as rule

# Per ENI: the groups of one ENI are evaluated together, never with those of
# another ENI; the fixtures are in eni_security_group_test.rego.

zone_h_accepts := sg("sg-h", "normal", [perm(1, "accept", "TCP", "8080/8080", "10.0.0.0/16")])

zone_j_enterprise := sg("sg-j", "enterprise", [])

two_enis(groups, h_sgs, j_sgs) := vc({
	"eniSecurityGroups": groups,
	"networkInterfaces": [eni("eni-h", "cn-hangzhou-h", h_sgs), eni("eni-j", "cn-hangzhou-j", j_sgs)],
})

# An accept in zone h's group does not hide zone j's enterprise default deny.
test_accept_on_one_eni_does_not_hide_deny_on_another if {
	all_findings(two_enis([zone_h_accepts, zone_j_enterprise], ["sg-h"], ["sg-j"])) == {{
		"message": "ENI security group sg-j of VPC integration instance apigateway-hz-vc7788aa99bb (ENI eni-j in zone cn-hangzhou-j) is an enterprise security group with no outbound rule accepting TCP to backend 10.0.1.5:8080 (GetOrder), so the default rule denies it.",
		"remediation": "In ECS console > Network & Security > Security Groups > sg-j > Rules > Outbound add an outbound accept rule: `aliyun ecs AuthorizeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-j --IpProtocol tcp --PortRange 8080/8080 --DestCidrIp 10.0.1.5/32 --Policy accept --Priority 1`.",
		"resource": {"kind": "securityGroup", "id": "sg-j"},
		"path": ["eniSecurityGroups", 1, "SecurityGroupType"],
		"key": "sg:eni-j/10.0.1.5:8080",
	}}
}

# The same groups on one ENI are one rule set: the accept decides.
test_groups_of_one_eni_are_merged if {
	all_findings(two_enis([zone_h_accepts, sg("sg-j", "normal", [])], ["sg-h", "sg-j"], ["sg-h", "sg-j"])) == set()
}

# A drop in one zone is reported for that zone only.
test_drop_names_its_eni_and_zone if {
	drop_j := sg("sg-j", "normal", [perm(1, "drop", "TCP", "8080/8080", "10.0.1.0/24")])
	fs := all_findings(two_enis([zone_h_accepts, drop_j], ["sg-h"], ["sg-j"]))
	{f.key | some f in fs} == {"sg:eni-j/10.0.1.5:8080"}
	[f] := [f | some f in fs]
	startswith(f.message, "ENI security group sg-j of VPC integration instance apigateway-hz-vc7788aa99bb (ENI eni-j in zone cn-hangzhou-j) drops TCP to backend 10.0.1.5:8080 (GetOrder)")
}

# Denied on both ENIs: one error per ENI.
test_denied_on_every_eni if {
	fs := all_findings(two_enis([zone_j_enterprise], ["sg-j"], ["sg-j"]))
	{f.key | some f in fs} == {"sg:eni-h/10.0.1.5:8080", "sg:eni-j/10.0.1.5:8080"}
}

# A snapshot without networkInterfaces: the groups are evaluated together
# (as earlier releases did), and the rule says it could not check per ENI.
test_without_network_interfaces_merged_and_said if {
	attrs := {"NetworkInterfaceAttributes": {"NetworkInterfaceAttribute": [
		{"NetworkInterfaceId": "eni-h", "SecurityGroupId": "sg-h", "ZoneId": "cn-hangzhou-h"},
		{"NetworkInterfaceId": "eni-j", "SecurityGroupId": "sg-j", "ZoneId": "cn-hangzhou-j"},
	]}}
	inp := object.remove(vc({"destination": attrs, "eniSecurityGroups": [zone_h_accepts, zone_j_enterprise]}), ["networkInterfaces"])
	all_findings(inp) == {{
		"severity": "warning",
		"undecided": true,
		"message": "could not check egress to the private backends per ENI of VPC integration instance apigateway-hz-vc7788aa99bb: the snapshot has no networkInterfaces, so the security groups of its ENIs (sg-h, sg-j) were evaluated together as one rule set, while ECS evaluates each network interface's groups on their own.",
		"remediation": "Collect the snapshot again with this release (it reads the ENIs with DescribeNetworkInterfaces), or add the ENIs' NetworkInterfaceSet objects from `aliyun ecs DescribeNetworkInterfaces --RegionId cn-hangzhou --NetworkInterfaceId.1 <eni-id>` as networkInterfaces, and run the check again.",
		"resource": {"kind": "instance", "id": "apigateway-hz-vc7788aa99bb", "name": "orders-dedicated"},
		"path": ["destination", "NetworkInterfaceAttributes"],
		"key": "no-network-interfaces",
	}}

	# Merged, a drop keeps the key of earlier releases and names no ENI.
	drop := object.remove(with_sgs([sg("sg-a", "normal", [perm(1, "drop", "TCP", "8080/8080", "10.0.1.0/24")])]), ["networkInterfaces"])
	{f.key | some f in all_findings(drop)} == {"no-network-interfaces", "sg:10.0.1.5:8080"}
}

# An ENI of the instance attributes that networkInterfaces lacks: its one
# SecurityGroupId is used, and the rule says the rest is unknown.
test_unread_eni_uses_its_attribute_group if {
	inp := vc({
		"destination": {"NetworkInterfaceAttributes": {"NetworkInterfaceAttribute": [
			{"NetworkInterfaceId": "eni-h", "SecurityGroupId": "sg-h", "ZoneId": "cn-hangzhou-h"},
			{"NetworkInterfaceId": "eni-j", "SecurityGroupId": "sg-j", "ZoneId": "cn-hangzhou-j"},
		]}},
		"eniSecurityGroups": [zone_h_accepts, zone_j_enterprise],
		"networkInterfaces": [eni("eni-h", "cn-hangzhou-h", ["sg-h"])],
	})
	fs := all_findings(inp)
	{[f.key, object.get(f, "severity", "error")] | some f in fs} == {["eni-unread:eni-j", "warning"], ["sg:eni-j/10.0.1.5:8080", "error"]}
	some f in fs
	f.key == "eni-unread:eni-j"
	f.message == "could not check which security groups ENI eni-j of VPC integration instance apigateway-hz-vc7788aa99bb carries: networkInterfaces lacks it, so only the SecurityGroupId of NetworkInterfaceAttributes (sg-j) is known."
}

test_eni_without_groups_is_undecided if {
	inp := vc({"networkInterfaces": [eni("eni-h", "cn-hangzhou-h", [])]})
	{f.key | some f in all_findings(inp)} == {"eni-no-sgs:eni-h"}
}

# A rule over a port list cannot be decided: its ports are not read.
test_port_list_rule_is_undecided if {
	plist := object.union(object.remove(perm(1, "drop", "TCP", "", "10.0.0.0/8"), ["PortRange"]), {"PortRangeListId": "prl-1", "SecurityGroupRuleId": "sgr-pl"})
	[f] := sg_findings([sg("sg-a", "normal", [plist])])
	f.severity == "warning"
	f.message == "could not check whether the ENI security groups of apigateway-hz-vc7788aa99bb (ENI eni-a in zone cn-hangzhou-h) accept TCP to backend 10.0.1.5:8080 (GetOrder): egress rule sgr-pl of sg-a uses port list prl-1 (PortRangeListId), whose ports are not in the snapshot, and if it matches, its drop at priority 1 overrides the basic security group default (accept)."
	contains(f.remediation, "`aliyun ecs DescribePortRangeListEntries --RegionId cn-hangzhou --PortRangeListId prl-1`")

	# Even with a PortRange that would cover the port.
	outcome([sg("sg-a", "normal", [object.union(plist, {"PortRange": "-1/-1"})])]) == "unknown"

	# An accept over a port list agreeing with the default decides nothing.
	outcome([sg("sg-a", "normal", [object.union(plist, {"Policy": "accept"})])]) == "accept"
}

# Backends of other stages are named with their stage.
test_stage_named if {
	b := object.union(order_backend, {"stage": "TEST"})
	inp := vc({"backends": [b], "eniSecurityGroups": [sg("sg-a", "enterprise", [])]})
	[f] := [f | some f in all_findings(inp)]
	contains(f.message, "backend 10.0.1.5:8080 (GetOrder on stage TEST)")

	inp2 := vc({"backends": [b, object.union(order_backend, {"stage": "RELEASE"})], "destination": {"ConnectCidrBlocks": "[\"172.16.0.0/12\"]"}})
	[g] := [g | some g in all_findings(inp2)]
	contains(g.message, "Backend IP 10.0.1.5 (GetOrder, GetOrder on stage TEST)")
}

test_findings_only_from_rule if {
	count(rule.findings) == 0 with input as vc({})
}
