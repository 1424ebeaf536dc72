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
#   VpcEgressAddress and NewVpcEgressAddress (both must be allowed); every other backend is called over the Internet from
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

_region := lib.get(input, "regionId")

# ---- backends ---------------------------------------------------------------

_collected if is_array(input.backends)

# False rather than undefined: OPA remembers a function's value per
# arguments, but not its being undefined, so copies of a backend that is
# resolved would otherwise each be checked again.
_unresolved(b) if {
	lib.set(lib.get(b, "unresolved"))
} else if {
	lib.truthy(object.get(b, "unresolved", false))
} else := false

_vpc_access(b) if {
	upper(trim_space(lib.get(b, "protocol"))) == "VPC"
} else if {
	va := object.get(b, "vpcAccess", null)
	is_object(va)
	count(va) > 0
}

_private_backend(b) if {
	some ip in lib.ips(object.get(b, "ips", null))
	lib.private(ip)
} else if {
	lib.private(lib.get(b, "host"))
}

_checked contains i if {
	_collected
	some i, b in input.backends
	lib.network_backend(b)
	not _unresolved(b)
}

_host(b) := h if {
	h := lib.get(b, "host")
	lib.set(h)
} else := a if {
	a := lib.get(b, "address")
	lib.set(a)
} else := lib.get(b, "apiId")

_api(b) := n if {
	n := lib.get(b, "apiName")
	lib.set(n)
} else := lib.get(b, "apiId")

# "47.97.3.3 (API GetOrder)", "47.97.21.9 (API PaymentStatus on stage TEST)".
_label(b) := sprintf("%s (API %s%s)", [_host(b), api, _stage_note(b)]) if {
	api := _api(b)
	lib.set(api)
} else := sprintf("%s%s", [_host(b), _stage_note(b)])

_stage_note(b) := sprintf(" on stage %s", [s]) if {
	s := upper(_stage(b))
	not s in {"", "RELEASE"}
} else := ""

# Keys of RELEASE backends stay as they were; other stages add theirs.
_stage_key(b) := sprintf("@%s", [s]) if {
	s := upper(_stage(b))
	not s in {"", "RELEASE"}
} else := ""

_key(i, b) := sprintf("%s/%s%s", [_host(b), id, _stage_key(b)]) if {
	id := lib.get(b, "apiId")
	lib.set(id)
} else := sprintf("%s/%d", [_host(b), i])

_resource(b) := {"kind": "backend", "id": _host(b), "name": _api(b)}

# False rather than undefined, to be remembered per backend (see _unresolved).
_allowlist_known(b) if {
	is_array(object.get(b, "allowlist", null))
} else if {
	is_string(object.get(b, "allowlist", null))
} else := false

# ---- egress addresses -------------------------------------------------------

_vpc_connect(inst) if lower(trim_space(lib.get(inst, "DedicatedInstanceType"))) == "vpc_connect"

_eni_cidrs(inst) := [c |
	some n in _as_array(object.get(lib.obj(object.get(inst, "NetworkInterfaceAttributes", {})), "NetworkInterfaceAttribute", []))
	is_object(n)
	c := trim_space(lib.get(n, "CidrBlock"))
	c != ""
]

_as_array(x) := x if {
	is_array(x)
} else := []

# How an instance reaches backend b: through its ENI, its VPC egress or the
# Internet; vc is whether the instance is a VPC integration one.
_route(vc, b) := "eni" if {
	vc
	_vpc_access(b)
} else := "eni" if {
	vc
	_private_backend(b)
} else := "vpc" if {
	_vpc_access(b)
} else := "internet"

_dest_vc if {
	_vpc_connect(lib.destination)
} else := false

_src_vc if {
	_vpc_connect(lib.source)
} else := false

# Per route, computed once: the destination's and the source's addresses.
_dest_egress[r] := _egress_addrs(lib.destination, r) if some r in {"eni", "vpc", "internet"}

_src_egress[r] := _egress_addrs(lib.source, r) if some r in {"eni", "vpc", "internet"}

_egress_addrs(inst, "eni") := _eni_cidrs(inst)

