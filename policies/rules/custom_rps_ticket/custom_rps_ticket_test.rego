package apigw.rules.custom_rps_ticket_test

import data.apigw.rules.custom_rps_ticket

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

with_limit(n) := object.union(base, {"group": {"TrafficLimit": n}})

test_healthy_is_quiet if {
	count(custom_rps_ticket.findings) == 0 with input as base
}

test_custom_limit_fires if {
	fs := custom_rps_ticket.findings with input as with_limit(1000)
	count(fs) == 1
	some f in fs
	f.severity == "error"
	f.message == "group orders (523e8dc7bbe04613b5b1d726c2a7889d) has a custom RPS limit of 1,000 (TrafficLimit, default 500), so it can only be moved to apigateway-hz-ab12cd34ef56 by Alibaba Cloud support through a ticket; the usual resolution is a waiver recording that ticket"
	contains(f.remediation, "Submit a ticket")
	contains(f.remediation, "waiver for MIG002")
	f.path == ["group", "TrafficLimit"]
	f.resource == {"kind": "group", "id": "523e8dc7bbe04613b5b1d726c2a7889d", "name": "orders"}
}

test_lowered_limit_fires_too if {
	fs := custom_rps_ticket.findings with input as with_limit(200)
	count(fs) == 1
	some f in fs
	contains(f.message, "custom RPS limit of 200 (TrafficLimit, default 500)")
}

test_string_numbers if {
	count(custom_rps_ticket.findings) == 0 with input as with_limit("500")
	count(custom_rps_ticket.findings) == 0 with input as with_limit(" 500 ")
	count(custom_rps_ticket.findings) == 0 with input as with_limit(500.0)
	fs := custom_rps_ticket.findings with input as with_limit("12000")
	some f in fs
	contains(f.message, "custom RPS limit of 12,000")
}

test_default_is_tunable if {
	count(custom_rps_ticket.findings) == 0 with input as with_limit(1000)
		with data.apigw.params as {"MIG002": {"defaultGroupRps": 1000}}
	count(custom_rps_ticket.findings) == 0 with input as with_limit("1000")
		with data.apigw.params as {"MIG002": {"defaultGroupRps": 1000}}
	fs := custom_rps_ticket.findings with input as base
		with data.apigw.params as {"MIG002": {"defaultGroupRps": 1000}}
	count(fs) == 1
	some f in fs
	contains(f.message, "custom RPS limit of 500 (TrafficLimit, default 1,000)")
}

test_missing_limit_could_not_check if {
	fs := custom_rps_ticket.findings with input as object.union(base, {"group": {"TrafficLimit": "unlimited"}})
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	startswith(f.message, "could not check whether group orders (523e8dc7bbe04613b5b1d726c2a7889d) has a custom RPS limit")
}
