package apigw.rules.rps_capacity_test

import data.apigw.fixture
import data.apigw.rules.rps_capacity

with_traffic(peak) := object.union(fixture.healthy, {"traffic": {"peakRps": peak}})

test_healthy_is_quiet if {
	rps_capacity.findings == set() with input as fixture.healthy
}

test_peak_over_limit_names_values_and_spec if {
	rps_capacity.findings == {{
		"message": "group orders (523e8dc7bbe04613b5b1d726c2a7889d) needs 4,020 RPS on apigateway-hz-ab12cd34ef56 (api.s1.small) but it allows 2,500: peak 3,100 RPS (maximum observed over 2026-11-13T08:00:00Z to 2026-11-20T08:00:00Z) plus 20% headroom plus 300 RPS already on the destination; upgrade to api.s1.medium (5,000) with ModifyInstanceSpec before migrating",
		"remediation": "Before migrating, upgrade apigateway-hz-ab12cd34ef56 to api.s1.medium (5,000 RPS): in the API Gateway console choose Instances and Clusters > Dedicated Instances, find apigateway-hz-ab12cd34ef56 and click Upgrade, or run `aliyun cloudapi ModifyInstanceSpec --InstanceId apigateway-hz-ab12cd34ef56 --InstanceSpec api.s1.medium --ModifyAction UPGRADE --AutoPay true --Token <uuid>` (a new UUID per order); the new specification takes effect in 5 to 10 minutes and running APIs stay available. The upgrade may add an egress IP: the instance then waits in \"Waiting for Traffic Switchover\" (rolled back after 24 hours), so add the new address to the backends' allowlists, click Switch Traffic, then run the preflight again (MIG004 checks the egress addresses).",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "InstanceRpsLimit"],
		"key": "capacity",
	}} with input as with_traffic(3100)
}