# VpcEgressAddress and, when the instance has one, NewVpcEgressAddress (a
# further VPC egress CIDR block): the instance may send from either.
_egress_addrs(inst, "vpc") := array.concat(
	lib.list(object.get(inst, "VpcEgressAddress", null)),
	[a | some a in lib.list(object.get(inst, "NewVpcEgressAddress", null)); not a in lib.list(object.get(inst, "VpcEgressAddress", null))],
)

_egress_addrs(inst, "internet") := lib.list(object.get(inst, "InternetEgressAddress", null))

_route_field := {
	"eni": "NetworkInterfaceAttributes",
	"vpc": "VpcEgressAddress",
	"internet": "InternetEgressAddress",
}

_route_what := {
	"eni": "ENI vSwitch CIDR",
	"vpc": "VPC egress address",
	"internet": "Internet egress address",
}

_what(r, addrs) := _route_what[r] if {
	count(addrs) == 1
} else := sprintf("%ses", [_route_what[r]]) if {
	count(addrs) > 1
	endswith(_route_what[r], "address")
} else := sprintf("%ss", [_route_what[r]]) if {
	count(addrs) > 1
}

# Functions of the backend object, not of its index: OPA keeps a
# function's result per arguments, so backends that are copies of one
# another are worked out once.
_missing(b) := [a |
	allow := lib.list(b.allowlist)
	some a in _dest_egress[_route(_dest_vc, b)]
	not lib.in_any(allow, a)
]

_new_addrs(b) := [a |
	src_addrs := _src_egress[_route(_src_vc, b)]
	some a in _dest_egress[_route(_dest_vc, b)]
	not a in src_addrs
	not lib.in_any(src_addrs, a)
]

# The routes the checked backends take, worked out once for every route.
_checked_routes contains _route(_dest_vc, input.backends[i]) if some i in _checked

# ---- remediation helpers ----------------------------------------------------

_port_range(b) := sprintf("%d/%d", [p, p]) if {
	p := lib.num(object.get(b, "port", null))
	p > 0
} else := "1/65535"

_source_flag(a) := "--Ipv6SourceCidrIp" if {
	lib.ipv6(a)
} else := "--SourceCidrIp"

_sg_commands(b, addrs) := concat(" and ", [sprintf(
	"`aliyun ecs AuthorizeSecurityGroup --RegionId %s --SecurityGroupId <sg-id> --IpProtocol tcp --PortRange %s %s %s`",
	[_region, ports, _source_flag(a), a],
) |
	ports := _port_range(b)
	some a in addrs
])

_allow_fix(b, addrs) := sprintf(
	"Before migrating, add %s to the allowlist of backend %s: its security group, firewall, WAF or application allowlist, and its allowlist in the preflight configuration; for an ECS security group run %s. The destination's addresses are shown in the console under Instances and Clusters > Dedicated Instances > %s.",
	[concat(", ", addrs), _label(b), _sg_commands(b, addrs), lib.destination_id],
)

# ---- findings ---------------------------------------------------------------

# The backend's allowlist misses some of the destination's addresses.
findings contains lib.finding({
	"message": sprintf(
		"backend %s does not allow %s, the %s of destination %s, so calls from group %s will be refused after the migration",
		[_label(b), concat(", ", miss), _what(r, miss), lib.destination_id, lib.label_group],
	),
	"remediation": _allow_fix(b, miss),
	"resource": _resource(b),
	"path": ["backends", i, "allowlist"],
	"key": _key(i, b),
}) if {
	some i in _checked
	b := input.backends[i]
	_allowlist_known(b)
	r := _route(_dest_vc, b)
	miss := _missing(b)
	count(miss) > 0
}

