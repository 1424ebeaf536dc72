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

# vc(extra): a VPC integration destination whose one ENI (eni-a, zone h)
# carries every group of eniSecurityGroups, unless extra gives
# networkInterfaces.
vc(extra) := object.union(base, {"networkInterfaces": nis}) if {
	base := object.union(
		object.union(fixture.healthy, {"destination": dest_vc, "backends": [order_backend], "eniSecurityGroups": accept_all_normal}),
		extra,
	)
	nis := object.get(extra, "networkInterfaces", [eni("eni-a", "cn-hangzhou-h", [g.SecurityGroupId |
		some g in object.get(base, "eniSecurityGroups", [])
		g.SecurityGroupId
	])])
}

eni(id, zone, sg_ids) := {"NetworkInterfaceId": id, "ZoneId": zone, "SecurityGroupIds": {"SecurityGroupId": sg_ids}}

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
	[f] := [f | some f in all_findings(vc({"eniSecurityGroups": [], "networkInterfaces": [eni("eni-a", "cn-hangzhou-h", ["sg-a"])]}))]
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
	inp := vc({"networkInterfaces": [eni("eni-a", "cn-hangzhou-h", ["sg-a", "sg-b"])]})
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
	f.key == "sg:eni-a/10.0.1.5:9090"
}

test_backend_port_as_string if {
	b := object.union(order_backend, {"port": "8080"})
	groups := [sg("sg-a", "normal", [perm(1, "drop", "TCP", "8080/8080", "10.0.1.5/32")])]
	[f] := [f | some f in all_findings(vc({"backends": [b], "eniSecurityGroups": groups}))]
	f.key == "sg:eni-a/10.0.1.5:8080"
}

test_shared_endpoint_aggregated if {
	b2 := object.union(order_backend, {"apiName": "CancelOrder"})
	groups := [sg("sg-a", "normal", [perm(1, "drop", "TCP", "8080/8080", "10.0.1.5/32")])]
	[f] := [f | some f in all_findings(vc({"backends": [order_backend, b2], "eniSecurityGroups": groups}))]
	contains(f.message, "10.0.1.5:8080 (CancelOrder, GetOrder)")
	f.path == ["eniSecurityGroups", 0, "Permissions", "Permission", 0]
}

test_ipv6_backend if {
	b := {"apiName": "V6", "protocol": "HTTP", "address": "http://[fd00::5]:8080", "host": "fd00::5", "ips": ["fd00::5"]}
	groups := [sg("sg-a", "enterprise", [object.union(perm(1, "accept", "TCP", "8080/8080", ""), {"Ipv6DestCidrIp": "fd00::/8"})])]
	all_findings(vc({"backends": [b], "eniSecurityGroups": groups})) == set()

	[f] := [f | some f in all_findings(vc({"backends": [b], "eniSecurityGroups": [sg("sg-a", "enterprise", [])]}))]
	f.key == "sg:eni-a/[fd00::5]:8080"
	contains(f.remediation, "--Ipv6DestCidrIp fd00::5/128")
}

# ---- unusable values and failed reads ---------------------------------------------------

# An IPv4-mapped IPv6 backend address is the IPv4 address it carries: it is
# matched against DestCidrIp and shown as IPv4.
test_ipv4_mapped_backend_is_ipv4 if {
	mapped := object.union(order_backend, {"host": "::ffff:10.0.1.5", "ips": ["::ffff:10.0.1.5"], "address": "http://[::ffff:10.0.1.5]:8080"})
	inp := vc({"backends": [mapped], "eniSecurityGroups": [sg("sg-a", "normal", [perm(1, "drop", "tcp", "8080/8080", "10.0.1.0/24")])]})
	{[f.key, object.get(f, "severity", "default")] | some f in all_findings(inp)} == {["sg:eni-a/10.0.1.5:8080", "default"]}
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
