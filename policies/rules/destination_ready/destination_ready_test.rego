package apigw.rules.destination_ready_test

import data.apigw.rules.destination_ready as rule

healthy := {
	"schemaVersion": "apigw-preflight/v1",
	"collectedAt": "2026-11-20T08:00:00Z",
	"regionId": "cn-hangzhou",
	"group": {
		"GroupId": "523e8dc7bbe04613b5b1d726c2a7889d", "GroupName": "orders",
		"RegionId": "cn-hangzhou", "InstanceId": "api-shared-vpc-001",
		"InstanceType": "VPC_SHARED", "Status": "NORMAL", "BillingStatus": "NORMAL",
		"IllegalStatus": "NORMAL", "MigrationStatus": "", "MigrationError": "",
	},
	"source": {
		"InstanceId": "api-shared-vpc-001", "InstanceName": "Serverless (VPC)",
		"InstanceType": "VPC_SHARED", "RegionId": "cn-hangzhou", "Status": "RUNNING",
	},
	"destination": {
		"InstanceId": "apigateway-hz-ab12cd34ef56", "InstanceName": "orders-dedicated",
		"InstanceType": "VPC_DEDICATED", "DedicatedInstanceType": "normal",
		"RegionId": "cn-hangzhou", "Status": "RUNNING", "InstanceChargeType": "PostPay",
		"ExpiredTime": "",
	},
}

# with_part(part, fields) merges fields into one of the cloud objects.
with_part(part, fields) := object.union(healthy, {part: object.union(healthy[part], fields)})

replace_part(part, obj) := object.union(object.remove(healthy, [part]), {part: obj})

run(inp) := fs if {
	fs := rule.findings with input as inp
}

expiring(v) := with_part("destination", {"ExpiredTime": v, "InstanceChargeType": "PrePay"})

test_healthy_quiet if {
	count(run(healthy)) == 0
}

test_pay_as_you_go_forms_quiet if {
	some v in ["", "  ", 0, "0", null]
	count(run(expiring(v))) == 0
}

test_missing_expired_time_quiet if {
	count(run(replace_part("destination", object.remove(healthy.destination, ["ExpiredTime"])))) == 0
}

test_status_not_running if {
	[f] := [f | some f in run(with_part("destination", {"Status": "STOPPED"}))]
	f.severity == "error"
	f.key == "status"
	f.path == ["destination", "Status"]
	f.message == "Destination apigateway-hz-ab12cd34ef56 has Status STOPPED, not RUNNING, so it cannot take group orders (523e8dc7bbe04613b5b1d726c2a7889d)."
	contains(f.remediation, "aliyun cloudapi DescribeInstances --InstanceId apigateway-hz-ab12cd34ef56")
}

test_status_any_case if {
	count(run(with_part("destination", {"Status": "Running"}))) == 0
}

test_status_missing_warns if {
	[f] := [f | some f in run(replace_part("destination", object.remove(healthy.destination, ["Status"])))]
	f.severity == "warning"
	startswith(f.message, "could not check whether destination apigateway-hz-ab12cd34ef56 is running")
}

# 2026-12-01T00:00:00Z is 1796083200000 ms, 10 days and 16 hours after collectedAt.
test_expiry_forms_within_window if {
	some v in [
		1796083200000, "1796083200000", " 1796083200000 ",
		"2026-12-01", "2026-12-01T00:00:00Z", "2026-12-01T08:00:00+08:00",
		"2026-12-01 00:00:00", "2026-12-01T00:00:00.000Z",
	]
	[f] := [f | some f in run(expiring(v))]
	f.severity == "warning"
	f.key == "expiry"
	f.path == ["destination", "ExpiredTime"]
	f.message == "Destination apigateway-hz-ab12cd34ef56 expires on 2026-12-01, 10 days after the snapshot was taken (2026-11-20T08:00:00Z), within the 30-day window."
	contains(f.remediation, "Instances > apigateway-hz-ab12cd34ef56 > Renew")
}

test_expiry_outside_window_quiet if {
	some v in ["2027-01-01", "2026-12-20T08:00:01Z", 1798761600000]
	count(run(expiring(v))) == 0
}