# Unknown allowlist and the egress changes: name the new addresses.
findings contains lib.finding({
	"severity": "warning",
	"message": sprintf(
		"backend %s has no known allowlist and will be called from %s, the new %s of destination %s, instead of %s; the backend must admit them if it filters callers",
		[_label(b), concat(", ", new), _what(r, new), lib.destination_id, _old_desc(b)],
	),
	"remediation": concat(" ", [
		_allow_fix(b, new),
		sprintf("Record the backend's allowlist in the preflight configuration (backends[%d].allowlist) so the check can be decided.", [i]),
	]),
	"resource": _resource(b),
	"path": ["backends", i, "allowlist"],
	"key": _key(i, b),
}) if {
	some i in _checked
	b := input.backends[i]
	not _allowlist_known(b)
	r := _route(_dest_vc, b)
	new := _new_addrs(b)
	count(new) > 0
}

_old_desc(b) := concat(", ", addrs) if {
	addrs := _src_egress[_route(_src_vc, b)]
	count(addrs) > 0
} else := sprintf("the unknown egress of source %s", [lib.source_id])

# The destination does not report the addresses a backend needs.
findings contains lib.undecided({
	"check": sprintf(
		"the allowlists of %s: destination %s reports no %s",
		[concat(", ", sort({_label(input.backends[i]) | some i in idx})), lib.destination_id, _route_field[r]],
	),
	"remediation": sprintf(
		"Re-collect the snapshot so that destination.%s is filled in (`aliyun cloudapi DescribeInstances --InstanceId %s`), or read the instance's egress addresses in the console under Instances and Clusters > Dedicated Instances > %s, and make sure those backends allow them.",
		[_route_field[r], lib.destination_id, lib.destination_id],
	),
	"resource": lib.destination_resource,
	"path": ["destination", _route_field[r]],
	"key": sprintf("no-egress/%s", [r]),
}) if {
	some r in _checked_routes
	count(_dest_egress[r]) == 0
	idx := {i |
		some i in _checked
		_route(_dest_vc, input.backends[i]) == r
	}
}

# Stage variables or other unresolved addresses.
findings contains lib.undecided({
	"check": sprintf(
		"backend %s: its address %s is unresolved (%s), so the allowlist for destination %s's egress cannot be decided",
		[_label(b), addr, _unresolved_reason(b), lib.destination_id],
	),
	"remediation": sprintf(
		"Resolve the backend address of API %s for every stage (DescribeDeployedApi shows the stage variables, `aliyun cloudapi DescribeDeployedApi --GroupId %s --ApiId %s --StageName %s`) and make sure each resolved backend allows destination %s's egress addresses (%s).",
		[_api(b), lib.group_id, lib.get(b, "apiId"), _stage(b), lib.destination_id, concat(", ", lib.list(object.get(lib.destination, "InternetEgressAddress", null)))],
	),
	"resource": _resource(b),
	"path": ["backends", i, "address"],
	"key": _key(i, b),
}) if {
	_collected
	some i, b in input.backends
	lib.network_backend(b)
	_unresolved(b)
	addr := _address(b)
}

_unresolved_reason(b) := u if {
	u := lib.get(b, "unresolved")
	lib.set(u)
} else := "stage variables"

_address(b) := a if {
	a := lib.get(b, "address")
	lib.set(a)
} else := _host(b)

_stage(b) := s if {
	s := lib.get(b, "stage")
	lib.set(s)
} else := "RELEASE"

# No backends in the snapshot.
findings contains lib.undecided({
	"check": sprintf(
		"whether the backends of group %s allow destination %s's egress addresses: backends were not collected",
		[lib.label_group, lib.destination_id],
	),
	"remediation": sprintf(
		"Re-collect the snapshot with backends (the collector needs apigateway:DescribeApis and apigateway:DescribeDeployedApi), or check by hand that every HTTP/HTTPS/VPC backend of the group allows %s before migrating.",
		[concat(", ", lib.list(object.get(lib.destination, "InternetEgressAddress", null)))],
	),
	"resource": lib.group_resource,
	"path": ["backends"],
	"key": "backends-missing",
}) if {
	not _collected
}

# A read of the APIs or backends failed: backends may be missing.
findings contains f if {
	count(lib.collection_errors) > 0
	f := lib.collection_undecided("MIG004", sprintf("whether every backend of group %s allows destination %s's egress addresses", [lib.label_group, lib.destination_id]))
}
