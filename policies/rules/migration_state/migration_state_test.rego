package apigw.rules.migration_state_test

import data.apigw.fixture
import data.apigw.rules.migration_state as rule

run(inp) := fs if {
	fs := rule.findings with input as inp
}

test_healthy_quiet if {
	run(fixture.healthy) == set()
}

test_success_quiet if {
	run(fixture.patched({"group": {"MigrationStatus": "Success"}})) == set()
}

test_running_errors if {
	rule.findings == {{
		"message": "Group orders (523e8dc7bbe04613b5b1d726c2a7889d) has a migration in flight (MigrationStatus Running, instance api-shared-vpc-001), so a new migration must not be started.",
		"remediation": "Wait until the running migration ends: poll `aliyun cloudapi DescribeApiGroup --GroupId 523e8dc7bbe04613b5b1d726c2a7889d` until MigrationStatus is no longer Running (it takes 1 to 10 minutes), then collect the snapshot again and check whether InstanceId is already apigateway-hz-ab12cd34ef56.",
		"resource": {"id": "523e8dc7bbe04613b5b1d726c2a7889d", "kind": "group", "name": "orders"},
		"path": ["group", "MigrationStatus"],
		"key": "running",
		"waivable": false,
	}} with input as fixture.patched({"group": {"MigrationStatus": "Running"}})
}

test_running_any_case if {
	[f] := [f | some f in run(fixture.patched({"group": {"MigrationStatus": "RUNNING"}}))]
	not f.severity
}

test_failed_quotes_error if {
	some status in ["Failed", "Fail", "FAILED"]
	[f] := [f | some f in run(fixture.patched({"group": {"MigrationStatus": status, "MigrationError": "target instance is not running"}}))]
	f.severity == "warning"
	f.message == sprintf("The last migration of group orders (523e8dc7bbe04613b5b1d726c2a7889d) failed (MigrationStatus %s): \"target instance is not running\".", [status])
	contains(f.remediation, "aliyun cloudapi ModifyApiGroupInstance --GroupId 523e8dc7bbe04613b5b1d726c2a7889d --TargetInstanceId apigateway-hz-ab12cd34ef56")
}

test_failed_without_error if {
	[f] := [f | some f in run(fixture.replaced("group", object.remove(object.union(fixture.healthy.group, {"MigrationStatus": "Fail"}), ["MigrationError"])))]
	endswith(f.message, "(MigrationStatus Fail): no MigrationError given.")
}
