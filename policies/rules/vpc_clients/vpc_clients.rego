# METADATA
# title: VPC callers are covered by the destination's VPC binding
# description: >-
#   Callers inside VPCs reach the group over its VPC second-level domain
#   (group.VpcDomain) and, on serverless instances, through the group's VPC
#   whitelist (DescribeApiGroupVpcWhitelist VpcIds, a comma-separated list;
#   snapshot section vpcWhitelist). A dedicated instance serves its VPC
#   domain to the VPC bound to the instance (destination.UserVpcId, with
#   IntranetSegments the CIDRs allowed in). Warning for each whitelisted VPC
#   other than the destination's UserVpcId, and when the group uses its VPC
#   domain while the destination has no VPC binding at all. How the group
#   whitelist maps onto a dedicated instance's binding is not fully
#   documented, so this is a warning, never an error. With the VPC domain in
#   use and no vpcWhitelist collected (or its read failed) the rule says it
#   could not check.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/access-api-gateway-over-a-vpc
#     description: Access API Gateway over a VPC (the VPC bound to a dedicated instance)
# custom:
#   id: MIG024
#   name: vpc-clients
#   severity: warning
#   remediation: >-
#     Bind the callers' VPC to the destination before migrating (console
#     Instances and Clusters > Dedicated Instances > instance > VPC access
#     binding; OpenAPI ModifyInstanceVpcAttributeForConsole), or connect the
#     callers' VPC to the bound one, then test a call from each VPC after the
#     switch.
#   tags: [network, vpc]
package apigw.rules.vpc_clients

import data.apigw.lib

_vpc_domain := trim_space(lib.get(lib.group, "VpcDomain"))

_whitelist := lib.obj(input.vpcWhitelist) if is_object(input.vpcWhitelist)

_whitelisted := {v | some v in lib.list(object.get(_whitelist, "VpcIds", null))}

_user_vpc := trim_space(lib.get(lib.destination, "UserVpcId"))

_segments := lib.list(object.get(lib.destination, "IntranetSegments", null))

_segments_text := concat(", ", _segments) if count(_segments) > 0

else := "none"

_applies if {
	lib.instance_kind(lib.destination) != "serverless"
	not lib.already_migrated
}

_bind_hint(vpc) := sprintf(
	"bind %s to %s (console Instances and Clusters > Dedicated Instances > %s > VPC access binding; OpenAPI `aliyun cloudapi ModifyInstanceVpcAttributeForConsole --InstanceId %s --VpcId %s --VswitchId <vswitch>`), or connect %s to the bound VPC",
	[vpc, lib.destination_id, lib.destination_id, lib.destination_id, vpc, vpc],
)

# Whitelisted VPCs the destination's binding does not name.
findings contains lib.finding({
	"message": sprintf(
		"group %s is called over VPC from %s (VPC whitelist), but destination %s is bound to %s (IntranetSegments %s), so callers in %s may lose the group after the migration",
		[lib.label_group, concat(", ", sort(_uncovered)), lib.destination_id, _bound_text, _segments_text, concat(", ", sort(_uncovered))],
	),
	"remediation": sprintf(
		"Before migrating, %s; then call the group from each of those VPCs after the switch. The mapping of the group whitelist to a dedicated instance's binding is not fully documented: test it.",
		[concat("; ", [_bind_hint(v) | some v in sort(_uncovered)])],
	),
	"resource": lib.destination_resource,
	"path": ["vpcWhitelist", "VpcIds"],
	"key": "whitelist",
}) if {
	_applies
	count(_uncovered) > 0
}

_uncovered := {v | some v in _whitelisted; v != _user_vpc}

_bound_text := sprintf("VPC %s", [_user_vpc]) if _user_vpc != ""

else := "no VPC"

# The VPC domain is in use, no whitelist names a VPC, and the destination binds none.
findings contains lib.finding({
	"message": sprintf(
		"group %s is reached over VPC at %s, but destination %s has no VPC bound (UserVpcId is empty), so its VPC callers may lose the group after the migration",
		[lib.label_group, _vpc_domain, lib.destination_id],
	),
	"remediation": sprintf(
		"Before migrating, %s; then call %s from that VPC after the switch.",
		[_bind_hint("the callers' VPC"), _vpc_domain],
	),
	"resource": lib.destination_resource,
	"path": ["destination", "UserVpcId"],
	"key": "no-binding",
}) if {
	_applies
	_vpc_domain != ""
	_whitelist
	count(_whitelisted) == 0
	_user_vpc == ""
}

findings contains lib.undecided({
	"check": sprintf(
		"which VPCs call group %s over %s: the group's VPC whitelist was not collected, so it cannot be compared with destination %s's VPC binding (%s)",
		[lib.label_group, _vpc_domain, lib.destination_id, _bound_text],
	),
	"remediation": sprintf(
		"Re-collect the snapshot with this release (the collector needs apigateway:DescribeApiGroupVpcWhitelist), or run `aliyun cloudapi DescribeApiGroupVpcWhitelist --GroupId %s` and compare its VpcIds with the destination's VPC binding.",
		[lib.group_id],
	),
	"resource": lib.group_resource,
	"path": ["vpcWhitelist"],
	"key": "whitelist-missing",
}) if {
	_applies
	_vpc_domain != ""
	not _whitelist
	not lib.collection_undecided("MIG024", "")
}

findings contains f if {
	# First, so that a snapshot without failed reads builds no text.
	count(lib.collection_errors) > 0
	f := lib.collection_undecided("MIG024", sprintf("which VPCs call group %s and whether destination %s's VPC binding covers them", [lib.label_group, lib.destination_id]))
}
