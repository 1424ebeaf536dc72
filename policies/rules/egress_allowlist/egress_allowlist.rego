# METADATA
# title: Backend allowlists admit the destination's egress addresses
# description: >-
#   The outbound address of API Gateway changes with the instance. For every
#   backend reached over the network (Function Compute, OSS, EventBridge and
#   Mock backends are exempt), every address the destination will send from
#   must lie inside the backend's allowlist. Which addresses: on a VPC
#   integration instance (DedicatedInstanceType vpc_connect) backends reached
#   through VPC access (protocol VPC or a vpcAccess object) or on a private IP
#   (RFC 1918, 100.64/10, fc00::/7) are called from the ENI, so the ENI
#   vSwitch CIDRs (NetworkInterfaceAttributes.NetworkInterfaceAttribute[].CidrBlock)
#   must be allowed; on any other instance VPC-access backends are called from
#   VpcEgressAddress; every other backend is called over the Internet from
#   InternetEgressAddress (comma list). Error when a backend's allowlist misses
#   an address. When the allowlist is unknown (null or absent) and the
#   destination's addresses differ from the source's, a warning names the new
#   addresses. Backends whose address is unresolved (stage variables), a
#   destination that reports no egress address, and a snapshot without
#   backends are reported as "could not check".
#   So is a failed read of the backends in collectionErrors. IPv4-mapped IPv6
#   backend addresses count as IPv4.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances (the outbound IP address may change)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/product-overview/vpc-integrated-exclusive-instance
#     description: VPC integration instances (egress from a private IP of the connected VPC)
# custom:
#   id: MIG004
#   name: egress-allowlist
#   severity: error
#   remediation: >-
#     Add the destination's egress addresses (console: Instances and Clusters >
#     Dedicated Instances > instance > egress addresses) to every backend
#     allowlist before migrating, e.g. for an ECS security group
#     `aliyun ecs AuthorizeSecurityGroup --RegionId <region> --SecurityGroupId <sg> --IpProtocol tcp --PortRange <port>/<port> --SourceCidrIp <address>`.
#   tags: [network, allowlist]
package apigw.rules.egress_allowlist

import data.apigw.lib

# as_object(x) is x when it is an object, {} otherwise (null, absent, junk).
as_object(x) := x if is_object(x)

as_object(x) := {} if not is_object(x)

dest := as_object(object.get(input, "destination", null))

src := as_object(object.get(input, "source", null))

dest_id := lib.get(dest, "InstanceId")

region := lib.get(input, "regionId")

exempt_protocols := {"functioncompute", "oss", "eventbridge", "mock"}

# ---- backends ---------------------------------------------------------------

collected if is_array(input.backends)

# Backends reached over the network, by index.
network_backend(b) if {
	is_object(b)
	not lower(trim_space(lib.get(b, "protocol"))) in exempt_protocols
}

unresolved(b) if lib.set(lib.get(b, "unresolved"))

unresolved(b) if lib.truthy(object.get(b, "unresolved", false))

vpc_access(b) if upper(trim_space(lib.get(b, "protocol"))) == "VPC"

vpc_access(b) if {
	va := object.get(b, "vpcAccess", null)
	is_object(va)
	count(va) > 0
}

private_backend(b) if {
	some ip in lib.ips(object.get(b, "ips", null))
	lib.private(ip)
}

private_backend(b) if lib.private(lib.get(b, "host"))

checked contains i if {
	collected
	some i, b in input.backends
	network_backend(b)
	not unresolved(b)
}

host(b) := lib.get(b, "host") if lib.set(lib.get(b, "host"))

host(b) := lib.get(b, "address") if {
	not lib.set(lib.get(b, "host"))
	lib.set(lib.get(b, "address"))
}

host(b) := lib.get(b, "apiId") if {
	not lib.set(lib.get(b, "host"))
	not lib.set(lib.get(b, "address"))
}

api(b) := lib.get(b, "apiName") if lib.set(lib.get(b, "apiName"))

api(b) := lib.get(b, "apiId") if not lib.set(lib.get(b, "apiName"))

# "47.97.3.3 (API GetOrder)".
label(b) := sprintf("%s (API %s)", [host(b), api(b)]) if lib.set(api(b))

label(b) := host(b) if not lib.set(api(b))

key(_, b) := sprintf("%s/%s", [host(b), lib.get(b, "apiId")]) if lib.set(lib.get(b, "apiId"))

key(i, b) := sprintf("%s/%d", [host(b), i]) if not lib.set(lib.get(b, "apiId"))

resource(b) := {"kind": "backend", "id": host(b), "name": api(b)}

