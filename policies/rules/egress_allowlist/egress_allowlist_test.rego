package apigw.rules.egress_allowlist_test

import data.apigw.fixture
import data.apigw.rules.egress_allowlist

get_order := fixture.healthy.backends[0]

# The healthy snapshot with its first backend patched.
with_backend(patch) := object.union(fixture.healthy, {"backends": [object.union(get_order, patch), fixture.healthy.backends[1]]})

with_backends(bs) := object.union(fixture.healthy, {"backends": bs})

test_healthy_is_quiet if {
	egress_allowlist.findings == set() with input as fixture.healthy
}

test_missing_internet_egress_is_error if {
	egress_allowlist.findings == {{
		"message": "backend 47.97.3.3 (API GetOrder) does not allow 47.96.7.7, the Internet egress address of destination apigateway-hz-ab12cd34ef56, so calls from group orders (523e8dc7bbe04613b5b1d726c2a7889d) will be refused after the migration",
		"remediation": "Before migrating, add 47.96.7.7 to the allowlist of backend 47.97.3.3 (API GetOrder): its security group, firewall, WAF or application allowlist, and its allowlist in the preflight configuration; for an ECS security group run `aliyun ecs AuthorizeSecurityGroup --RegionId cn-hangzhou --SecurityGroupId <sg-id> --IpProtocol tcp --PortRange 80/80 --SourceCidrIp 47.96.7.7`. The destination's addresses are shown in the console under Instances and Clusters > Dedicated Instances > apigateway-hz-ab12cd34ef56.",
		"resource": {"id": "47.97.3.3", "kind": "backend", "name": "GetOrder"},
		"path": ["backends", 0, "allowlist"],
		"key": "47.97.3.3/3b81fd160f5645e097cc8855d75a1cf6",
	}} with input as with_backend({"allowlist": ["47.96.1.1/32"]})
}

test_comma_list_egress_lists_only_missing if {
	snap := object.union(fixture.healthy, {"destination": {"InternetEgressAddress": "47.96.7.7, 120.55.1.1,121.40.2.2"}})
	fs := egress_allowlist.findings with input as snap
	count(fs) == 1
	some f in fs
	contains(f.message, "does not allow 120.55.1.1, 121.40.2.2, the Internet egress addresses of destination")
}

test_empty_allowlist_allows_nothing if {
	fs := egress_allowlist.findings with input as with_backend({"allowlist": []})
	count(fs) == 1
	some f in fs
	not f.severity
	contains(f.message, "does not allow 47.96.7.7")
}

test_allowlist_as_comma_string_and_junk_entries if {
	egress_allowlist.findings == set() with input as with_backend({"allowlist": "10.0.0.0/8, 47.96.7.7"})
	fs := egress_allowlist.findings with input as with_backend({"allowlist": ["not-an-ip", "47.96.7.0/33", "10.0.0.0/8"]})
	count(fs) == 1
}

test_unknown_allowlist_warns_with_new_address if {
	fs := egress_allowlist.findings with input as with_backend({"allowlist": null})
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.message == "backend 47.97.3.3 (API GetOrder) has no known allowlist and will be called from 47.96.7.7, the new Internet egress address of destination apigateway-hz-ab12cd34ef56, instead of 47.96.1.1; the backend must admit them if it filters callers"
	contains(f.remediation, "--SourceCidrIp 47.96.7.7")
}

test_unknown_allowlist_same_egress_is_quiet if {
	snap := object.union(with_backend({"allowlist": null}), {"source": {"InternetEgressAddress": "47.96.7.7"}})
	egress_allowlist.findings == set() with input as snap
}

test_exempt_protocols_are_quiet if {
	bs := [{"protocol": p, "host": "h", "ips": ["47.1.1.1"], "allowlist": []} |
		some p in ["FunctionCompute", "OSS", "EventBridge", "Mock"]
	]
	egress_allowlist.findings == set() with input as with_backends(bs)
}

