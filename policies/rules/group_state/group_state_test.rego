package apigw.rules.group_state_test

import data.apigw.rules.group_state as rule

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

# replace_part(part, obj) swaps a whole cloud object (object.union would keep
# removed keys).
replace_part(part, obj) := object.union(object.remove(healthy, [part]), {part: obj})

run(inp) := fs if {
	fs := rule.findings with input as inp
}

by_key(inp) := {f.key: f | some f in run(inp)}

test_healthy_quiet if {
	count(run(healthy)) == 0
}

test_missing_billing_and_illegal_quiet if {
	inp := replace_part("group", object.remove(healthy.group, ["BillingStatus", "IllegalStatus"]))
	count(run(inp)) == 0
}

test_status_not_normal if {
	fs := by_key(with_part("group", {"Status": "DELETED"}))
	count(fs) == 1
	fs.status.severity == "error"
	fs.status.message == "Group orders (523e8dc7bbe04613b5b1d726c2a7889d) has Status DELETED, not NORMAL, so it cannot be migrated."
	fs.status.path == ["group", "Status"]
}

test_status_any_case if {
	count(run(with_part("group", {"Status": "normal", "BillingStatus": "normal"}))) == 0
}

test_status_missing_warns if {
	inp := replace_part("group", object.remove(healthy.group, ["Status"]))
	f := by_key(inp).status
	f.severity == "warning"
	startswith(f.message, "could not check the state of group orders")
}

test_billing_locked if {
	fs := by_key(with_part("group", {"BillingStatus": "LOCKED"}))
	count(fs) == 1
	fs.billing.message == "Group orders (523e8dc7bbe04613b5b1d726c2a7889d) is locked for billing (BillingStatus LOCKED), so it cannot be migrated."
	contains(fs.billing.remediation, "aliyun cloudapi DescribeApiGroup --GroupId 523e8dc7bbe04613b5b1d726c2a7889d")
}

test_illegal_locked_any_case if {
	fs := by_key(with_part("group", {"IllegalStatus": "locked"}))
	count(fs) == 1
	fs.illegal.path == ["group", "IllegalStatus"]
	fs.illegal.severity == "error"
}

test_all_three if {
	fs := by_key(with_part("group", {"Status": "FROZEN", "IllegalStatus": "LOCKED", "BillingStatus": "LOCKED"}))
	object.keys(fs) == {"status", "billing", "illegal"}
}
