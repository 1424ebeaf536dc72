package apigw.rules.egress_allowlist_test

import data.apigw.rules.egress_allowlist

# The healthy snapshot (testdata/snapshots/healthy.json).
base := {
	"schemaVersion": "apigw-preflight/v1",
	"collectedAt": "2026-11-20T08:00:00Z",
	"regionId": "cn-hangzhou",
	"group": {
		"RequestId": "6F2E1C3A-0B7D-4C1E-9A55-2D0C1B7E8F01",
		"GroupId": "523e8dc7bbe04613b5b1d726c2a7889d",
		"GroupName": "orders",
		"RegionId": "cn-hangzhou",
		"InstanceId": "api-shared-vpc-001",
		"InstanceType": "VPC_SHARED",
		"Status": "NORMAL",
		"BillingStatus": "NORMAL",
		"IllegalStatus": "NORMAL",
		"TrafficLimit": 500,
		"HttpsPolicy": "HTTPS2_TLS1_0",
		"SubDomain": "523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou.alicloudapi.com",
		"VpcDomain": "",
		"VpcSlbIntranetDomain": "",
		"Ipv6Status": "UNBIND",
		"MigrationStatus": "",
		"MigrationError": "",
		"CustomDomains": {
			"DomainItem": [
				{
					"DomainName": "api.orders.example.com",
					"CertificateId": "cert-7c1d9e",
					"CertificateName": "orders-2026",
					"BindStageName": "RELEASE",
					"DomainBindingStatus": "BINDING",
				},
			],
		},
		"StageItems": {
			"StageInfo": [
				{
					"StageName": "RELEASE",
					"StageId": "a1b2c3",
				},
			],
		},
	},
	"source": {
		"InstanceId": "api-shared-vpc-001",
		"InstanceName": "Serverless (VPC)",
		"InstanceType": "VPC_SHARED",
		"RegionId": "cn-hangzhou",
		"Status": "RUNNING",
		"InstanceRpsLimit": 2500,
		"HttpsPolicies": "HTTPS2_TLS1_0",
		"InternetEgressAddress": "47.96.1.1",
		"EgressIpv6Enable": false,
		"SupportIpv6": false,
	},
	"destination": {
		"InstanceId": "apigateway-hz-ab12cd34ef56",
		"InstanceName": "orders-dedicated",
		"InstanceType": "VPC_DEDICATED",
		"DedicatedInstanceType": "normal",
		"RegionId": "cn-hangzhou",
		"Status": "RUNNING",
		"InstanceSpec": "api.s1.small",
		"InstanceRpsLimit": 2500,
		"InstanceChargeType": "PostPay",
		"ExpiredTime": "",
		"HttpsPolicies": "HTTPS2_TLS1_0",
		"InternetEgressAddress": "47.96.7.7",
		"VpcEgressAddress": "100.104.254.0/26",
		"SupportIpv6": false,
		"EgressIpv6Enable": false,
		"VpcIntranetEnable": false,
		"VpcSlbIntranetEnable": false,
	},
	"backends": [
		{
			"apiId": "3b81fd160f5645e097cc8855d75a1cf6",
			"apiName": "GetOrder",
			"stage": "RELEASE",
			"protocol": "HTTP",
			"address": "http://47.97.3.3:80",
			"host": "47.97.3.3",
			"port": 80,
			"ips": [
				"47.97.3.3",
			],
			"allowlist": [
				"47.96.0.0/16",
			],
		},
		{
			"apiId": "7d21aa0c3e9b4f61b0a4d2c8e5f60718",
			"apiName": "ResizeImage",
			"stage": "RELEASE",
			"protocol": "FunctionCompute",
			"address": "fc://cn-hangzhou/resize",
			"host": "",
			"port": 0,
			"ips": [],
		},
	],
	"traffic": {
		"peakRps": 800,
		"from": "2026-11-13T08:00:00Z",
		"to": "2026-11-20T08:00:00Z",
		"stage": "RELEASE",
	},
	"destinationLoad": {
		"peakRps": 300,
		"from": "2026-11-13T08:00:00Z",
		"to": "2026-11-20T08:00:00Z",
	},
	"collector": {
		"name": "apigw-preflight",
		"version": "dev",
	},
}

get_order := base.backends[0]

# The healthy snapshot with its first backend patched.
with_backend(patch) := object.union(base, {"backends": [object.union(get_order, patch), base.backends[1]]})

with_backends(bs) := object.union(base, {"backends": bs})

test_healthy_is_quiet if {
	count(egress_allowlist.findings) == 0 with input as base
}