test_vpc_backend_on_normal_instance_uses_vpc_egress if {
	vpc := {
		"apiId": "a2", "apiName": "ListOrders", "protocol": "VPC", "host": "10.0.1.5", "port": 8080,
		"ips": ["10.0.1.5"], "vpcAccess": {"VpcId": "vpc-1", "InstanceId": "i-1", "Port": 8080},
	}
	egress_allowlist.findings == set() with input as with_backends([object.union(vpc, {"allowlist": ["100.104.0.0/16"]})])
	fs := egress_allowlist.findings with input as with_backends([object.union(vpc, {"allowlist": ["10.0.0.0/8"]})])
	count(fs) == 1
	some f in fs
	f.message == "backend 10.0.1.5 (API ListOrders) does not allow 100.104.254.0/26, the VPC egress address of destination apigateway-hz-ab12cd34ef56, so calls from group orders (523e8dc7bbe04613b5b1d726c2a7889d) will be refused after the migration"
	contains(f.remediation, "--PortRange 8080/8080 --SourceCidrIp 100.104.254.0/26")
}

# NewVpcEgressAddress is a further VPC egress CIDR block: it must be
# allowed too.
test_new_vpc_egress_address_must_be_allowed if {
	vpc := {
		"apiId": "a2", "apiName": "ListOrders", "protocol": "VPC", "host": "10.0.1.5", "port": 8080,
		"ips": ["10.0.1.5"], "vpcAccess": {"VpcId": "vpc-1", "InstanceId": "i-1", "Port": 8080},
		"allowlist": ["100.104.254.0/26"],
	}
	snap := object.union(with_backends([vpc]), {"destination": {"NewVpcEgressAddress": "100.104.253.0/26"}})
	[f] := [f | some f in egress_allowlist.findings with input as snap]
	contains(f.message, "does not allow 100.104.253.0/26")
	quiet := object.union(snap, {"backends": [object.union(vpc, {"allowlist": ["100.104.0.0/16"]})]})
	egress_allowlist.findings == set() with input as quiet
}

# A backend of another stage is named with its stage.
test_other_stage_named if {
	b := {"apiId": "a9", "apiName": "PaymentStatus", "stage": "TEST", "protocol": "HTTP", "host": "47.97.21.9", "port": 8080, "ips": ["47.97.21.9"], "allowlist": ["47.97.0.0/16"]}
	[f] := [f | some f in egress_allowlist.findings with input as with_backends([b])]
	startswith(f.message, "backend 47.97.21.9 (API PaymentStatus on stage TEST) does not allow")
	endswith(f.key, "/a9@TEST")
}

test_http_backend_with_vpc_access_object_is_vpc if {
	b := {"apiId": "a3", "protocol": "HTTP", "host": "10.0.1.6", "vpcAccess": {"VpcId": "vpc-1"}, "allowlist": ["47.96.0.0/16"]}
	fs := egress_allowlist.findings with input as with_backends([b])
	some f in fs
	contains(f.message, "VPC egress address")
	contains(f.remediation, "--PortRange 1/65535")
}

vpc_connect_dest := {"destination": {
	"DedicatedInstanceType": "vpc_connect",
	"NetworkInterfaceAttributes": {"NetworkInterfaceAttribute": [
		{"CidrBlock": "192.168.1.0/24", "VswitchId": "vsw-1", "SecurityGroupId": "sg-1", "ZoneId": "cn-hangzhou-h"},
		{"CidrBlock": "192.168.2.0/24", "VswitchId": "vsw-2", "SecurityGroupId": "sg-1", "ZoneId": "cn-hangzhou-i"},
	]},
}}

test_vpc_connect_private_backend_needs_eni_cidrs if {
	b := {"apiId": "a4", "apiName": "Inner", "protocol": "HTTP", "host": "192.168.9.9", "port": 80, "ips": ["192.168.9.9"], "allowlist": ["192.168.1.0/24"]}
	fs := egress_allowlist.findings with input as object.union(with_backends([b]), vpc_connect_dest)
	count(fs) == 1
	some f in fs
	f.message == "backend 192.168.9.9 (API Inner) does not allow 192.168.2.0/24, the ENI vSwitch CIDR of destination apigateway-hz-ab12cd34ef56, so calls from group orders (523e8dc7bbe04613b5b1d726c2a7889d) will be refused after the migration"
	egress_allowlist.findings == set() with input as object.union(with_backends([object.union(b, {"allowlist": ["192.168.0.0/16"]})]), vpc_connect_dest)
}

