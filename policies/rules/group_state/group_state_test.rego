package apigw.rules.group_state_test

import data.apigw.fixture
import data.apigw.rules.group_state as rule

run(inp) := fs if {
	fs := rule.findings with input as inp
}

by_key(inp) := {f.key: f | some f in run(inp)}

test_healthy_quiet if {
	run(fixture.healthy) == set()
}

test_missing_billing_and_illegal_quiet if {
	inp := fixture.replaced("group", object.remove(fixture.healthy.group, ["BillingStatus", "IllegalStatus"]))
	run(inp) == set()
}

test_status_not_normal if {
	rule.findings == {{
		"message": "Group orders (523e8dc7bbe04613b5b1d726c2a7889d) has Status DELETED, not NORMAL, so it cannot be migrated.",
		"remediation": "Find out why the group is not NORMAL in the API Gateway console > API Groups > orders (523e8dc7bbe04613b5b1d726c2a7889d) > Group Details and resolve it (open a support ticket if the reason is not shown); migrate only when `aliyun cloudapi DescribeApiGroup --GroupId 523e8dc7bbe04613b5b1d726c2a7889d` reports Status NORMAL.",
		"resource": {"id": "523e8dc7bbe04613b5b1d726c2a7889d", "kind": "group", "name": "orders"},
		"path": ["group", "Status"],
		"key": "status",
	}} with input as fixture.patched({"group": {"Status": "DELETED"}})
}

test_status_any_case if {
	run(fixture.patched({"group": {"Status": "normal", "BillingStatus": "normal"}})) == set()
}

test_status_missing_warns if {
	inp := fixture.replaced("group", object.remove(fixture.healthy.group, ["Status"]))
	f := by_key(inp).status
	f.severity == "warning"
	startswith(f.message, "could not check the state of group orders")
}

test_billing_locked if {
	fs := by_key(fixture.patched({"group": {"BillingStatus": "LOCKED"}}))
	count(fs) == 1
	fs.billing.message == "Group orders (523e8dc7bbe04613b5b1d726c2a7889d) is locked for billing (BillingStatus LOCKED), so it cannot be migrated."
	contains(fs.billing.remediation, "aliyun cloudapi DescribeApiGroup --GroupId 523e8dc7bbe04613b5b1d726c2a7889d")
}

test_illegal_locked_any_case if {
	fs := by_key(fixture.patched({"group": {"IllegalStatus": "locked"}}))
	count(fs) == 1
	fs.illegal.path == ["group", "IllegalStatus"]
	not fs.illegal.severity
}

test_all_three if {
	fs := by_key(fixture.patched({"group": {"Status": "FROZEN", "IllegalStatus": "LOCKED", "BillingStatus": "LOCKED"}}))
	object.keys(fs) == {"status", "billing", "illegal"}
}
