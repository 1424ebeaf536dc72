# METADATA
# title: Custom group RPS needs a support ticket
# description: >-
#   The migration procedure says a group whose RPS limit was changed from the
#   default cannot be moved self-service: Alibaba Cloud support migrates it
#   through a ticket. The rule fires when group.TrafficLimit differs from the
#   default group RPS (defaultGroupRps, 500, the shared-instance figure) and the
#   group is on a serverless source (source.InstanceType VPC_SHARED; the
#   group's InstanceType when the source does not say): on a dedicated
#   instance a group has no RPS limit of its own (the instance's applies), so
#   there is no finding. The usual resolution is a waiver that records the
#   ticket number once support has taken the migration on. When TrafficLimit
#   is missing or not a number, or the source's kind is unknown, it says it
#   could not check.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances ("If you have changed the RPS for an API group, submit a ticket")
# custom:
#   id: MIG002
#   name: custom-rps-ticket
#   severity: error
#   remediation: >-
#     Submit a ticket to Alibaba Cloud support (console: Tickets > Create
#     Ticket > API Gateway) asking them to migrate the group to the destination
#     instance, then record the ticket number in a waiver for MIG002.
#   tags: [procedure, capacity]
#   ticket_required: true
#   params:
#     - name: defaultGroupRps
#       type: integer
#       default: 500
#       min: 1
#       description: >-
#         The default group RPS limit; a group whose TrafficLimit differs from
#         it needs a support ticket.
package apigw.rules.custom_rps_ticket

import data.apigw.lib

_default_rps := lib.param(rego.metadata.chain(), "defaultGroupRps")

_traffic_limit := lib.num(object.get(lib.group, "TrafficLimit", null))

_source_type := upper(trim_space(lib.get(lib.source, "InstanceType")))

_group_type := upper(trim_space(lib.get(lib.group, "InstanceType")))

# Only a group on a serverless instance has an RPS limit of its own.
_serverless if _source_type == "VPC_SHARED"

_serverless if {
	_source_type == ""
	_group_type == "VPC_SHARED"
}

_kind_unknown if {
	_source_type == ""
	_group_type == ""
}

findings contains lib.finding({
	"message": sprintf(
		"group %s has a custom RPS limit of %s (TrafficLimit, default %s), so it can only be moved to %s by Alibaba Cloud support through a ticket; the usual resolution is a waiver recording that ticket",
		[lib.label_group, lib.thousands(_traffic_limit), lib.thousands(_default_rps), lib.destination_id],
	),
	"remediation": sprintf(
		"Submit a ticket to Alibaba Cloud support (console: Tickets > Create Ticket, product API Gateway) asking them to migrate group %s from %s to %s with its custom RPS limit of %s, then add a waiver for MIG002 on this group that records the ticket number; do not run ModifyApiGroupInstance yourself.",
		[
			lib.label_group, lib.get(lib.group, "InstanceId"),
			lib.destination_id, lib.thousands(_traffic_limit),
		],
	),
	"resource": lib.group_resource,
	"path": ["group", "TrafficLimit"],
}) if {
	_serverless
	_traffic_limit != _default_rps
}

findings contains lib.undecided({
	"check": sprintf(
		"whether group %s's custom RPS limit of %s (TrafficLimit, default %s) needs a support ticket: the source's InstanceType is missing, and only a group on a serverless instance (VPC_SHARED) has an RPS limit of its own",
		[lib.label_group, lib.thousands(_traffic_limit), lib.thousands(_default_rps)],
	),
	"remediation": sprintf(
		"Re-collect the snapshot so that source.InstanceType is filled in from DescribeInstances (`aliyun cloudapi DescribeInstances --InstanceId %s`); if it is VPC_SHARED, submit a ticket before migrating.",
		[lib.get(lib.group, "InstanceId")],
	),
	"resource": lib.group_resource,
	"path": ["source", "InstanceType"],
	"key": "source-kind",
}) if {
	_kind_unknown
	_traffic_limit != _default_rps
}

findings contains lib.undecided({
	"check": sprintf(
		"whether group %s has a custom RPS limit: group.TrafficLimit is missing or not a number",
		[lib.label_group],
	),
	"remediation": sprintf(
		"Re-collect the snapshot so that group.TrafficLimit is filled in from DescribeApiGroup (`aliyun cloudapi DescribeApiGroup --GroupId %s`); if it differs from %s, submit a ticket before migrating.",
		[lib.group_id, lib.thousands(_default_rps)],
	),
	"resource": lib.group_resource,
	"path": ["group", "TrafficLimit"],
}) if {
	not _traffic_limit
	not _dedicated_source
}

_dedicated_source if {
	not _serverless
	not _kind_unknown
}
