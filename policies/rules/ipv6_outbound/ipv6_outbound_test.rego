package apigw.rules.ipv6_outbound_test

import data.apigw.rules.ipv6_outbound

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

ipv6_source := object.union(base, {"source": {"EgressIpv6Enable": true}})

ipv6_backend := object.union(base, {"backends": [
	object.union(base.backends[0], {"ips": ["47.97.3.3", "2408:4005:3a0::10"]}),
	base.backends[1],
]})

test_healthy_is_quiet if {
	count(ipv6_outbound.findings) == 0 with input as base
}

test_source_ipv6_without_destination_fires if {
	fs := ipv6_outbound.findings with input as ipv6_source
	count(fs) == 1
	some f in fs
	f.severity == "error"
	f.key == "source"
	f.message == "source api-shared-vpc-001 sends outbound IPv6 for group orders (523e8dc7bbe04613b5b1d726c2a7889d) but destination apigateway-hz-ab12cd34ef56 has outbound IPv6 disabled (EgressIpv6Enable is false), so backends reached over IPv6 become unreachable after the migration"
	contains(f.remediation, "`aliyun cloudapi ModifyInstanceAttribute --InstanceId apigateway-hz-ab12cd34ef56 --EgressIpv6Enable true`")
	f.path == ["destination", "EgressIpv6Enable"]
}

test_ipv6_backend_without_destination_fires if {
	fs := ipv6_outbound.findings with input as ipv6_backend
	count(fs) == 1
	some f in fs
	f.severity == "error"
	f.message == "backend 47.97.3.3 (API GetOrder) resolves to IPv6 2408:4005:3a0::10 but destination apigateway-hz-ab12cd34ef56 has outbound IPv6 disabled (EgressIpv6Enable is false), so group orders (523e8dc7bbe04613b5b1d726c2a7889d) cannot reach it over IPv6 after the migration"
	f.path == ["backends", 0, "ips", 1]
	f.key == "47.97.3.3/3b81fd160f5645e097cc8855d75a1cf6"
	f.resource == {"kind": "backend", "id": "47.97.3.3", "name": "GetOrder"}
}

test_both_reasons_give_two_findings if {
	snap := object.union(ipv6_backend, {"source": {"EgressIpv6Enable": "true"}})
	fs := ipv6_outbound.findings with input as snap
	count(fs) == 2
}

test_destination_enabled_is_quiet if {
	snap := object.union(ipv6_backend, {"source": {"EgressIpv6Enable": true}, "destination": {"EgressIpv6Enable": "true"}})
	count(ipv6_outbound.findings) == 0 with input as snap
}

test_string_false_is_not_true if {
	count(ipv6_outbound.findings) == 0 with input as object.union(base, {"source": {"EgressIpv6Enable": "false"}})
	count(ipv6_outbound.findings) == 1 with input as object.union(ipv6_source, {"destination": {"EgressIpv6Enable": "false"}})
	count(ipv6_outbound.findings) == 1 with input as object.union(ipv6_source, {"destination": {"EgressIpv6Enable": null}})
}

test_without_backends_checks_source_only if {
	count(ipv6_outbound.findings) == 0 with input as object.remove(base, ["backends"])
	count(ipv6_outbound.findings) == 1 with input as object.remove(ipv6_source, ["backends"])
}

# An IPv4-mapped IPv6 address is IPv4: no IPv6 egress is needed for it.
test_ipv4_mapped_backend_quiet if {
	inp := object.union(base, {"backends": [
		object.union(base.backends[0], {"host": "::ffff:47.97.3.3", "ips": ["::ffff:47.97.3.3", "0:0:0:0:0:FFFF:47.97.3.4"]}),
		base.backends[1],
	]})
	ipv6_outbound.findings == set() with input as inp
}

# A real IPv6 address beside a mapped one still fires, naming only it.
test_mapped_and_real_ipv6 if {
	inp := object.union(base, {"backends": [
		object.union(base.backends[0], {"ips": ["::ffff:47.97.3.3", "2408:4005:3a0::10"]}),
		base.backends[1],
	]})
	fs := ipv6_outbound.findings with input as inp
	{[f.key, f.path] | some f in fs} == {["47.97.3.3/3b81fd160f5645e097cc8855d75a1cf6", ["backends", 0, "ips", 1]]}
	some f in fs
	contains(f.message, "resolves to IPv6 2408:4005:3a0::10 but")
}

failed_apis := object.union(base, {"collectionErrors": [{"call": "DescribeApis", "code": "Forbidden.RAM"}]})

test_failed_backend_read_is_undecided if {
	fs := ipv6_outbound.findings with input as failed_apis
	fs == {{
		"severity": "warning",
		"undecided": true,
		"message": "could not check whether a backend of group orders (523e8dc7bbe04613b5b1d726c2a7889d) is reached over IPv6, which destination apigateway-hz-ab12cd34ef56 cannot send: DescribeApis failed during collection, so the snapshot lacks data this rule needs (MIG015 gives the error)",
		"remediation": "Fix the failed read (MIG015 says how), collect the snapshot again and re-run the check; until then treat MIG008 as not passed.",
		"resource": {"kind": "group", "id": "523e8dc7bbe04613b5b1d726c2a7889d", "name": "orders"},
		"path": ["collectionErrors", 0],
		"key": "collection-errors",
	}}
}

# With outbound IPv6 on the destination, no backend can matter.
test_failed_backend_read_quiet_with_ipv6_destination if {
	inp := object.union(failed_apis, {"destination": {"EgressIpv6Enable": true}})
	ipv6_outbound.findings == set() with input as inp
}
