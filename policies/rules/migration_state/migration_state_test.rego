package apigw.rules.migration_state_test

import data.apigw.rules.migration_state as rule

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

test_healthy_quiet if {
	count(run(healthy)) == 0
}

test_success_quiet if {
	count(run(with_part("group", {"MigrationStatus": "Success"}))) == 0
}

test_running_errors if {
	[f] := [f | some f in run(with_part("group", {"MigrationStatus": "Running"}))]
	f.severity == "error"
	f.key == "running"
	f.path == ["group", "MigrationStatus"]
	f.message == "Group orders (523e8dc7bbe04613b5b1d726c2a7889d) has a migration in flight (MigrationStatus Running, instance api-shared-vpc-001), so a new migration must not be started."
	contains(f.remediation, "aliyun cloudapi DescribeApiGroup --GroupId 523e8dc7bbe04613b5b1d726c2a7889d")
}

test_running_any_case if {
	[f] := [f | some f in run(with_part("group", {"MigrationStatus": "RUNNING"}))]
	f.severity == "error"
}

test_failed_quotes_error if {
	some status in ["Failed", "Fail", "FAILED"]
	[f] := [f | some f in run(with_part("group", {"MigrationStatus": status, "MigrationError": "target instance is not running"}))]
	f.severity == "warning"
	f.message == sprintf("The last migration of group orders (523e8dc7bbe04613b5b1d726c2a7889d) failed (MigrationStatus %s): \"target instance is not running\".", [status])
	contains(f.remediation, "aliyun cloudapi ModifyApiGroupInstance --GroupId 523e8dc7bbe04613b5b1d726c2a7889d --TargetInstanceId apigateway-hz-ab12cd34ef56")
}

test_failed_without_error if {
	[f] := [f | some f in run(replace_part("group", object.remove(object.union(healthy.group, {"MigrationStatus": "Fail"}), ["MigrationError"])))]
	endswith(f.message, "(MigrationStatus Fail): no MigrationError given.")
}
