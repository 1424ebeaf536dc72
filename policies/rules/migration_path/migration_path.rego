# METADATA
# title: Migration path is one the procedure covers
# description: >-
#   "Modify Instance for API Group Deployment" (ModifyApiGroupInstance) moves a
#   group from a serverless or dedicated instance to a dedicated instance in the
#   same region. When the destination is already the group's current instance
#   (group.InstanceId), the group is already migrated: the rule says so with a
#   note, its only finding, and the gate passes. Otherwise it checks that the
#   planned move is such a move: the destination's InstanceType is
#   VPC_DEDICATED; the destination's RegionId equals the group's
#   (group.RegionId, else the snapshot's regionId); the group is not on the
#   classic network (InstanceType CLASSIC_SHARED); and the snapshot's source is
#   the group's current instance (source.InstanceId equals group.InstanceId).
#   Each violated condition is its own finding with its own key. A missing
#   region on either side is a warning that begins "could not check".
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances
# custom:
#   id: MIG010
#   name: migration-path
#   severity: error
#   remediation: >-
#     Pick a dedicated (VPC_DEDICATED) instance in the group's region other than
#     the group's current instance (aliyun cloudapi DescribeInstances), and
#     collect the snapshot again so that source is the group's current
#     instance (aliyun cloudapi DescribeApiGroup --GroupId ...).
#   tags: [procedure]
#   waivable: false
package apigw.rules.migration_path

import data.apigw.lib

_group_instance := lib.get(lib.group, "InstanceId")

_dest_type := upper(trim_space(lib.get(lib.destination, "InstanceType")))

_group_region := r if {
	r := trim_space(lib.get(lib.group, "RegionId"))
	lib.set(r)
} else := trim_space(lib.get(input, "regionId"))

_group_region_path := ["group", "RegionId"] if lib.set(lib.get(lib.group, "RegionId"))

_group_region_path := ["regionId"] if not lib.set(lib.get(lib.group, "RegionId"))

_dest_region := trim_space(lib.get(lib.destination, "RegionId"))

_list_dedicated := sprintf("list the dedicated instances in %s with `aliyun cloudapi DescribeInstances --RegionId %s` and pick one whose InstanceType is VPC_DEDICATED", [_group_region, _group_region])

# ---- destination is a dedicated instance -------------------------------------

findings contains lib.finding({
	"message": sprintf("Destination %s has InstanceType %s, but a group can only be moved to a dedicated instance (VPC_DEDICATED).", [lib.destination_id, _type_text]),
	"remediation": sprintf("Choose a dedicated instance as the destination: %s, or buy one in the API Gateway console > Instances > Create Instance; then collect the snapshot again.", [_list_dedicated]),
	"resource": lib.destination_resource,
	"path": ["destination", "InstanceType"],
	"key": "destination-type",
}) if {
	_dest_type != "VPC_DEDICATED"
	not lib.already_migrated
}

_type_text := _dest_type if lib.set(_dest_type)

_type_text := "(empty)" if not lib.set(_dest_type)

# ---- the group is already on the destination ----------------------------------
# A distinct outcome, not a failure: the move has been made. The note is the
# only finding of the rule then, since the path no longer matters.

findings contains lib.finding({
	"severity": "note",
	"message": sprintf("Group %s is already on destination %s (already migrated), so there is nothing to migrate.", [lib.label_group, lib.destination_id]),
	"remediation": sprintf("Nothing to do for this move: `aliyun cloudapi DescribeApiGroup --GroupId %s` shows InstanceId %s. To move the group elsewhere, choose another destination (%s) and collect the snapshot again.", [lib.group_id, lib.destination_id, _list_dedicated]),
	"resource": lib.group_resource,
	"path": ["destination", "InstanceId"],
	"key": "same-instance",
}) if {
	lib.already_migrated
}

# ---- same region --------------------------------------------------------------

findings contains lib.finding({
	"message": sprintf("Destination %s is in region %s but group %s is in %s; a group can only move between instances of one region.", [lib.destination_id, _dest_region, lib.label_group, _group_region]),
	"remediation": sprintf("Choose a dedicated instance in %s (%s); moving to another region means recreating the group there (for example with the API Gateway console's import/export of API definitions).", [_group_region, _list_dedicated]),
	"resource": lib.destination_resource,
	"path": ["destination", "RegionId"],
	"key": "region",
}) if {
	lib.set(_dest_region)
	lib.set(_group_region)
	_dest_region != _group_region
	not lib.already_migrated
}

findings contains lib.undecided({
	"check": sprintf("that destination %s is in the region of group %s: %s.", [lib.destination_id, lib.label_group, _missing_region_text]),
	"remediation": sprintf("Collect the snapshot again with the RegionId of both objects (`aliyun cloudapi DescribeApiGroup --GroupId %s`, `aliyun cloudapi DescribeInstances --InstanceId %s`).", [lib.group_id, lib.destination_id]),
	"resource": lib.destination_resource,
	"path": _missing_region_path,
	"key": "region",
}) if {
	not _both_regions
	not lib.already_migrated
}

_both_regions if {
	lib.set(_dest_region)
	lib.set(_group_region)
}

_missing_region_text := "destination.RegionId is empty" if not lib.set(_dest_region)

_missing_region_text := "neither group.RegionId nor regionId is set" if {
	lib.set(_dest_region)
	not lib.set(_group_region)
}

_missing_region_path := ["destination", "RegionId"] if not lib.set(_dest_region)

_missing_region_path := _group_region_path if lib.set(_dest_region)

# ---- not classic network --------------------------------------------------------

findings contains lib.finding({
	"message": sprintf("Group %s is on the classic network (InstanceType CLASSIC_SHARED), which instance migration does not cover.", [lib.label_group]),
	"remediation": sprintf("Move the group to a VPC instance first: in the API Gateway console open API Groups > %s > Group Details and follow the classic-network-to-VPC switch, or recreate the group on a VPC instance; `aliyun cloudapi DescribeApiGroup --GroupId %s` must then show InstanceType VPC_SHARED or VPC_DEDICATED.", [lib.label_group, lib.group_id]),
	"resource": lib.group_resource,
	"path": ["group", "InstanceType"],
	"key": "classic-network",
}) if {
	upper(trim_space(lib.get(lib.group, "InstanceType"))) == "CLASSIC_SHARED"
	not lib.already_migrated
}

# ---- source is the group's instance -----------------------------------------------

findings contains lib.finding({
	"message": sprintf("Snapshot source %s is not the current instance of group %s (%s), so the checks compare the wrong instances.", [_source_text, lib.label_group, _group_text]),
	"remediation": sprintf("Collect the snapshot again so that source is the group's instance: `aliyun cloudapi DescribeApiGroup --GroupId %s` gives InstanceId, `aliyun cloudapi DescribeInstances --InstanceId <that InstanceId>` gives the source object.", [lib.group_id]),
	"resource": lib.source_resource,
	"path": ["source", "InstanceId"],
	"key": "source-mismatch",
}) if {
	trim_space(lib.source_id) != trim_space(_group_instance)
	not lib.already_migrated
}

_source_text := s if {
	s := lib.source_id
	lib.set(s)
} else := "(no InstanceId)"

_group_text := s if {
	lib.set(_group_instance)
	s := _group_instance
} else := "no InstanceId"
