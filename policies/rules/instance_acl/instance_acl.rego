# METADATA
# title: Instance-level access control after the move
# description: >-
#   A dedicated instance can carry one access control list per IP family
#   (AclStatus, AclType, AclId, AclName for IPv4; IPV6AclStatus, IPV6AclType,
#   IPV6AclId, IPV6AclName for IPv6). It applies to requests over the Internet
#   and, after the migration, the destination's applies to the group. Error
#   when the destination has a whitelist switched on (AclStatus on, AclType
#   white) that the source did not apply already (same AclId, on, white):
#   clients outside it are refused. Warning when the source had a blacklist
#   switched on that the destination does not apply (the blocked clients get
#   in), and when the lists otherwise differ (another ACL, or one switched on
#   only on one side). Missing fields count as switched off: serverless
#   instances have no instance-level ACL.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/access-control
#     description: Instance-level access control (whitelists and blacklists, Internet requests only)
# custom:
#   id: MIG020
#   name: instance-acl
#   severity: error
#   remediation: >-
#     Align the destination's access control with the source's before
#     migrating: console Instances and Clusters > Dedicated Instances >
#     instance > Access Control, or
#     `aliyun cloudapi EnableInstanceAccessControl --InstanceId <destination> --AclId <acl> --AclType <white|black> --AddressIPVersion <ipv4|ipv6>`
#     (`DisableInstanceAccessControl` to switch one off).
#   tags: [network, security]
package apigw.rules.instance_acl

import data.apigw.lib

# The two families and the field prefix of each.
_families := {"IPv4": "Acl", "IPv6": "IPV6Acl"}

_ip_version := {"IPv4": "ipv4", "IPv6": "ipv6"}

# acl(inst, fam) is the instance's list of family fam, or "off" when none applies.
_acl(inst, fam) := {
	"id": trim_space(lib.get(inst, concat("", [_families[fam], "Id"]))),
	"name": trim_space(lib.get(inst, concat("", [_families[fam], "Name"]))),
	"type": lower(trim_space(lib.get(inst, concat("", [_families[fam], "Type"])))),
} if {
	lower(trim_space(lib.get(inst, concat("", [_families[fam], "Status"])))) == "on"
} else := "off"

_text(a) := "none" if a == "off"

_text(a) := sprintf("%slist %s", [a.type, _acl_name(a)]) if a != "off"

_acl_name(a) := sprintf("%s (%s)", [a.id, a.name]) if a.name != ""

_acl_name(a) := a.id if a.name == ""

_src(fam) := _acl(lib.source, fam)

_dest(fam) := _acl(lib.destination, fam)

_path(fam) := ["destination", concat("", [_families[fam], "Status"])]

_enable(fam, a) := sprintf(
	"`aliyun cloudapi EnableInstanceAccessControl --InstanceId %s --AclId %s --AclType %s --AddressIPVersion %s`",
	[lib.destination_id, a.id, a.type, _ip_version[fam]],
)

# A whitelist on the destination that the source did not apply already.
findings contains lib.finding({
	"message": sprintf(
		"destination %s has %s access control %s switched on, which source %s does not apply (%s), so Internet clients of group %s outside it are refused after the migration",
		[lib.destination_id, fam, _text(d), lib.source_id, _text(_src(fam)), lib.label_group],
	),
	"remediation": sprintf(
		"Before migrating, add every client address of group %s to %s (console Access Control > %s > Add Entries, or `aliyun cloudapi AddAccessControlListEntry --AclId %s --AclEntrys '[{\"entry\":\"<cidr>\",\"comment\":\"<client>\"}]'`), or switch the list off on %s with `aliyun cloudapi DisableInstanceAccessControl --InstanceId %s --AclId %s --AddressIPVersion %s`.",
		[lib.label_group, d.id, d.id, d.id, lib.destination_id, lib.destination_id, d.id, _ip_version[fam]],
	),
	"resource": lib.destination_resource,
	"path": _path(fam),
	"key": sprintf("whitelist/%s", [fam]),
}) if {
	some fam, _ in _families
	d := _dest(fam)
	d != "off"
	d.type == "white"
	d != _src(fam)
}

# A blacklist on the source that the destination does not apply.
findings contains lib.finding({
	"severity": "warning",
	"message": sprintf(
		"source %s blocks clients with %s access control %s, but destination %s applies %s, so the blocked clients reach group %s after the migration",
		[lib.source_id, fam, _text(s), lib.destination_id, _text(_dest(fam)), lib.label_group],
	),
	"remediation": sprintf(
		"Before migrating, switch the same blacklist on for %s: console Instances and Clusters > Dedicated Instances > %s > Access Control, or %s.",
		[lib.destination_id, lib.destination_id, _enable(fam, s)],
	),
	"resource": lib.destination_resource,
	"path": _path(fam),
	"key": sprintf("blacklist/%s", [fam]),
}) if {
	some fam, _ in _families
	s := _src(fam)
	s != "off"
	s.type == "black"
	s != _dest(fam)
	not _dest_whitelist(fam)
}

_dest_whitelist(fam) if {
	d := _dest(fam)
	d != "off"
	d.type == "white"
}

# Otherwise different lists.
findings contains lib.finding({
	"severity": "warning",
	"message": sprintf(
		"%s access control differs: source %s applies %s, destination %s applies %s, so Internet clients of group %s are filtered differently after the migration",
		[fam, lib.source_id, _text(_src(fam)), lib.destination_id, _text(_dest(fam)), lib.label_group],
	),
	"remediation": sprintf(
		"Compare the two lists (console Access Control) and make the destination's match what the group's clients need before migrating; %s.",
		[_align(fam)],
	),
	"resource": lib.destination_resource,
	"path": _path(fam),
	"key": sprintf("differs/%s", [fam]),
}) if {
	some fam, _ in _families
	_src(fam) != _dest(fam)
	not _dest_whitelist(fam)
	not _src_blacklist(fam)
}

_src_blacklist(fam) if {
	s := _src(fam)
	s != "off"
	s.type == "black"
}

_align(fam) := sprintf("to apply the source's list run %s", [_enable(fam, _src(fam))]) if _src(fam) != "off"

_align(fam) := sprintf(
	"to switch the destination's off run `aliyun cloudapi DisableInstanceAccessControl --InstanceId %s --AclId %s --AddressIPVersion %s`",
	[lib.destination_id, _dest(fam).id, _ip_version[fam]],
) if {
	_src(fam) == "off"
}