test_missing_internet_egress_is_error if {
	fs := egress_allowlist.findings with input as with_backend({"allowlist": ["47.96.1.1/32"]})
	count(fs) == 1
	some f in fs
	f.severity == "error"
	f.message == "backend 47.97.3.3 (API GetOrder) does not allow 47.96.7.7, the Internet egress address of destination apigateway-hz-ab12cd34ef56, so calls from group orders (523e8dc7bbe04613b5b1d726c2a7889d) will be refused after the migration"
	contains(f.remediation, "`aliyun ecs AuthorizeSecurityGroup --RegionId cn-hangzhou --SecurityGroupId <sg-id> --IpProtocol tcp --PortRange 80/80 --SourceCidrIp 47.96.7.7`")
	f.path == ["backends", 0, "allowlist"]
	f.key == "47.97.3.3/3b81fd160f5645e097cc8855d75a1cf6"
	f.resource == {"kind": "backend", "id": "47.97.3.3", "name": "GetOrder"}
}

test_comma_list_egress_lists_only_missing if {
	snap := object.union(base, {"destination": {"InternetEgressAddress": "47.96.7.7, 120.55.1.1,121.40.2.2"}})
	fs := egress_allowlist.findings with input as snap
	count(fs) == 1
	some f in fs
	contains(f.message, "does not allow 120.55.1.1, 121.40.2.2, the Internet egress addresses of destination")
}

test_empty_allowlist_allows_nothing if {
	fs := egress_allowlist.findings with input as with_backend({"allowlist": []})
	count(fs) == 1
	some f in fs
	f.severity == "error"
	contains(f.message, "does not allow 47.96.7.7")
}

test_allowlist_as_comma_string_and_junk_entries if {
	count(egress_allowlist.findings) == 0 with input as with_backend({"allowlist": "10.0.0.0/8, 47.96.7.7"})
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
	count(egress_allowlist.findings) == 0 with input as snap
}

test_exempt_protocols_are_quiet if {
	bs := [{"protocol": p, "host": "h", "ips": ["47.1.1.1"], "allowlist": []} |
		some p in ["FunctionCompute", "OSS", "EventBridge", "Mock"]
	]
	count(egress_allowlist.findings) == 0 with input as with_backends(bs)
}

test_vpc_backend_on_normal_instance_uses_vpc_egress if {
	vpc := {
		"apiId": "a2", "apiName": "ListOrders", "protocol": "VPC", "host": "10.0.1.5", "port": 8080,
		"ips": ["10.0.1.5"], "vpcAccess": {"VpcId": "vpc-1", "InstanceId": "i-1", "Port": 8080},
	}
	count(egress_allowlist.findings) == 0 with input as with_backends([object.union(vpc, {"allowlist": ["100.104.0.0/16"]})])
	fs := egress_allowlist.findings with input as with_backends([object.union(vpc, {"allowlist": ["10.0.0.0/8"]})])
	count(fs) == 1
	some f in fs
	f.message == "backend 10.0.1.5 (API ListOrders) does not allow 100.104.254.0/26, the VPC egress address of destination apigateway-hz-ab12cd34ef56, so calls from group orders (523e8dc7bbe04613b5b1d726c2a7889d) will be refused after the migration"
	contains(f.remediation, "--PortRange 8080/8080 --SourceCidrIp 100.104.254.0/26")
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
	count(egress_allowlist.findings) == 0 with input as object.union(with_backends([object.union(b, {"allowlist": ["192.168.0.0/16"]})]), vpc_connect_dest)
}

test_vpc_connect_public_backend_uses_internet_egress if {
	count(egress_allowlist.findings) == 0 with input as object.union(base, vpc_connect_dest)
}

test_backends_not_collected_could_not_check if {
	fs := egress_allowlist.findings with input as object.remove(base, ["backends"])
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
	fs := egress_allowlist.findings with input as object.union(base, {"destination": {"InternetEgressAddress": ""}})
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
	{[f.key, f.severity, f.path] | some f in fs} == {["::ffff:192.168.9.9/a4", "error", ["backends", 0, "allowlist"]]}
	some f in fs
	contains(f.message, "does not allow 192.168.2.0/24, the ENI vSwitch CIDR")
	egress_allowlist.findings == set() with input as object.union(with_backends([object.union(b, {"allowlist": ["192.168.0.0/16"]})]), vpc_connect_dest)
}

test_failed_backend_read_is_undecided if {
	inp := object.union(base, {"collectionErrors": [
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
	inp := object.union(base, {"collectionErrors": [{"call": "DescribeGroupQps", "code": "Forbidden.RAM"}, {"call": "DescribeSecurityGroups"}, "junk", {"call": 5}]})
	egress_allowlist.findings == set() with input as inp
}
