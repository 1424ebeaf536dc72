package apigw.fleet.plan_capacity_test

import data.apigw.fixture
import data.apigw.fleet.plan_capacity

# group(id, name, peak) is the healthy snapshot for another group with its
# own peak, onto the same destination (api.s1.small, 2,500 RPS, 300 RPS load).
group(id, name, peak) := object.union(fixture.healthy, {
	"group": {"GroupId": id, "GroupName": name},
	"traffic": {"peakRps": peak},
})

planned(snaps) := {"plan": {}, "migrations": [{"snapshot": s, "candidate": false} | some s in snaps]}

test_two_groups_that_each_fit_exceed_together if {
	plan_capacity.findings == {{
		"message": "2 groups are planned onto apigateway-hz-ab12cd34ef56 (api.s1.small) and need 2,580 RPS together but it allows 2,500: orders (g1) 1,200, billing (g2) 1,080 RPS with 20% headroom, plus 300 RPS already on it; the smallest specification that fits them all is api.s1.medium (5,000 RPS)",
		"remediation": "Upgrade apigateway-hz-ab12cd34ef56 to api.s1.medium (5,000 RPS) before migrating the groups (`aliyun cloudapi ModifyInstanceSpec --InstanceId apigateway-hz-ab12cd34ef56 --InstanceSpec api.s1.medium`), or plan some of them onto another instance.",
		"resource": {"kind": "instance", "id": "apigateway-hz-ab12cd34ef56", "name": "orders-dedicated"},
		"key": "apigateway-hz-ab12cd34ef56",
	}} with input as planned([group("g1", "orders", 1000), group("g2", "billing", 900)])
}

test_quiet_when_they_fit_together if {
	plan_capacity.findings == set() with input as planned([group("g1", "orders", 800), group("g2", "billing", 900)])
}

test_quiet_for_one_group if {
	# MIG001 judges a group alone.
	plan_capacity.findings == set() with input as planned([group("g1", "orders", 3000)])
}

test_candidates_are_left_out if {
	inp := {"plan": {}, "migrations": [
		{"snapshot": group("g1", "orders", 1000), "candidate": false},
		{"snapshot": group("g2", "billing", 900), "candidate": true},
	]}
	plan_capacity.findings == set() with input as inp
}

test_uncollected_planned_group_is_undecided if {
	inp := {"plan": {}, "migrations": [
		{"snapshot": group("g1", "orders", 1000), "candidate": false, "group": "g1", "destination": "apigateway-hz-ab12cd34ef56"},
		{"candidate": false, "group": "g2", "destination": "apigateway-hz-ab12cd34ef56"},
	]}
	fs := plan_capacity.findings with input as inp
	count(fs) == 1
	some f in fs
	f.undecided
	contains(f.message, "the peak or the limit of g2 cannot be read")
}

test_group_already_on_the_destination_is_its_load if {
	there := object.union(group("g2", "billing", 900), {"group": {"InstanceId": "apigateway-hz-ab12cd34ef56"}})
	plan_capacity.findings == set() with input as planned([group("g1", "orders", 1000), there])
}

test_beyond_the_largest_spec if {
	fs := plan_capacity.findings with input as planned([group("g1", "orders", 30000), group("g2", "billing", 30000)])
	count(fs) == 1
	some f in fs
	endswith(f.message, "even api.s2.large.x6 (60,000 RPS) is too small for them together")
	startswith(f.remediation, "Even the largest specification, api.s2.large.x6 (60,000 RPS), is below the 72,300 RPS")
}

test_undecided_without_figures if {
	fs := plan_capacity.findings with input as planned([group("g1", "orders", 1000), object.remove(group("g2", "billing", 0), ["traffic"])])
	fs == {{
		"message": "could not check whether the 2 groups planned onto apigateway-hz-ab12cd34ef56 fit it together: the peak or the limit of billing (g2) cannot be read (MIG001 or the collection error says why)",
		"severity": "warning",
		"undecided": true,
		"remediation": "Fix what MIG001 reports on those migrations (collect their traffic, check the destination's specification) and run the audit again.",
		"resource": {"kind": "instance", "id": "apigateway-hz-ab12cd34ef56", "name": "orders-dedicated"},
		"key": "apigateway-hz-ab12cd34ef56",
	}}
}
