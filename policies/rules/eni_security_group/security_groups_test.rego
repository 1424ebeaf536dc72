package apigw.rules.eni_security_group_test

# Reading security group rules: loose forms and unparsable destinations; the
# fixtures are in eni_security_group_test.rego.

test_permissions_as_bare_array if {
	groups := [{"SecurityGroupId": "sg-a", "SecurityGroupType": "normal", "Permissions": [perm(1, "drop", "TCP", "8080/8080", "10.0.0.0/8")]}]
	[f] := sg_findings(groups)
	f.path == ["eniSecurityGroups", 0, "Permissions", 0]
}

# A drop rule whose destination does not parse may cover the backend: the
# basic group's default accept cannot be trusted, so the rule is undecided.
test_unparsable_drop_cidr_is_undecided if {
	inp := with_sgs([sg("sg-a", "normal", [object.union(perm(1, "drop", "tcp", "-1/-1", "10.0.1.0/33"), {"SecurityGroupRuleId": "sgr-bad"})])])
	all_findings(inp) == {{
		"severity": "warning",
		"undecided": true,
		"message": "could not check whether the ENI security groups of apigateway-hz-vc7788aa99bb (ENI eni-a in zone cn-hangzhou-h) accept TCP to backend 10.0.1.5:8080 (GetOrder): egress rule sgr-bad of sg-a has an unparsable DestCidrIp \"10.0.1.0/33\", and if it matches, its drop at priority 1 overrides the basic security group default (accept).",
		"remediation": "Check whether 10.0.1.5 is covered by that rule (ECS console > Network & Security > Security Groups > sg-a > Rules > Outbound): read its destination with `aliyun ecs DescribeSecurityGroupAttribute --RegionId cn-hangzhou --SecurityGroupId sg-a --Direction egress` and correct it in the snapshot, or fix the rule; to make the outcome certain add `aliyun ecs AuthorizeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-a --IpProtocol tcp --PortRange 8080/8080 --DestCidrIp 10.0.1.5/32 --Policy accept --Priority 1`.",
		"resource": {"kind": "securityGroup", "id": "sg-a"},
		"path": ["eniSecurityGroups", 0, "Permissions", "Permission", 0],
		"key": "sg:eni-a/10.0.1.5:8080",
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
