package apigw.rules.internal_domain_test

import data.apigw.rules.internal_domain

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

internal_group := object.union(base, {"group": {"VpcSlbIntranetDomain": "523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou-intranet.alicloudapi.com"}})

test_healthy_is_quiet if {
	count(internal_domain.findings) == 0 with input as base
}

test_internal_domain_without_destination_support_fires if {
	fs := internal_domain.findings with input as internal_group
	count(fs) == 1
	some f in fs
	f.severity == "error"
	f.message == "group orders (523e8dc7bbe04613b5b1d726c2a7889d) is called through the internal domain 523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou-intranet.alicloudapi.com but destination apigateway-hz-ab12cd34ef56 does not have the internal domain for calls from API Gateway enabled (VpcSlbIntranetEnable is false), so those calls fail after the migration"
	contains(f.remediation, "`aliyun cloudapi ModifyInstanceAttribute --InstanceId apigateway-hz-ab12cd34ef56 --VpcSlbIntranetEnable true`")
	f.path == ["destination", "VpcSlbIntranetEnable"]
}

test_destination_enabled_is_quiet if {
	count(internal_domain.findings) == 0 with input as object.union(internal_group, {"destination": {"VpcSlbIntranetEnable": true}})
	count(internal_domain.findings) == 0 with input as object.union(internal_group, {"destination": {"VpcSlbIntranetEnable": " True "}})
}

test_string_false_counts_as_disabled if {
	fs := internal_domain.findings with input as object.union(internal_group, {"destination": {"VpcSlbIntranetEnable": "false"}})
	count(fs) == 1
	some f in fs
	contains(f.message, "(VpcSlbIntranetEnable is false)")
	count(internal_domain.findings) == 1 with input as object.union(internal_group, {"destination": {"VpcSlbIntranetEnable": ""}})
}

test_null_domain_is_quiet if {
	count(internal_domain.findings) == 0 with input as object.union(base, {"group": {"VpcSlbIntranetDomain": null}})
}
