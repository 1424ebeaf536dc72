# METADATA
# title: No migration in flight, last migration did not fail
# description: >-
#   ModifyApiGroupInstance is asynchronous: while group.MigrationStatus is
#   Running a migration is in flight and another must not be started (error).
#   Failed (the API documentation also shows Fail) means the last attempt did
#   not happen; the rule quotes group.MigrationError so the cause is fixed
#   before retrying (warning). Values are compared case-insensitively; empty
#   and Success are quiet. No waiver accepts a migration in flight (the
#   finding says waivable false); a failed last migration can be waived.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances
# custom:
#   id: MIG012
#   name: migration-state
#   severity: error
#   remediation: >-
#     Wait for the running migration to finish (poll aliyun cloudapi
#     DescribeApiGroup --GroupId ... until MigrationStatus is no longer
#     Running); after a failure, fix the cause named in MigrationError before
#     retrying.
#   tags: [procedure]
package apigw.rules.migration_state

import data.apigw.lib

_status := trim_space(lib.get(lib.group, "MigrationStatus"))

_error_text := sprintf("%q", [trim_space(lib.get(lib.group, "MigrationError"))]) if lib.set(lib.get(lib.group, "MigrationError"))

_error_text := "no MigrationError given" if not lib.set(lib.get(lib.group, "MigrationError"))

findings contains lib.finding({
	"message": sprintf("Group %s has a migration in flight (MigrationStatus %s, instance %s), so a new migration must not be started.", [lib.label_group, _status, lib.get(lib.group, "InstanceId")]),
	"remediation": sprintf("Wait until the running migration ends: poll `aliyun cloudapi DescribeApiGroup --GroupId %s` until MigrationStatus is no longer Running (it takes 1 to 10 minutes), then collect the snapshot again and check whether InstanceId is already %s.", [lib.group_id, lib.destination_id]),
	"resource": lib.group_resource,
	"path": ["group", "MigrationStatus"],
	"key": "running",
	"waivable": false,
}) if {
	lower(_status) == "running"
}

findings contains lib.finding({
	"severity": "warning",
	"message": sprintf("The last migration of group %s failed (MigrationStatus %s): %s.", [lib.label_group, _status, _error_text]),
	"remediation": sprintf("Fix the cause named in MigrationError before migrating again; `aliyun cloudapi DescribeApiGroup --GroupId %s` shows MigrationStatus and MigrationError, and a retry is `aliyun cloudapi ModifyApiGroupInstance --GroupId %s --TargetInstanceId %s` once every other check passes.", [lib.group_id, lib.group_id, lib.destination_id]),
	"resource": lib.group_resource,
	"path": ["group", "MigrationError"],
	"key": "failed",
}) if {
	lower(_status) in {"failed", "fail"}
}
