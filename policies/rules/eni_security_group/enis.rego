# The destination's ENIs and the security groups each carries. ECS
# evaluates the rules of the groups bound to one network interface together,
# never those of two: a VPC integration instance has one ENI per zone, and a
# request leaves from whichever zone serves it, so each ENI must accept.
package apigw.rules.eni_security_group

import data.apigw.lib

# networkInterfaces (DescribeNetworkInterfaces) says which groups each ENI
# carries. Without it (a snapshot written before the section existed) the
# groups of eniSecurityGroups are evaluated together as one rule set, as
# earlier releases did, and the rule says it could not check per ENI.
_nis_known if {
	is_array(input.networkInterfaces)
	count(input.networkInterfaces) > 0
}

_per_eni if _nis_known

_lib_array(x) := x if is_array(x)

_lib_array(x) := [] if not is_array(x)

# destination.NetworkInterfaceAttributes: the wrapped or the bare list.
_attrs := l if {
	nia := object.get(lib.destination, "NetworkInterfaceAttributes", null)
	is_object(nia)
	l := _lib_array(object.get(nia, "NetworkInterfaceAttribute", null))
} else := nia if {
	nia := object.get(lib.destination, "NetworkInterfaceAttributes", null)
	is_array(nia)
} else := []

# SecurityGroupIds.SecurityGroupId[] of a NetworkInterfaceSet (or a bare list).
_ni_sg_ids(n) := {trim_space(id) |
	raw := object.get(n, "SecurityGroupIds", null)
	some id in _sg_id_list(raw)
	is_string(id)
	trim_space(id) != ""
}

_sg_id_list(raw) := _lib_array(object.get(raw, "SecurityGroupId", null)) if is_object(raw)

_sg_id_list(raw) := raw if is_array(raw)

_sg_id_list(raw) := [] if {
	not is_object(raw)
	not is_array(raw)
}

_eni_name(n, i) := id if {
	id := trim_space(lib.get(n, "NetworkInterfaceId"))
	lib.set(id)
} else := sprintf("networkInterfaces[%d]", [i])

_ni_enis contains {"id": _eni_name(n, i), "zone": trim_space(lib.get(n, "ZoneId")), "sg_ids": _ni_sg_ids(n), "path": ["networkInterfaces", i]} if {
	_per_eni
	some i, n in input.networkInterfaces
	is_object(n)
}

_ni_ids := {e.id | some e in _ni_enis}

# An ENI of the instance attributes that networkInterfaces lacks: only its
# one SecurityGroupId is known (and the rule says so).
_attr_enis contains {"id": id, "zone": trim_space(lib.get(a, "ZoneId")), "sg_ids": {sg | sg := trim_space(lib.get(a, "SecurityGroupId")); lib.set(sg)}, "path": ["destination", "NetworkInterfaceAttributes", i]} if {
	_per_eni
	some i, a in _attrs
	is_object(a)
	id := trim_space(lib.get(a, "NetworkInterfaceId"))
	lib.set(id)
	not id in _ni_ids
}

_attr_eni_ids := {e.id | some e in _attr_enis}

# The evaluation units: one per ENI, or the one merged set without
# networkInterfaces.
_enis := _ni_enis | _attr_enis if _per_eni

_enis := {{"id": "", "zone": "", "sg_ids": _all_sg_ids, "path": ["eniSecurityGroups"], "merged": true}} if not _per_eni

_all_sg_ids := {_sg_id(g, gi) | some gi, g in _sgs; is_object(g)}

# The security groups bound to an ENI, as the instance says.
_eni_sg_ids contains id if {
	some eni in _enis
	some id in eni.sg_ids
}

_eni_sg_ids contains id if {
	not _per_eni
	some a in _attrs
	is_object(a)
	id := trim_space(lib.get(a, "SecurityGroupId"))
	lib.set(id)
}

