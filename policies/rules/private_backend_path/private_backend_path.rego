# METADATA
# title: Backends on private IPs stay reachable from the destination
# description: >-
#   A backend addressed by a private IP (RFC 1918; 100.64/10 excluded) without
#   a VPC channel is reachable only through a VPC integration instance's ENI,
#   and only inside the VPC that instance is connected to. Error when such a
#   backend (of any stage, plug-in routes included) moves to a destination
#   that is not a VPC integration instance (DedicatedInstanceType vpc_connect),
#   and error when source and destination are both VPC integration instances
#   connected to different VPCs (ConnectVpcId): two VPCs may use the same
#   CIDR, so the address alone cannot tell them apart. Warning when a backend
#   reached through a VPC access authorization names a VPC
#   (vpcAccess.VpcId) other than a VPC integration destination's
#   ConnectVpcId: whether VPC channels work across VPCs from a VPC integration
#   instance is not documented. A snapshot without backends, a VPC
#   integration instance without ConnectVpcId, and a failed read of the
#   backends or plug-ins are reported as "could not check".
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/product-overview/vpc-integrated-exclusive-instance
#     description: VPC integration instances (private IPs of the connected VPC only; several VPCs are not supported)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/use-a-resource-in-a-vpc-as-the-backend-service-of-an-api-operation
#     description: Use a resource in a VPC as the backend of an API (VPC access authorizations)
# custom:
#   id: MIG018
#   name: private-backend-path
#   severity: error
#   remediation: >-
#     Keep private-IP backends reachable: migrate to a VPC integration instance
#     connected to the backend's VPC, or give the API a VPC channel first
#     (console APIs > VPC Access Authorizations > Create, or
#     `aliyun cloudapi SetVpcAccess --Name <name> --VpcId <vpc> --InstanceId <ecs-or-slb> --Port <port>`,
#     then point the API's backend at it and deploy it again).
#   tags: [network, vpc]
package apigw.rules.private_backend_path

import data.apigw.lib

_dest_kind := lib.instance_kind(lib.destination)

_src_kind := lib.instance_kind(lib.source)

_dest_vpc := trim_space(lib.get(lib.destination, "ConnectVpcId"))

_src_vpc := trim_space(lib.get(lib.source, "ConnectVpcId"))

# Backends on private IPs without a VPC channel: index -> their private addresses.
_bare_private[i] := addrs if {
	some i, b in lib.backends
	lib.network_backend(b)
	not lib.vpc_channel(b)
	addrs := {a | some a in lib.backend_addrs(b); lib.rfc1918(a)}
	count(addrs) > 0
}

_addrs_text(i) := concat(", ", sort(_bare_private[i]))

_setvpc_hint(b) := sprintf(
	"`aliyun cloudapi SetVpcAccess --Name <name> --VpcId <backend VPC> --InstanceId <ECS or SLB of %s> --Port %v`",
	[min(_bare_private_of(b)), object.get(b, "port", 80)],
)

_bare_private_of(b) := {a | some a in lib.backend_addrs(b); lib.rfc1918(a)}

# The destination is not a VPC integration instance.
findings contains lib.finding({
	"message": sprintf(
		"backend %s is addressed by private IP %s without a VPC channel, which only a VPC integration instance's ENI reaches, but destination %s is %s, so the backend becomes unreachable after the migration of group %s",
		[lib.backend_label(b), _addrs_text(i), lib.destination_id, lib.instance_kind_text[_dest_kind], lib.label_group],
	),
	"remediation": sprintf(
		"Before migrating, either pick a VPC integration instance connected to the backend's VPC%s as the destination, or give the API a VPC channel: create a VPC access authorization (console APIs > VPC Access Authorizations > Create, or %s), switch the API's backend to it and deploy the API again.",
		[_src_vpc_note, _setvpc_hint(b)],
	),
	"resource": lib.group_resource,
	"path": ["backends", i],
	"key": sprintf("not-vpc-connect/%d", [i]),
}) if {
	_dest_kind != "vpc_connect"
	some i, _ in _bare_private
	b := lib.backends[i]
}

_src_vpc_note := sprintf(" (%s, the VPC of source %s)", [_src_vpc, lib.source_id]) if {
	_src_kind == "vpc_connect"
	_src_vpc != ""
} else := ""