# The peak is the sum of the stages per time point; the message says so.
test_peak_of_several_stages_named if {
	snap := object.union(with_traffic(3100), {"traffic": {"stages": {"RELEASE": 2900, "TEST": 400}}})
	[f] := [f | some f in rps_capacity.findings with input as snap]
	contains(f.message, "peak 3,100 RPS (maximum observed over 2026-11-13T08:00:00Z to 2026-11-20T08:00:00Z, summed over stages RELEASE, TEST) plus 20% headroom")
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
	snap := object.union(fixture.healthy, {
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
	snap := object.union(fixture.healthy, {"destination": {"InstanceRpsLimit": null, "InstanceSpec": "api.s2.large"}})
	rps_capacity.findings == set() with input as object.union(snap, {"traffic": {"peakRps": 8000}})
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
	rps_capacity.findings == set() with input as with_traffic(1760)
		with data.apigw.params as {"MIG001": {"rpsHeadroom": 0.25}}
}

test_headroom_is_tunable if {
	# 2,000 x 1.2 + 300 = 2,700 > 2,500 with the default headroom ...
	count(rps_capacity.findings) == 1 with input as with_traffic(2000)

	# ... and 2,000 x 1.0 + 300 = 2,300 fits without headroom.
	rps_capacity.findings == set() with input as with_traffic(2000)
		with data.apigw.params as {"MIG001": {"rpsHeadroom": 0}}

	# ... and 2,000 x 1.5 + 300 = 3,300 with 50%.
	fs := rps_capacity.findings with input as with_traffic(2000)
		with data.apigw.params as {"MIG001": {"rpsHeadroom": 0.5}}
	some f in fs
	contains(f.message, "needs 3,300 RPS")
	contains(f.message, "plus 50% headroom")
}

test_without_traffic_warns_when_cap_exceeds_limit if {
	snap := object.union(object.remove(fixture.healthy, ["traffic"]), {"group": {"TrafficLimit": "5000"}})
	fs := rps_capacity.findings with input as snap
	count(fs) == 1
	some f in fs
	f.severity == "warning"
	f.path == ["group", "TrafficLimit"]
	f.message == "could not check the RPS capacity of apigateway-hz-ab12cd34ef56 (api.s1.small) for group orders (523e8dc7bbe04613b5b1d726c2a7889d) against its real peak: traffic was not collected, and the group may take up to 5,000 RPS (its TrafficLimit) but apigateway-hz-ab12cd34ef56 (api.s1.small) allows 2,500; upgrade to api.s1.medium (5,000) with ModifyInstanceSpec before migrating"
}

test_without_traffic_quiet_when_cap_fits if {
	rps_capacity.findings == set() with input as object.remove(fixture.healthy, ["traffic"])
}

test_without_traffic_or_cap_could_not_check if {
	snap := object.union(object.remove(fixture.healthy, ["traffic"]), {"group": {"TrafficLimit": null}})
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
	snap := object.union(fixture.healthy, {"destination": {"InstanceRpsLimit": 0, "InstanceSpec": "api.s9.huge"}})
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
	inp := object.union(object.remove(fixture.healthy, ["traffic"]), {"collectionErrors": qps_forbidden})
	rps_capacity.findings == {collection_undecided} with input as inp
}

# A peak of 0 written beside a failed read is not a reading: still undecided.
test_failed_qps_read_with_zero_peak_is_undecided if {
	inp := object.union(with_traffic(0), {"collectionErrors": qps_forbidden})
	rps_capacity.findings == {collection_undecided} with input as inp
}

test_failed_destination_load_read_is_undecided if {
	inp := object.union(fixture.healthy, {"collectionErrors": [{"call": "DescribeInstanceQps", "code": "Throttling"}]})
	{[f.key, f.undecided, f.path] | some f in rps_capacity.findings with input as inp} == {["collection-errors", true, ["collectionErrors", 0]]}
}

test_failed_reads_of_other_rules_quiet if {
	inp := object.union(fixture.healthy, {"collectionErrors": [{"call": "DescribeApis", "code": "Forbidden.RAM"}]})
	rps_capacity.findings == set() with input as inp
}

# Traffic absent and the cap above the limit: undecided, not a pass.
test_cap_above_limit_is_undecided if {
	snap := object.union(object.remove(fixture.healthy, ["traffic"]), {"group": {"TrafficLimit": 5000}})
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
		inp := object.union(fixture.healthy, {"destinationLoad": {"peakRps": v}})
		{[f.key, f.undecided, f.path] | some f in rps_capacity.findings with input as inp} == {["load-missing", true, ["destinationLoad", "peakRps"]]}
	}
}

test_negative_cap_without_traffic_is_undecided if {
	snap := object.union(object.remove(fixture.healthy, ["traffic"]), {"group": {"TrafficLimit": -5}})
	{[f.key, f.undecided] | some f in rps_capacity.findings with input as snap} == {["traffic-missing", true]}
}

test_serverless_group_limit_is_a_parameter if {
	# 1,700 x 1.2 + 300 = 2,340: fits the Serverless page's 2,500, not the Limits page's 2,000.
	snap := object.union(with_traffic(1700), {"destination": {"InstanceType": "VPC_SHARED", "InstanceRpsLimit": null, "InstanceSpec": null}})
	rps_capacity.findings == set() with input as snap
	rps_capacity.findings == {{
		"message": "group orders (523e8dc7bbe04613b5b1d726c2a7889d) needs 2,340 RPS on apigateway-hz-ab12cd34ef56 but it allows 2,000: peak 1,700 RPS (maximum observed over 2026-11-13T08:00:00Z to 2026-11-20T08:00:00Z) plus 20% headroom plus 300 RPS already on the destination; upgrade to api.s1.small (2,500) with ModifyInstanceSpec before migrating",
		"remediation": "Pick a dedicated instance of at least api.s1.small (2,500 RPS) as the destination instead of apigateway-hz-ab12cd34ef56 (a serverless instance allows 2,000 RPS per group and cannot be upgraded), or buy one in the console under Instances and Clusters > Dedicated Instances.",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "InstanceSpec"],
		"key": "capacity",
	}} with input as snap with data.apigw.params as {"MIG001": {"serverlessGroupRps": 2000}}
}