allowlist_known(b) if is_array(object.get(b, "allowlist", null))

allowlist_known(b) if is_string(object.get(b, "allowlist", null))

# ---- egress addresses -------------------------------------------------------

vpc_connect(inst) if lower(trim_space(lib.get(inst, "DedicatedInstanceType"))) == "vpc_connect"

eni_cidrs(inst) := [c |
	some n in as_array(object.get(lib.obj(object.get(inst, "NetworkInterfaceAttributes", {})), "NetworkInterfaceAttribute", []))
	is_object(n)
	c := trim_space(lib.get(n, "CidrBlock"))
	c != ""
]

as_array(x) := x if is_array(x)

as_array(x) := [] if not is_array(x)

# How an instance reaches backend b: through its ENI, its VPC egress or the
# Internet.
route(inst, b) := "eni" if {
	vpc_connect(inst)
	vpc_access(b)
}

route(inst, b) := "eni" if {
	vpc_connect(inst)
	not vpc_access(b)
	private_backend(b)
}

route(inst, b) := "vpc" if {
	not vpc_connect(inst)
	vpc_access(b)
}

route(_, b) := "internet" if {
	not vpc_access(b)
	not private_backend(b)
}

route(inst, b) := "internet" if {
	not vpc_connect(inst)
	not vpc_access(b)
	private_backend(b)
}

egress_addrs(inst, "eni") := eni_cidrs(inst)

egress_addrs(inst, "vpc") := lib.list(object.get(inst, "VpcEgressAddress", null))

egress_addrs(inst, "internet") := lib.list(object.get(inst, "InternetEgressAddress", null))

route_field := {
	"eni": "NetworkInterfaceAttributes",
	"vpc": "VpcEgressAddress",
	"internet": "InternetEgressAddress",
}

route_what := {
	"eni": "ENI vSwitch CIDR",
	"vpc": "VPC egress address",
	"internet": "Internet egress address",
}

what(r, addrs) := route_what[r] if count(addrs) == 1

what(r, addrs) := sprintf("%ses", [route_what[r]]) if {
	count(addrs) > 1
	endswith(route_what[r], "address")
}

what(r, addrs) := sprintf("%ss", [route_what[r]]) if {
	count(addrs) > 1
	not endswith(route_what[r], "address")
}

dest_addrs(b) := egress_addrs(dest, route(dest, b))

missing(b) := [a |
	some a in dest_addrs(b)
	not lib.in_any(lib.list(b.allowlist), a)
]

new_addrs(b) := [a |
	some a in dest_addrs(b)
	src_addrs := egress_addrs(src, route(src, b))
	not a in src_addrs
	not lib.in_any(src_addrs, a)
]

# ---- remediation helpers ----------------------------------------------------

port_range(b) := sprintf("%d/%d", [p, p]) if {
	p := lib.num(object.get(b, "port", null))
	p > 0
}

port_range(b) := "1/65535" if not port_range_known(b)

port_range_known(b) if {
	p := lib.num(object.get(b, "port", null))
	p > 0
}

source_flag(a) := "--Ipv6SourceCidrIp" if lib.ipv6(a)

source_flag(a) := "--SourceCidrIp" if not lib.ipv6(a)

sg_commands(b, addrs) := concat(" and ", [sprintf(
	"`aliyun ecs AuthorizeSecurityGroup --RegionId %s --SecurityGroupId <sg-id> --IpProtocol tcp --PortRange %s %s %s`",
	[region, port_range(b), source_flag(a), a],
) |
	some a in addrs
])

allow_fix(b, addrs) := sprintf(
	"Before migrating, add %s to the allowlist of backend %s: its security group, firewall, WAF or application allowlist, and its allowlist in the preflight configuration; for an ECS security group run %s. The destination's addresses are shown in the console under Instances and Clusters > Dedicated Instances > %s.",
	[concat(", ", addrs), label(b), sg_commands(b, addrs), dest_id],
)

# ---- findings ---------------------------------------------------------------

# The backend's allowlist misses some of the destination's addresses.
findings contains {
	"severity": "error",
	"message": sprintf(
		"backend %s does not allow %s, the %s of destination %s, so calls from group %s will be refused after the migration",
		[label(b), concat(", ", miss), what(r, miss), dest_id, lib.label_group],
	),
	"remediation": allow_fix(b, miss),
	"resource": resource(b),
	"path": ["backends", i, "allowlist"],
	"key": key(i, b),
} if {
	some i in checked
	b := input.backends[i]
	allowlist_known(b)
	r := route(dest, b)
	miss := missing(b)
	count(miss) > 0
}