# Both are VPC integration instances, connected to different VPCs.
findings contains lib.finding({
	"message": sprintf(
		"backend %s is addressed by private IP %s in VPC %s, which source %s is connected to, but destination %s is connected to VPC %s, so the address would reach another VPC (or nothing) after the migration of group %s",
		[lib.backend_label(b), _addrs_text(i), _src_vpc, lib.source_id, lib.destination_id, _dest_vpc, lib.label_group],
	),
	"remediation": sprintf(
		"Migrate to a VPC integration instance connected to %s, or connect the two VPCs yourself (a VPC integration instance reaches one VPC only) and re-run the preflight; alternatively give the API a VPC channel (%s).",
		[_src_vpc, _setvpc_hint(b)],
	),
	"resource": lib.group_resource,
	"path": ["backends", i],
	"key": sprintf("other-vpc/%d", [i]),
}) if {
	_dest_kind == "vpc_connect"
	_src_kind == "vpc_connect"
	_src_vpc != ""
	_dest_vpc != ""
	_src_vpc != _dest_vpc
	some i, _ in _bare_private
	b := lib.backends[i]
}

# Both are VPC integration instances and one does not say its VPC.
findings contains lib.undecided({
	"check": sprintf(
		"whether private backends of group %s stay in reach: %s does not report its ConnectVpcId, so the VPCs of %s and %s cannot be compared",
		[lib.label_group, _missing_vpc_of, lib.source_id, lib.destination_id],
	),
	"remediation": "Compare the VPCs the two VPC integration instances are connected to (console Instances and Clusters > Dedicated Instances > instance > VPC integration, or `aliyun cloudapi DescribeInstances --InstanceId <id>`, field ConnectVpcId) and re-collect the snapshot.",
	"resource": lib.group_resource,
	"path": ["destination", "ConnectVpcId"],
	"key": "connect-vpc-missing",
}) if {
	_dest_kind == "vpc_connect"
	_src_kind == "vpc_connect"
	count(_bare_private) > 0
	_missing_vpc_of != ""
}

_missing_vpc_of := lib.destination_id if {
	_dest_vpc == ""
} else := lib.source_id if {
	_src_vpc == ""
} else := ""

# A VPC-channel backend in another VPC than a VPC integration destination's.
findings contains lib.finding({
	"severity": "warning",
	"message": sprintf(
		"backend %s is reached through VPC access authorization %s in VPC %s, but destination %s is a VPC integration instance connected to VPC %s; whether its VPC channels reach another VPC is not documented",
		[lib.backend_label(b), _va_name(b), vpc, lib.destination_id, _dest_vpc],
	),
	"remediation": sprintf(
		"Test an API of group %s on %s through the VPC channel before moving traffic, or migrate to a VPC integration instance connected to %s.",
		[lib.label_group, lib.destination_id, vpc],
	),
	"resource": lib.group_resource,
	"path": ["backends", i, "vpcAccess", "VpcId"],
	"key": sprintf("vpc-channel/%d", [i]),
}) if {
	_dest_kind == "vpc_connect"
	_dest_vpc != ""
	some i, b in lib.backends
	lib.vpc_channel(b)
	vpc := trim_space(lib.get(lib.obj(object.get(b, "vpcAccess", null)), "VpcId"))
	vpc != ""
	vpc != _dest_vpc
}

_va_name(b) := n if {
	n := lib.get(lib.obj(object.get(b, "vpcAccess", null)), "Name")
	lib.set(n)
} else := lib.get(lib.obj(object.get(b, "vpcAccess", null)), "InstanceId")

findings contains lib.undecided({
	"check": sprintf(
		"whether the backends of group %s stay reachable from destination %s: backends were not collected",
		[lib.label_group, lib.destination_id],
	),
	"remediation": "Re-collect the snapshot with backends (apigateway:DescribeApis, apigateway:DescribeDeployedApi), or check by hand that no backend is addressed by a private IP without a VPC channel.",
	"resource": lib.group_resource,
	"path": ["backends"],
	"key": "backends-missing",
}) if {
	not lib.backends_collected
}

findings contains f if {
	# First, so that a snapshot without failed reads builds no text.
	count(lib.collection_errors) > 0
	f := lib.collection_undecided("MIG018", sprintf("whether the private backends of group %s stay reachable from destination %s", [lib.label_group, lib.destination_id]))
}