test_vpc_connect_public_backend_uses_internet_egress if {
	egress_allowlist.findings == set() with input as object.union(fixture.healthy, vpc_connect_dest)
}

test_backends_not_collected_could_not_check if {
	fs := egress_allowlist.findings with input as object.remove(fixture.healthy, ["backends"])
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.message == "could not check whether the backends of group orders (523e8dc7bbe04613b5b1d726c2a7889d) allow destination apigateway-hz-ab12cd34ef56's egress addresses: backends were not collected"
}

test_unresolved_backend_could_not_check if {
	fs := egress_allowlist.findings with input as with_backend({"address": "http://#host#:80", "host": "#host#", "unresolved": "stage variable #host#", "allowlist": []})
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.path == ["backends", 0, "address"]
	f.message == "could not check backend #host# (API GetOrder): its address http://#host#:80 is unresolved (stage variable #host#), so the allowlist for destination apigateway-hz-ab12cd34ef56's egress cannot be decided"
}

test_destination_without_egress_address_could_not_check if {
	fs := egress_allowlist.findings with input as object.union(fixture.healthy, {"destination": {"InternetEgressAddress": ""}})
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.message == "could not check the allowlists of 47.97.3.3 (API GetOrder): destination apigateway-hz-ab12cd34ef56 reports no InternetEgressAddress"
}

test_each_backend_is_its_own_finding if {
	b2 := object.union(get_order, {"apiId": "other", "apiName": "PutOrder", "allowlist": []})
	fs := egress_allowlist.findings with input as with_backends([object.union(get_order, {"allowlist": []}), b2])
	count(fs) == 2
	{f.key | some f in fs} == {"47.97.3.3/3b81fd160f5645e097cc8855d75a1cf6", "47.97.3.3/other"}
}

# An IPv4-mapped IPv6 backend is the private IPv4 it carries: on a VPC
# integration destination it is reached from the ENI vSwitch CIDRs.
test_ipv4_mapped_backend_is_private_ipv4 if {
	b := {"apiId": "a4", "apiName": "Inner", "protocol": "HTTP", "host": "::ffff:192.168.9.9", "port": 80, "ips": ["::ffff:192.168.9.9"], "allowlist": ["192.168.1.0/24"]}
	fs := egress_allowlist.findings with input as object.union(with_backends([b]), vpc_connect_dest)
	{[f.key, object.get(f, "severity", "default"), f.path] | some f in fs} == {["::ffff:192.168.9.9/a4", "default", ["backends", 0, "allowlist"]]}
	some f in fs
	contains(f.message, "does not allow 192.168.2.0/24, the ENI vSwitch CIDR")
	egress_allowlist.findings == set() with input as object.union(with_backends([object.union(b, {"allowlist": ["192.168.0.0/16"]})]), vpc_connect_dest)
}

test_failed_backend_read_is_undecided if {
	inp := object.union(fixture.healthy, {"collectionErrors": [
		{"call": "DescribeGroupQps", "code": "Forbidden.RAM"},
		{"call": "describeapis", "code": "ServiceUnavailable"},
		{"call": "DescribeDeployedApi", "code": "Throttling"},
	]})
	fs := egress_allowlist.findings with input as inp
	fs == {{
		"severity": "warning",
		"undecided": true,
		"message": "could not check whether every backend of group orders (523e8dc7bbe04613b5b1d726c2a7889d) allows destination apigateway-hz-ab12cd34ef56's egress addresses: DescribeApis, DescribeDeployedApi failed during collection, so the snapshot lacks data this rule needs (MIG015 gives the error)",
		"remediation": "Fix the failed reads (MIG015 says how), collect the snapshot again and re-run the check; until then treat MIG004 as not passed.",
		"resource": {"kind": "group", "id": "523e8dc7bbe04613b5b1d726c2a7889d", "name": "orders"},
		"path": ["collectionErrors", 1],
		"key": "collection-errors",
	}}
}

test_failed_reads_of_other_rules_quiet if {
	inp := object.union(fixture.healthy, {"collectionErrors": [{"call": "DescribeGroupQps", "code": "Forbidden.RAM"}, {"call": "DescribeSecurityGroups"}, "junk", {"call": 5}]})
	egress_allowlist.findings == set() with input as inp
}