# Unknown allowlist and the egress changes: name the new addresses.
findings contains {
	"severity": "warning",
	"message": sprintf(
		"backend %s has no known allowlist and will be called from %s, the new %s of destination %s, instead of %s; the backend must admit them if it filters callers",
		[label(b), concat(", ", new), what(r, new), dest_id, old_desc(b)],
	),
	"remediation": concat(" ", [
		allow_fix(b, new),
		sprintf("Record the backend's allowlist in the preflight configuration (backends[%d].allowlist) so the check can be decided.", [i]),
	]),
	"resource": resource(b),
	"path": ["backends", i, "allowlist"],
	"key": key(i, b),
} if {
	some i in checked
	b := input.backends[i]
	not allowlist_known(b)
	r := route(dest, b)
	new := new_addrs(b)
	count(new) > 0
}

old_desc(b) := concat(", ", addrs) if {
	addrs := egress_addrs(src, route(src, b))
	count(addrs) > 0
}

old_desc(b) := sprintf("the unknown egress of source %s", [lib.get(src, "InstanceId")]) if {
	count(egress_addrs(src, route(src, b))) == 0
}

# The destination does not report the addresses a backend needs.
findings contains lib.undecided({
	"check": sprintf(
		"the allowlists of %s: destination %s reports no %s",
		[concat(", ", sort({label(input.backends[i]) | some i in idx})), dest_id, route_field[r]],
	),
	"remediation": sprintf(
		"Re-collect the snapshot so that destination.%s is filled in (`aliyun cloudapi DescribeInstances --InstanceId %s`), or read the instance's egress addresses in the console under Instances and Clusters > Dedicated Instances > %s, and make sure those backends allow them.",
		[route_field[r], dest_id, dest_id],
	),
	"resource": lib.destination_resource,
	"path": ["destination", route_field[r]],
	"key": sprintf("no-egress/%s", [r]),
}) if {
	some r in {"eni", "vpc", "internet"}
	idx := {i |
		some i in checked
		route(dest, input.backends[i]) == r
	}
	count(idx) > 0
	count(egress_addrs(dest, r)) == 0
}

# Stage variables or other unresolved addresses.
findings contains lib.undecided({
	"check": sprintf(
		"backend %s: its address %s is unresolved (%s), so the allowlist for destination %s's egress cannot be decided",
		[label(b), addr, unresolved_reason(b), dest_id],
	),
	"remediation": sprintf(
		"Resolve the backend address of API %s for every stage (DescribeDeployedApi shows the stage variables, `aliyun cloudapi DescribeDeployedApi --GroupId %s --ApiId %s --StageName %s`) and make sure each resolved backend allows destination %s's egress addresses (%s).",
		[api(b), lib.get(input.group, "GroupId"), lib.get(b, "apiId"), stage(b), dest_id, concat(", ", lib.list(object.get(dest, "InternetEgressAddress", null)))],
	),
	"resource": resource(b),
	"path": ["backends", i, "address"],
	"key": key(i, b),
}) if {
	collected
	some i, b in input.backends
	network_backend(b)
	unresolved(b)
	addr := address(b)
}

unresolved_reason(b) := lib.get(b, "unresolved") if lib.set(lib.get(b, "unresolved"))

unresolved_reason(b) := "stage variables" if not lib.set(lib.get(b, "unresolved"))

address(b) := lib.get(b, "address") if lib.set(lib.get(b, "address"))

address(b) := host(b) if not lib.set(lib.get(b, "address"))

stage(b) := lib.get(b, "stage") if lib.set(lib.get(b, "stage"))

stage(b) := "RELEASE" if not lib.set(lib.get(b, "stage"))

# No backends in the snapshot.
findings contains lib.undecided({
	"check": sprintf(
		"whether the backends of group %s allow destination %s's egress addresses: backends were not collected",
		[lib.label_group, dest_id],
	),
	"remediation": sprintf(
		"Re-collect the snapshot with backends (the collector needs apigateway:DescribeApis and apigateway:DescribeDeployedApi), or check by hand that every HTTP/HTTPS/VPC backend of the group allows %s before migrating.",
		[concat(", ", lib.list(object.get(dest, "InternetEgressAddress", null)))],
	),
	"resource": lib.group_resource,
	"path": ["backends"],
	"key": "backends-missing",
}) if {
	not collected
}

# A read of the APIs or backends failed: backends may be missing.
findings contains f if {
	f := lib.collection_undecided("MIG004", sprintf("whether every backend of group %s allows destination %s's egress addresses", [lib.label_group, dest_id]))
}
