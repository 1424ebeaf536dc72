# Test fixtures shared by the rules' tests: the healthy sample snapshots and
# ways to change one part of them. A Go test (TestFixturesAreTheSamples)
# keeps them equal to testdata/snapshots/healthy.json and
# vpc-connect-healthy.json. The engine does not load this file (*_test.rego).
package apigw.fixture

# healthy is testdata/snapshots/healthy.json: every rule is quiet on it.
healthy := {
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
					"DomainCNAMEStatus": "RESOLVED",
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
		"InstanceChargeType": "PayAsYouGo",
		"ExpiredTime": "",
		"HttpsPolicies": "HTTPS2_TLS1_0",
		"InternetEgressAddress": "47.96.7.7",
		"VpcEgressAddress": "100.104.254.0/26",
		"SupportIpv6": false,
		"EgressIpv6Enable": false,
		"VpcIntranetEnable": false,
		"VpcSlbIntranetEnable": false,
		"MaintainStartTime": "18:00Z",
		"MaintainEndTime": "22:00Z",
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
	"plugins": [],
}

# vpc_connect is testdata/snapshots/vpc-connect-healthy.json: a VPC
# integration destination whose ENI security groups reach every private
# backend.
vpc_connect := {
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
					"DomainCNAMEStatus": "RESOLVED",
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
		"InstanceId": "apigateway-hz-vc7788aa99bb",
		"InstanceName": "orders-vpc-connect",
		"InstanceType": "VPC_DEDICATED",
		"DedicatedInstanceType": "vpc_connect",
		"RegionId": "cn-hangzhou",
		"Status": "RUNNING",
		"InstanceSpec": "api.s1.small",
		"InstanceRpsLimit": 2500,
		"InstanceChargeType": "PayAsYouGo",
		"ExpiredTime": "",
		"HttpsPolicies": "HTTPS2_TLS1_0",
		"InternetEgressAddress": "47.96.7.8",
		"VpcEgressAddress": "",
		"SupportIpv6": false,
		"EgressIpv6Enable": false,
		"VpcIntranetEnable": false,
		"VpcSlbIntranetEnable": false,
		"MaintainStartTime": "18:00Z",
		"MaintainEndTime": "22:00Z",
		"ConnectVpcId": "vpc-bp1orders0000001",
		"ConnectCidrBlocks": "[\"10.0.0.0/16\",\"172.16.8.0/24\"]",
		"NetworkInterfaceAttributes": {
			"NetworkInterfaceAttribute": [
				{
					"NetworkInterfaceId": "eni-bp1gw00000000001",
					"SecurityGroupId": "sg-bp1gwegress000001",
					"VswitchId": "vsw-bp1gw0000000001",
					"CidrBlock": "10.0.200.0/24",
					"ZoneId": "cn-hangzhou-h",
				},
				{
					"NetworkInterfaceId": "eni-bp1gw00000000002",
					"SecurityGroupId": "sg-bp1gwegress000001",
					"VswitchId": "vsw-bp1gw0000000002",
					"CidrBlock": "10.0.201.0/24",
					"ZoneId": "cn-hangzhou-i",
				},
			],
		},
	},
	"backends": [
		{
			"apiId": "3b81fd160f5645e097cc8855d75a1cf6",
			"apiName": "GetOrder",
			"stage": "RELEASE",
			"protocol": "HTTP",
			"address": "http://10.0.1.5:8080",
			"host": "10.0.1.5",
			"port": 8080,
			"ips": [
				"10.0.1.5",
			],
			"allowlist": [
				"10.0.200.0/24",
				"10.0.201.0/24",
			],
		},
		{
			"apiId": "5c92be271f6c4a0e9d3b7a61c2e84f90",
			"apiName": "ListInvoices",
			"stage": "RELEASE",
			"protocol": "HTTPS",
			"address": "https://billing.internal.example.com:443",
			"host": "billing.internal.example.com",
			"port": 443,
			"ips": [
				"172.16.8.20",
				"172.16.8.21",
			],
			"allowlist": [
				"10.0.200.0/24",
				"10.0.201.0/24",
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
	"plugins": [],
	"eniSecurityGroups": [
		{
			"RequestId": "8A1C6E0F-3B2D-4E5A-9C7B-1D2E3F405060",
			"RegionId": "cn-hangzhou",
			"SecurityGroupId": "sg-bp1gwegress000001",
			"SecurityGroupName": "apigw-vpc-connect",
			"VpcId": "vpc-bp1orders0000001",
			"InnerAccessPolicy": "Accept",
			"SecurityGroupType": "enterprise",
			"Permissions": {
				"Permission": [
					{
						"SecurityGroupRuleId": "sgr-bp1egress00001",
						"Direction": "egress",
						"IpProtocol": "TCP",
						"PortRange": "8080/8080",
						"DestCidrIp": "10.0.1.0/24",
						"Policy": "Accept",
						"Priority": "1",
						"SourceCidrIp": "",
						"Ipv6DestCidrIp": "",
						"DestGroupId": "",
						"DestPrefixListId": "",
						"NicType": "intranet",
						"Description": "orders backends",
					},
					{
						"SecurityGroupRuleId": "sgr-bp1egress00002",
						"Direction": "egress",
						"IpProtocol": "TCP",
						"PortRange": "443/443",
						"DestCidrIp": "172.16.8.0/24",
						"Policy": "Accept",
						"Priority": "10",
						"SourceCidrIp": "",
						"Ipv6DestCidrIp": "",
						"DestGroupId": "",
						"DestPrefixListId": "",
						"NicType": "intranet",
						"Description": "billing",
					},
					{
						"SecurityGroupRuleId": "sgr-bp1egress00003",
						"Direction": "egress",
						"IpProtocol": "ALL",
						"PortRange": "-1/-1",
						"DestCidrIp": "0.0.0.0/0",
						"Policy": "Drop",
						"Priority": "100",
						"SourceCidrIp": "",
						"Ipv6DestCidrIp": "",
						"DestGroupId": "",
						"DestPrefixListId": "",
						"NicType": "intranet",
						"Description": "deny the rest",
					},
					{
						"SecurityGroupRuleId": "sgr-bp1ingress0001",
						"Direction": "ingress",
						"IpProtocol": "TCP",
						"PortRange": "1/65535",
						"SourceCidrIp": "10.0.0.0/16",
						"DestCidrIp": "",
						"Policy": "Drop",
						"Priority": "1",
						"Ipv6DestCidrIp": "",
						"DestGroupId": "",
						"DestPrefixListId": "",
						"NicType": "intranet",
						"Description": "ingress is not egress",
					},
				],
			},
		},
	],
	"networkInterfaces": [
		{
			"NetworkInterfaceId": "eni-bp1gw00000000001",
			"ZoneId": "cn-hangzhou-h",
			"VSwitchId": "vsw-bp1gw0000000001",
			"VpcId": "vpc-bp1orders0000001",
			"Type": "Secondary",
			"Status": "InUse",
			"SecurityGroupIds": {
				"SecurityGroupId": [
					"sg-bp1gwegress000001",
				],
			},
		},
		{
			"NetworkInterfaceId": "eni-bp1gw00000000002",
			"ZoneId": "cn-hangzhou-i",
			"VSwitchId": "vsw-bp1gw0000000002",
			"VpcId": "vpc-bp1orders0000001",
			"Type": "Secondary",
			"Status": "InUse",
			"SecurityGroupIds": {
				"SecurityGroupId": [
					"sg-bp1gwegress000001",
				],
			},
		},
	],
}

# patched(patch) is the healthy snapshot with patch merged in: objects merge
# key by key (object.union), anything else (arrays, scalars, null) replaces.
patched(patch) := object.union(healthy, patch)

# replaced(part, value) is the healthy snapshot with its top-level part
# ("group", "destination", "backends", ...) replaced by value as a whole.
replaced(part, value) := object.union(object.remove(healthy, {part}), {part: value})

# without(part, keys) is the healthy snapshot without keys in its object
# part: without("destination", {"ExpiredTime"}).
without(part, keys) := replaced(part, object.remove(healthy[part], keys))

# absent(keys) is the healthy snapshot without the top-level keys.
absent(keys) := object.remove(healthy, keys)
