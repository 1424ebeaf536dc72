package apigw.rules.rps_capacity_test

import data.apigw.rules.rps_capacity

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

with_traffic(peak) := object.union(base, {"traffic": {"peakRps": peak}})

test_healthy_is_quiet if {
	count(rps_capacity.findings) == 0 with input as base
}

test_peak_over_limit_names_values_and_spec if {
	fs := rps_capacity.findings with input as with_traffic(3100)
	count(fs) == 1
	some f in fs
	f.severity == "error"
	f.message == "group orders (523e8dc7bbe04613b5b1d726c2a7889d) needs 4,020 RPS on apigateway-hz-ab12cd34ef56 (api.s1.small) but it allows 2,500: peak 3,100 RPS (maximum observed over 2026-11-13T08:00:00Z to 2026-11-20T08:00:00Z) plus 20% headroom plus 300 RPS already on the destination; upgrade to api.s1.medium (5,000) with ModifyInstanceSpec before migrating"
	contains(f.remediation, "`aliyun cloudapi ModifyInstanceSpec --InstanceId apigateway-hz-ab12cd34ef56 --InstanceSpec api.s1.medium`")
	f.path == ["destination", "InstanceRpsLimit"]
	f.resource == {"kind": "instance", "id": "apigateway-hz-ab12cd34ef56", "name": "orders-dedicated"}
}

test_without_destination_load if {
	snap := object.remove(with_traffic(2200), ["destinationLoad"])
	fs := rps_capacity.findings with input as snap
	count(fs) == 1
	some f in fs
	startswith(f.message, "group orders (523e8dc7bbe04613b5b1d726c2a7889d) needs 2,640 RPS on apigateway-hz-ab12cd34ef56 (api.s1.small) but it allows 2,500: peak 2,200 RPS")
	endswith(f.message, "plus 20% headroom; upgrade to api.s1.medium (5,000) with ModifyInstanceSpec before migrating")
}

test_loose_numbers_as_strings if {
	snap := object.union(base, {
		"traffic": {"peakRps": "3100"},
		"destinationLoad": {"peakRps": "300"},
		"destination": {"InstanceRpsLimit": "2500"},
	})
	fs := rps_capacity.findings with input as snap
	count(fs) == 1
	some f in fs
	contains(f.message, "needs 4,020 RPS")
	contains(f.message, "allows 2,500")
}

test_zero_limit_falls_back_to_spec_table if {
	snap := object.union(with_traffic(4000), {"destination": {"InstanceRpsLimit": "0", "InstanceSpec": "api.s1.medium"}})
	fs := rps_capacity.findings with input as snap
	count(fs) == 1
	some f in fs
	f.path == ["destination", "InstanceSpec"]
	contains(f.message, "needs 5,100 RPS on apigateway-hz-ab12cd34ef56 (api.s1.medium) but it allows 5,000")
	endswith(f.message, "upgrade to api.s2.large (10,000) with ModifyInstanceSpec before migrating")
}

test_missing_limit_falls_back_to_spec_table_quiet if {
	snap := object.union(base, {"destination": {"InstanceRpsLimit": null, "InstanceSpec": "api.s2.large"}})
	count(rps_capacity.findings) == 0 with input as object.union(snap, {"traffic": {"peakRps": 8000}})
}

test_nothing_fits_says_split if {
	fs := rps_capacity.findings with input as with_traffic(70000)
	count(fs) == 1
	some f in fs
	endswith(f.message, "even api.s2.large.x6 (60,000) is too small, so split the group before migrating")
	contains(f.remediation, "split the group's APIs")
	contains(f.remediation, "84,300 RPS needed")
}

test_exactly_at_limit_is_quiet if {
	# 1,760 x 1.25 + 300 = 2,500: equal to the limit is enough.
	count(rps_capacity.findings) == 0 with input as with_traffic(1760)
		with data.apigw.params as {"MIG001": {"rpsHeadroom": 0.25}}
}

test_headroom_is_tunable if {
	# 2,000 x 1.2 + 300 = 2,700 > 2,500 with the default headroom ...
	count(rps_capacity.findings) == 1 with input as with_traffic(2000)

	# ... and 2,000 x 1.0 + 300 = 2,300 fits without headroom.
	count(rps_capacity.findings) == 0 with input as with_traffic(2000)
		with data.apigw.params as {"MIG001": {"rpsHeadroom": 0}}

	# ... and 2,000 x 1.5 + 300 = 3,300 with 50%.
	fs := rps_capacity.findings with input as with_traffic(2000)
		with data.apigw.params as {"MIG001": {"rpsHeadroom": 0.5}}
	some f in fs
	contains(f.message, "needs 3,300 RPS")
	contains(f.message, "plus 50% headroom")
}

test_without_traffic_warns_when_cap_exceeds_limit if {
	snap := object.union(object.remove(base, ["traffic"]), {"group": {"TrafficLimit": "5000"}})
	fs := rps_capacity.findings with input as snap
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.path == ["group", "TrafficLimit"]
	f.message == "could not check the RPS capacity of apigateway-hz-ab12cd34ef56 (api.s1.small) for group orders (523e8dc7bbe04613b5b1d726c2a7889d) against its real peak: traffic was not collected, and the group may take up to 5,000 RPS (its TrafficLimit) but apigateway-hz-ab12cd34ef56 (api.s1.small) allows 2,500; upgrade to api.s1.medium (5,000) with ModifyInstanceSpec before migrating"
}