test_expiry_window_boundary if {
	# exactly 30 days after collectedAt: inside the window
	[f] := [f | some f in run(expiring("2026-12-20T08:00:00Z"))]
	contains(f.message, "30 days after")
}

test_expiry_less_than_a_day if {
	[f] := [f | some f in run(expiring("2026-11-20T20:00:00Z"))]
	contains(f.message, "expires on 2026-11-20, less than a day after")
}

test_expiry_uses_collected_at_not_clock if {
	inp := object.union(expiring("2031-01-10"), {"collectedAt": "2031-01-01T00:00:00Z"})
	[f] := [f | some f in run(inp)]
	contains(f.message, "9 days after the snapshot was taken (2031-01-01T00:00:00Z)")
}

test_window_override if {
	count(run(expiring("2026-12-01"))) == 1
	count(run(expiring("2026-12-01"))) == 0 with data.apigw.params as {"MIG011": {"expiryWindowDays": 5}}
	count(run(expiring("2026-12-01"))) == 1 with data.apigw.params as {"MIG011": {"expiryWindowDays": 11}}
}

test_window_override_loose if {
	fs := run(expiring("2027-01-15")) with data.apigw.params as {"MIG011": {"expiryWindowDays": 60}}
	[f] := [f | some f in fs]
	contains(f.message, "within the 60-day window")
	count(run(expiring("2026-12-01"))) == 0 with data.apigw.params as {"MIG011": {"expiryWindowDays": 5}}
}

test_already_expired_errors if {
	[f] := [f | some f in run(expiring("2026-11-01"))]
	f.severity == "error"
	f.message == "Destination apigateway-hz-ab12cd34ef56 expired on 2026-11-01, before the snapshot was taken (2026-11-20T08:00:00Z), so it will not serve group orders (523e8dc7bbe04613b5b1d726c2a7889d)."
}

test_unparseable_expiry_warns_without_error if {
	some v in ["next year", "2026-02-30", "2026-13-01", "2026-12-01T25:00:00Z", "99999999999999999999", true, {"ms": 1}, "1e400"]
	[f] := [f | some f in run(expiring(v))]
	f.severity == "warning"
	startswith(f.message, "could not check when destination apigateway-hz-ab12cd34ef56 expires: ExpiredTime ")
}

test_bad_collected_at_warns if {
	inp := object.union(expiring("2026-12-01"), {"collectedAt": "yesterday"})
	[f] := [f | some f in run(inp)]
	f.severity == "warning"
	f.path == ["collectedAt"]
	startswith(f.message, "could not check when destination apigateway-hz-ab12cd34ef56 expires relative to the snapshot")
}

expiry_undecided(raw) := {
	"severity": "warning",
	"undecided": true,
	"message": sprintf("could not check when destination apigateway-hz-ab12cd34ef56 expires: ExpiredTime %s is neither whole epoch milliseconds (from the year 2000 on) nor a date.", [raw]),
	"remediation": "Read the instance's expiry with `aliyun cloudapi DescribeInstances --InstanceId apigateway-hz-ab12cd34ef56` or in the API Gateway console > Instances > apigateway-hz-ab12cd34ef56, and correct ExpiredTime in the snapshot (epoch milliseconds or YYYY-MM-DD).",
	"resource": {"kind": "instance", "id": "apigateway-hz-ab12cd34ef56", "name": "orders-dedicated"},
	"path": ["destination", "ExpiredTime"],
	"key": "expiry",
}

# Numbers that are no expiry time (the smallest float, a fraction, epoch
# seconds, negatives, absurd values) are "could not check", never an
# evaluation error and never a computed date.
test_unusable_expiry_numbers_are_undecided if {
	every v in [5e-324, 0.5, 1796083200000.5, 1796083200, -1796083200000, 1e300, "5e-324", "-1", "1796083200.25"] {
		run(expiring(v)) == {expiry_undecided(json.marshal(v))}
	}
}

test_unusable_expiry_values_are_undecided if {
	every v in ["next year", "2026-02-30", "1e400", true, {"ms": 1}, [1796083200000]] {
		run(expiring(v)) == {expiry_undecided(json.marshal(v))}
	}
}
