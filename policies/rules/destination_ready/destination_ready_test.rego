package apigw.rules.destination_ready_test

import data.apigw.fixture
import data.apigw.rules.destination_ready as rule

run(inp) := fs if {
	fs := rule.findings with input as inp
}

expiring(v) := fixture.patched({"destination": {"ExpiredTime": v, "InstanceChargeType": "PrePay"}})

test_healthy_quiet if {
	run(fixture.healthy) == set()
}

test_pay_as_you_go_forms_quiet if {
	some v in ["", "  ", 0, "0", null]
	run(expiring(v)) == set()
}

test_missing_expired_time_quiet if {
	run(fixture.replaced("destination", object.remove(fixture.healthy.destination, ["ExpiredTime"]))) == set()
}

test_status_not_running if {
	rule.findings == {{
		"message": "Destination apigateway-hz-ab12cd34ef56 has Status STOPPED, not RUNNING, so it cannot take group orders (523e8dc7bbe04613b5b1d726c2a7889d).",
		"remediation": "Wait until the instance is RUNNING or resolve its state in the API Gateway console > Instances > apigateway-hz-ab12cd34ef56 (renew it if it expired or was stopped for overdue payment); migrate only when `aliyun cloudapi DescribeInstances --InstanceId apigateway-hz-ab12cd34ef56` reports Status RUNNING.",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "Status"],
		"key": "status",
		"waivable": false,
	}} with input as fixture.patched({"destination": {"Status": "STOPPED"}})
}

test_status_any_case if {
	run(fixture.patched({"destination": {"Status": "Running"}})) == set()
}

test_status_missing_warns if {
	[f] := [f | some f in run(fixture.replaced("destination", object.remove(fixture.healthy.destination, ["Status"])))]
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
	run(expiring(v)) == set()
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
	run(expiring("2026-12-01")) == set() with data.apigw.params as {"MIG011": {"expiryWindowDays": 5}}
	count(run(expiring("2026-12-01"))) == 1 with data.apigw.params as {"MIG011": {"expiryWindowDays": 11}}
}

test_window_override_loose if {
	fs := run(expiring("2027-01-15")) with data.apigw.params as {"MIG011": {"expiryWindowDays": 60}}
	[f] := [f | some f in fs]
	contains(f.message, "within the 60-day window")
	run(expiring("2026-12-01")) == set() with data.apigw.params as {"MIG011": {"expiryWindowDays": 5}}
}

test_already_expired_errors if {
	[f] := [f | some f in run(expiring("2026-11-01"))]
	not f.severity
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