test_without_traffic_quiet_when_cap_fits if {
	count(rps_capacity.findings) == 0 with input as object.remove(base, ["traffic"])
}

test_without_traffic_or_cap_could_not_check if {
	snap := object.union(object.remove(base, ["traffic"]), {"group": {"TrafficLimit": null}})
	fs := rps_capacity.findings with input as snap
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	startswith(f.message, "could not check the RPS capacity of apigateway-hz-ab12cd34ef56 (api.s1.small) for group orders")
}

test_unreadable_peak_could_not_check if {
	fs := rps_capacity.findings with input as with_traffic("n/a")
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.path == ["traffic", "peakRps"]
	startswith(f.message, "could not check")
	contains(f.message, "traffic.peakRps is missing or not a number")
}

test_unknown_limit_could_not_check if {
	snap := object.union(base, {"destination": {"InstanceRpsLimit": 0, "InstanceSpec": "api.s9.huge"}})
	fs := rps_capacity.findings with input as snap
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.message == "could not check the RPS capacity of apigateway-hz-ab12cd34ef56 for group orders (523e8dc7bbe04613b5b1d726c2a7889d): InstanceRpsLimit is 0 or missing and InstanceSpec \"api.s9.huge\" is not in the specification table"
}

test_serverless_destination_uses_group_limit if {
	snap := object.union(with_traffic(2400), {"destination": {"InstanceType": "VPC_SHARED", "InstanceRpsLimit": null, "InstanceSpec": null}})
	fs := rps_capacity.findings with input as snap
	count(fs) == 1
	some f in fs
	contains(f.message, "allows 2,500")
	startswith(f.remediation, "Pick a dedicated instance of at least api.s1.medium (5,000 RPS)")
}

# ---- failed reads -------------------------------------------------------------

qps_forbidden := [{"call": "DescribeGroupQps", "code": "Forbidden.RAM", "message": "User not authorized to operate on the specified resource."}]

collection_undecided := {
	"severity": "warning",
	"undecided": true,
	"message": "could not check the RPS capacity of apigateway-hz-ab12cd34ef56 (api.s1.small) for group orders (523e8dc7bbe04613b5b1d726c2a7889d): DescribeGroupQps failed during collection, so the snapshot lacks data this rule needs (MIG015 gives the error)",
	"remediation": "Fix the failed read (MIG015 says how), collect the snapshot again and re-run the check; until then treat MIG001 as not passed.",
	"resource": {"kind": "group", "id": "523e8dc7bbe04613b5b1d726c2a7889d", "name": "orders"},
	"path": ["collectionErrors", 0],
	"key": "collection-errors",
}

# The QPS read failed and no traffic was written: whatever the cap says, the
# rule has not decided.
test_failed_qps_read_is_undecided if {
	inp := object.union(object.remove(base, ["traffic"]), {"collectionErrors": qps_forbidden})
	rps_capacity.findings == {collection_undecided} with input as inp
}

# A peak of 0 written beside a failed read is not a reading: still undecided.
test_failed_qps_read_with_zero_peak_is_undecided if {
	inp := object.union(with_traffic(0), {"collectionErrors": qps_forbidden})
	rps_capacity.findings == {collection_undecided} with input as inp
}

test_failed_destination_load_read_is_undecided if {
	inp := object.union(base, {"collectionErrors": [{"call": "DescribeInstanceQps", "code": "Throttling"}]})
	{[f.key, f.undecided, f.path] | some f in rps_capacity.findings with input as inp} == {["collection-errors", true, ["collectionErrors", 0]]}
}

test_failed_reads_of_other_rules_quiet if {
	inp := object.union(base, {"collectionErrors": [{"call": "DescribeApis", "code": "Forbidden.RAM"}]})
	rps_capacity.findings == set() with input as inp
}

# Traffic absent and the cap above the limit: undecided, not a pass.
test_cap_above_limit_is_undecided if {
	snap := object.union(object.remove(base, ["traffic"]), {"group": {"TrafficLimit": 5000}})
	[f] := [f | some f in rps_capacity.findings with input as snap]
	f.undecided == true
	f.key == "traffic-limit"
}

# ---- unusable numbers -----------------------------------------------------------

test_unusable_peak_is_undecided if {
	every v in [-1, "-3", "abc", null, true, [800], {"v": 1}, "1e400"] {
		{[f.key, f.undecided] | some f in rps_capacity.findings with input as with_traffic(v)} == {["peak-missing", true]}
	}
}

test_unusable_destination_load_is_undecided if {
	every v in [-300, "x", null, {"v": 1}] {
		inp := object.union(base, {"destinationLoad": {"peakRps": v}})
		{[f.key, f.undecided, f.path] | some f in rps_capacity.findings with input as inp} == {["load-missing", true, ["destinationLoad", "peakRps"]]}
	}
}

test_negative_cap_without_traffic_is_undecided if {
	snap := object.union(object.remove(base, ["traffic"]), {"group": {"TrafficLimit": -5}})
	{[f.key, f.undecided] | some f in rps_capacity.findings with input as snap} == {["traffic-missing", true]}
}
