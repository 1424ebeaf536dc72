package apigw.rules.maintenance_window_test

import data.apigw.fixture
import data.apigw.rules.maintenance_window

# fixture.healthy is collected at 08:00Z.
window(start, end) := object.union(fixture.healthy, {"destination": {"MaintainStartTime": start, "MaintainEndTime": end}})

test_far_from_the_window_is_quiet if {
	maintenance_window.findings == set() with input as window("18:00Z", "22:00Z")
	maintenance_window.findings == set() with input as window("10:01Z", "12:00Z")
	maintenance_window.findings == set() with input as window("02:00Z", "05:59Z")
}

test_inside_the_window_warns if {
	maintenance_window.findings == {{
		"message": "the snapshot was taken at 08:00 UTC (2026-11-20T08:00:00Z), inside destination apigateway-hz-ab12cd34ef56's maintenance window 07:00-09:00 UTC, so migrating group orders (523e8dc7bbe04613b5b1d726c2a7889d) now may meet maintenance work on the destination",
		"remediation": "Migrate group orders (523e8dc7bbe04613b5b1d726c2a7889d) outside 07:00-09:00 UTC with at least 120 minutes to spare, and collect the snapshot again right before the migration (`aliyun cloudapi DescribeInstances --InstanceId apigateway-hz-ab12cd34ef56` shows MaintainStartTime and MaintainEndTime).",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "MaintainStartTime"],
		"key": "window",
	}} with input as window("07:00Z", "09:00Z")
}

test_window_across_midnight if {
	s := object.union(window("22:00Z", "09:00Z"), {"collectedAt": "2026-11-20T23:30:00Z"})
	[f] := [f | some f in maintenance_window.findings with input as s]
	contains(f.message, "taken at 23:30 UTC (2026-11-20T23:30:00Z), inside destination apigateway-hz-ab12cd34ef56's maintenance window 22:00-09:00 UTC")
	maintenance_window.findings == set() with input as object.union(window("22:00Z", "02:00Z"), {"collectedAt": "2026-11-20T04:01:00Z"})
}

test_close_to_the_window_warns if {
	[f] := [f | some f in maintenance_window.findings with input as window("09:30Z", "11:00Z")]
	contains(f.message, "08:00 UTC (2026-11-20T08:00:00Z), 90 minutes before destination apigateway-hz-ab12cd34ef56's maintenance window 09:30-11:00 UTC, so")
	[g] := [f | some f in maintenance_window.findings with input as window("06:00Z", "07:15Z")]
	contains(g.message, "45 minutes after destination apigateway-hz-ab12cd34ef56's maintenance window 06:00-07:15 UTC ended")
}

test_margin_is_a_parameter if {
	maintenance_window.findings == set() with input as window("09:30Z", "11:00Z") with data.apigw.params as {"MIG026": {"marginMinutes": 60}}
	count(maintenance_window.findings) == 1 with input as window("09:00Z", "11:00Z") with data.apigw.params as {"MIG026": {"marginMinutes": 60}}
}

test_missing_or_bad_window_is_undecided if {
	[f] := [f | some f in maintenance_window.findings with input as fixture.without("destination", {"MaintainStartTime", "MaintainEndTime"})]
	f.undecided
	f.message == "could not check whether the migration of group orders (523e8dc7bbe04613b5b1d726c2a7889d) meets destination apigateway-hz-ab12cd34ef56's maintenance window: the destination reports no MaintainStartTime/MaintainEndTime"
	[g] := [f | some f in maintenance_window.findings with input as window("2am", "04:00Z")]
	g.message == "could not check whether the migration of group orders (523e8dc7bbe04613b5b1d726c2a7889d) meets destination apigateway-hz-ab12cd34ef56's maintenance window: MaintainStartTime \"2am\" and MaintainEndTime \"04:00Z\" are not both UTC times like 02:00Z"
}

test_serverless_destination_is_quiet if {
	s := object.union(fixture.healthy, {"destination": {"InstanceType": "VPC_SHARED"}})
	maintenance_window.findings == set() with input as s
}