# Per ENI: its groups' indexes in eniSecurityGroups (a complete rule,
# computed once; decision.rego evaluates each distinct set of groups once).
# One ENI never mixes basic and enterprise groups (ECS), so any enterprise
# group makes the default deny.
_eni_groups := {eni.id: {gi | some gi, g in _sgs; is_object(g); _sg_id(g, gi) in eni.sg_ids} | some eni in _enis}

# " (ENI eni-1 in zone cn-hangzhou-h)" in messages; nothing for the merged set.
_eni_text(eni) := "" if eni.merged

_eni_text(eni) := sprintf(" (ENI %s in zone %s)", [eni.id, eni.zone]) if {
	not eni.merged
	eni.zone != ""
}

_eni_text(eni) := sprintf(" (ENI %s)", [eni.id]) if {
	not eni.merged
	eni.zone == ""
}

_sg_key(eni, ip, port) := sprintf("sg:%s", [_endpoint(ip, port)]) if eni.merged

_sg_key(eni, ip, port) := sprintf("sg:%s/%s", [eni.id, _endpoint(ip, port)]) if not eni.merged

# ---- findings: what the ENIs leave open ---------------------------------------------

# Without networkInterfaces the groups of different ENIs cannot be told
# apart: an accept in one zone's group may hide a drop in another's.
findings contains lib.undecided({
	"check": sprintf("egress to the private backends per ENI of VPC integration instance %s: the snapshot has no networkInterfaces, so the security groups of its ENIs (%s) were evaluated together as one rule set, while ECS evaluates each network interface's groups on their own.", [lib.destination_id, _merged_sg_text]),
	"remediation": sprintf("Collect the snapshot again with this release (it reads the ENIs with DescribeNetworkInterfaces), or add the ENIs' NetworkInterfaceSet objects from `aliyun ecs DescribeNetworkInterfaces --RegionId %s --NetworkInterfaceId.1 <eni-id>` as networkInterfaces, and run the check again.", [_region]),
	"resource": lib.destination_resource,
	"path": ["destination", "NetworkInterfaceAttributes"],
	"key": "no-network-interfaces",
}) if {
	_vpc_connect
	not _per_eni
	_sgs_known
	count(_targets) > 0
}

_merged_sg_text := concat(", ", sort(_all_sg_ids))

findings contains lib.undecided({
	"check": sprintf("which security groups ENI %s of VPC integration instance %s carries: networkInterfaces lacks it, so only the SecurityGroupId of NetworkInterfaceAttributes (%s) is known.", [eni.id, lib.destination_id, _set_text(eni.sg_ids)]),
	"remediation": sprintf("Read it with `aliyun ecs DescribeNetworkInterfaces --RegionId %s --NetworkInterfaceId.1 %s`, add its NetworkInterfaceSet to networkInterfaces and run the check again.", [_region, eni.id]),
	"resource": {"kind": "networkInterface", "id": eni.id},
	"path": eni.path,
	"key": sprintf("eni-unread:%s", [eni.id]),
}) if {
	_vpc_connect
	count(_targets) > 0
	some eni in _attr_enis
}

findings contains lib.undecided({
	"check": sprintf("egress from ENI %s of VPC integration instance %s: its networkInterfaces entry lists no security group (SecurityGroupIds).", [eni.id, lib.destination_id]),
	"remediation": sprintf("Read it again with `aliyun ecs DescribeNetworkInterfaces --RegionId %s --NetworkInterfaceId.1 %s` (SecurityGroupIds.SecurityGroupId) and run the check again.", [_region, eni.id]),
	"resource": {"kind": "networkInterface", "id": eni.id},
	"path": eni.path,
	"key": sprintf("eni-no-sgs:%s", [eni.id]),
}) if {
	_vpc_connect
	count(_targets) > 0
	some eni in _enis
	count(eni.sg_ids) == 0
}

_set_text(s) := "none" if count(s) == 0

_set_text(s) := concat(", ", sort(s)) if count(s) > 0
