# METADATA
# title: Group is in a normal, unlocked state
# description: >-
#   A group can only be migrated when it is in service: group.Status must be
#   NORMAL, and neither BillingStatus nor IllegalStatus may be LOCKED (an
#   overdue payment or a content violation locks a group). Values are compared
#   case-insensitively. A missing BillingStatus or IllegalStatus counts as not
#   locked; a missing Status is a warning that begins "could not check".
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/developer-reference/api-cloudapi-2016-07-14-describeapigroup
#     description: DescribeApiGroup (Status, BillingStatus, IllegalStatus)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances
# custom:
#   id: MIG014
#   name: group-state
#   severity: error
#   remediation: >-
#     Bring the group back to normal before migrating: settle overdue payments
#     for a billing lock, contact Alibaba Cloud support for an illegal-content
#     lock, and confirm with aliyun cloudapi DescribeApiGroup --GroupId ...
#   tags: [procedure, state]
#   waivable: false
package apigw.rules.group_state

import data.apigw.lib

_status := trim_space(lib.get(lib.group, "Status"))

_describe := sprintf("`aliyun cloudapi DescribeApiGroup --GroupId %s`", [lib.group_id])

findings contains lib.finding({
	"message": sprintf("Group %s has Status %s, not NORMAL, so it cannot be migrated.", [lib.label_group, _status]),
	"remediation": sprintf("Find out why the group is not NORMAL in the API Gateway console > API Groups > %s > Group Details and resolve it (open a support ticket if the reason is not shown); migrate only when %s reports Status NORMAL.", [lib.label_group, _describe]),
	"resource": lib.group_resource,
	"path": ["group", "Status"],
	"key": "status",
}) if {
	lib.set(_status)
	upper(_status) != "NORMAL"
}

findings contains lib.undecided({
	"check": sprintf("the state of group %s: group.Status is missing.", [lib.label_group]),
	"remediation": sprintf("Collect the group again with %s and make sure the snapshot keeps its Status.", [_describe]),
	"resource": lib.group_resource,
	"path": ["group"],
	"key": "status",
}) if {
	not lib.set(_status)
}

findings contains lib.finding({
	"message": sprintf("Group %s is locked for billing (BillingStatus LOCKED), so it cannot be migrated.", [lib.label_group]),
	"remediation": sprintf("Settle the overdue payment in the Billing Management console (Expenses > Account Overview > Recharge); the lock lifts after payment, confirm with %s showing BillingStatus NORMAL.", [_describe]),
	"resource": lib.group_resource,
	"path": ["group", "BillingStatus"],
	"key": "billing",
}) if {
	upper(trim_space(lib.get(lib.group, "BillingStatus"))) == "LOCKED"
}

findings contains lib.finding({
	"message": sprintf("Group %s is locked for illegal content (IllegalStatus LOCKED), so it cannot be migrated.", [lib.label_group]),
	"remediation": sprintf("Remove the offending content behind the group's APIs and submit a ticket to Alibaba Cloud support to unlock the group; confirm with %s showing IllegalStatus NORMAL.", [_describe]),
	"resource": lib.group_resource,
	"path": ["group", "IllegalStatus"],
	"key": "illegal",
}) if {
	upper(trim_space(lib.get(lib.group, "IllegalStatus"))) == "LOCKED"
}
