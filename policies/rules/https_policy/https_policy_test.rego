package apigw.rules.https_policy_test

import data.apigw.rules.https_policy

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

with_policies(group_policy, dest_policies) := object.union(base, {
	"group": {"HttpsPolicy": group_policy},
	"destination": {"HttpsPolicies": dest_policies},
})

test_healthy_is_quiet if {
	count(https_policy.findings) == 0 with input as base
}

test_same_policy_in_comma_list_is_quiet if {
	count(https_policy.findings) == 0 with input as with_policies("HTTPS2_TLS1_0", "HTTPS2_TLS1_2, HTTPS2_TLS1_0")
}

test_dropped_tls_is_error if {
	fs := https_policy.findings with input as with_policies("HTTPS2_TLS1_0", "HTTPS2_TLS1_2")
	count(fs) == 1
	some f in fs
	f.severity == "error"
	f.message == "destination apigateway-hz-ab12cd34ef56's HTTPS policy HTTPS2_TLS1_2 drops TLS 1.0, TLS 1.1, which group orders (523e8dc7bbe04613b5b1d726c2a7889d) accepts on api.orders.example.com under HTTPS2_TLS1_0; clients on TLS 1.0, TLS 1.1 will fail the TLS handshake after the migration"
	contains(f.remediation, "`aliyun cloudapi ModifyInstanceAttribute --InstanceId apigateway-hz-ab12cd34ef56 --HttpsPolicy HTTPS2_TLS1_0`")
	f.path == ["destination", "HttpsPolicies"]
	f.key == "tls"
}

test_tls13_policy_drops_old_versions if {
	fs := https_policy.findings with input as with_policies("HTTPS1_1_TLS1_0", "HTTPS2_TLS1_3")
	count(fs) == 1
	some f in fs
	f.severity == "error"
	contains(f.message, "HTTPS2_TLS1_3 drops TLS 1.0, TLS 1.1")
}

test_http_version_change_is_warning if {
	fs := https_policy.findings with input as with_policies("HTTPS1_1_TLS1_0", "HTTPS2_TLS1_0")
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.key == "http"
	f.message == "destination apigateway-hz-ab12cd34ef56's HTTPS policy HTTPS2_TLS1_0 serves HTTP/2 where group orders (523e8dc7bbe04613b5b1d726c2a7889d) uses HTTP/1.1 under HTTPS1_1_TLS1_0 on api.orders.example.com (HTTP/2 lower-cases header names, which breaks clients and backends that match them case-sensitively)"
}

test_http2_to_http11_is_warning if {
	fs := https_policy.findings with input as with_policies("HTTPS2_TLS1_0", "HTTPS1_1_TLS1_0")
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	contains(f.message, "serves HTTP/1.1 where group orders (523e8dc7bbe04613b5b1d726c2a7889d) uses HTTP/2")
	not contains(f.message, "lower-cases")
}

test_added_tls_version_is_quiet if {
	count(https_policy.findings) == 0 with input as with_policies("HTTPS2_TLS1_2", "HTTPS2_TLS1_3")
}

test_unknown_destination_policy_is_warning if {
	fs := https_policy.findings with input as with_policies("HTTPS2_TLS1_0", "HTTPS3_TLS1_3")
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.key == "unknown-destination-policy"
	f.message == "destination apigateway-hz-ab12cd34ef56 has the unknown HTTPS policy HTTPS3_TLS1_3, so the change from policy HTTPS2_TLS1_0 of group orders (523e8dc7bbe04613b5b1d726c2a7889d) could not be judged for api.orders.example.com"
}

test_unknown_group_policy_is_warning if {
	fs := https_policy.findings with input as with_policies("", "HTTPS2_TLS1_0")
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.path == ["group", "HttpsPolicy"]
	contains(f.message, "has no HTTPS policy set")
}

test_no_destination_policy_could_not_check if {
	fs := https_policy.findings with input as with_policies("HTTPS2_TLS1_0", null)
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.message == "could not check the HTTPS policy change for api.orders.example.com of group orders (523e8dc7bbe04613b5b1d726c2a7889d): destination apigateway-hz-ab12cd34ef56 reports no HttpsPolicies"
}

test_no_certificate_is_quiet if {
	in_no_cert := object.union(with_policies("HTTPS2_TLS1_0", "HTTPS2_TLS1_2"), {"group": {"CustomDomains": {"DomainItem": [{"DomainName": "api.orders.example.com", "CertificateId": ""}]}}})
	count(https_policy.findings) == 0 with input as in_no_cert
	no_domains := object.union(with_policies("HTTPS2_TLS1_0", "HTTPS2_TLS1_2"), {"group": {"CustomDomains": null}})
	count(https_policy.findings) == 0 with input as no_domains
}

test_lists_every_certificate_domain if {
	two := object.union(with_policies("HTTPS2_TLS1_0", "HTTPS2_TLS1_2"), {"group": {"CustomDomains": {"DomainItem": [
		{"DomainName": "b.example.com", "CertificateId": "cert-2"},
		{"DomainName": "a.example.com", "CertificateId": "cert-1"},
		{"DomainName": "plain.example.com"},
	]}}})
	fs := https_policy.findings with input as two
	some f in fs
	contains(f.message, "accepts on a.example.com, b.example.com under HTTPS2_TLS1_0")
}
