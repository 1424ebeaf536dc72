# METADATA
# title: Backends defined in plug-ins were read
# description: >-
#   Plug-ins can send requests to addresses that no API's ServiceConfig names:
#   the backend routing plug-in's routes (routes[].backend, type HTTP or
#   HTTP-VPC with an address or a vpcAccessName) and the third-party
#   authentication plug-in's service (authUri). The collector adds them to
#   backends with source "plugin", so that the egress, IPv6, ENI and
#   private-path rules (MIG004, MIG008, MIG009, MIG018) check them. This rule
#   reports, as "could not check", each plug-in bound to the group whose
#   backend addresses could not be read: PluginData that is not YAML or JSON,
#   a routing plug-in without a routes list, a network route without an
#   address, and routes missing from backends (an older collector, or a read
#   that failed). It also says so when the plug-ins were not collected at
#   all, or their read failed.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/backend-routing
#     description: Backend routing plug-in (routes, backend types and addresses)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/third-party-authentication-plug-in
#     description: Third-party authentication plug-in (authUri)
# custom:
#   id: MIG021
#   name: plugin-backends
#   severity: warning
#   remediation: >-
#     Read the plug-in's configuration (console API Gateway > Plug-ins >
#     plug-in > Definition, or
#     `aliyun cloudapi DescribePluginsByGroup --GroupId <group> --StageName <stage>`),
#     check each address it routes to as MIG004, MIG008, MIG009 and MIG018
#     would (allowlists, IPv6, ENI security groups, private IPs), fix the
#     definition if it does not parse, and re-collect the snapshot.
#   tags: [plugins, network]
package apigw.rules.plugin_backends

import data.apigw.lib

_plugins := input.plugins if is_array(input.plugins)

_network_types := {"HTTP", "HTTPS", "HTTP-VPC"}

_data(p) := d if {
	raw := lib.get(p, "PluginData")
	yaml.is_valid(raw)
	d := yaml.unmarshal(raw)
	is_object(d)
}

_type(p) := lower(trim_space(lib.get(p, "PluginType")))

_routing(p) if _type(p) == "routing"

_routing(p) if "routes" in object.keys(_data(p))

_remote_auth(p) if _type(p) == "remoteauth"

_remote_auth(p) if "authUri" in object.keys(_data(p))

_defines_backends(p) if _routing(p)

_defines_backends(p) if _remote_auth(p)

_stage(p) := s if {
	s := upper(trim_space(lib.get(p, "StageName")))
	s != ""
} else := "RELEASE"

_name(p) := n if {
	n := lib.get(p, "PluginName")
	lib.set(n)
} else := lib.get(p, "PluginId")

# ---- what could not be read, per plug-in ----------------------------------------

_problems(i) := {x.text | some x in _problem; x.i == i}

_problem contains {"i": i, "text": "its PluginData is not YAML or JSON"} if {
	some i, p in _plugins
	_defines_backends(p)
	not _data(p)
}

_problem contains {"i": i, "text": "it has no routes list"} if {
	some i, p in _plugins
	_routing(p)
	d := _data(p)
	not is_array(object.get(d, "routes", null))
}

_problem contains {"i": i, "text": sprintf("route %s names no %s", [_route_name(r, k), _wanted(r)])} if {
	some i, p in _plugins
	_routing(p)
	some k, r in _routes(p)
	_network_route(r)
	not _route_target(r)
}

_problem contains {"i": i, "text": sprintf("route %s is not in the snapshot's backends", [_route_name(r, k)])} if {
	some i, p in _plugins
	_routing(p)
	some k, r in _routes(p)
	_network_route(r)
	_route_target(r)
	not _collected(p, _route_name(r, k))
}

_problem contains {"i": i, "text": "its authentication service (authUri) names no address"} if {
	some i, p in _plugins
	_remote_auth(p)
	d := _data(p)
	not _auth_target(d)
}

_problem contains {"i": i, "text": "its authentication service is not in the snapshot's backends"} if {
	some i, p in _plugins
	_remote_auth(p)
	_auth_target(_data(p))
	not _collected(p, "")
}

_routes(p) := [r | some r in object.get(_data(p), "routes", []); is_object(r)] if is_array(object.get(_data(p), "routes", null))

_route_name(r, k) := n if {
	n := lib.get(r, "name")
	lib.set(n)
} else := sprintf("#%d", [k + 1])

_backend(r) := lib.obj(object.get(r, "backend", null))

_route_type(r) := upper(trim_space(lib.get(_backend(r), "type")))

_network_route(r) if _route_type(r) in _network_types

_network_route(r) if {
	_route_type(r) == ""
	lib.set(lib.get(_backend(r), "address"))
}

_wanted(r) := "vpcAccessName" if _route_type(r) == "HTTP-VPC"

_wanted(r) := "address" if _route_type(r) != "HTTP-VPC"

_route_target(r) if {
	_route_type(r) == "HTTP-VPC"
	lib.set(lib.get(_backend(r), "vpcAccessName"))
}

_route_target(r) if {
	_route_type(r) != "HTTP-VPC"
	lib.set(lib.get(_backend(r), "address"))
}

_auth_target(d) if lib.set(lib.get(lib.obj(object.get(d, "authUri", null)), "address"))

_auth_target(d) if lib.set(lib.get(lib.obj(object.get(d, "authUri", null)), "vpcAccessName"))

_auth_target(d) if lib.set(lib.get(d, "authVpcAccessName"))

# A backends entry that came from this plug-in's route (or its auth service).
_collected(p, route) if {
	some b in lib.backends
	lib.get(b, "source") == "plugin"
	ref := lib.obj(object.get(b, "plugin", null))
	lib.get(ref, "pluginId") == lib.get(p, "PluginId")
	lib.get(ref, "route") == route
	upper(trim_space(lib.get(ref, "stage"))) in {"", _stage(p)}
}

findings contains lib.undecided({
	"check": sprintf(
		"the backends of plug-in %s (%s, stage %s) bound to group %s: %s, so MIG004, MIG008, MIG009 and MIG018 do not see them",
		[_name(p), lib.get(p, "PluginType"), _stage(p), lib.label_group, concat("; ", sort(_problems(i)))],
	),
	"remediation": sprintf(
		"Read the definition of %s (console API Gateway > Plug-ins > %s > Definition, or `aliyun cloudapi DescribePluginsByGroup --GroupId %s --StageName %s`), check every address it routes to against the destination %s as MIG004, MIG008, MIG009 and MIG018 would, fix the definition if it does not parse, and re-collect the snapshot.",
		[_name(p), _name(p), lib.group_id, _stage(p), lib.destination_id],
	),
	"resource": {"kind": "plugin", "id": lib.get(p, "PluginId"), "name": lib.get(p, "PluginName")},
	"path": ["plugins", i, "PluginData"],
	"key": sprintf("plugin/%d", [i]),
}) if {
	some i, p in _plugins
	count(_problems(i)) > 0
}

findings contains lib.undecided({
	"check": sprintf(
		"the plug-ins bound to group %s: plugins were not collected, so backends that routing or authentication plug-ins send requests to are not checked",
		[lib.label_group],
	),
	"remediation": sprintf(
		"Re-collect the snapshot with this release (the collector needs apigateway:DescribePluginsByGroup), or list them with `aliyun cloudapi DescribePluginsByGroup --GroupId %s --StageName RELEASE` (and PRE, TEST) and check their addresses by hand.",
		[lib.group_id],
	),
	"resource": lib.group_resource,
	"path": ["plugins"],
	"key": "plugins-missing",
}) if {
	not _plugins
}

findings contains f if {
	# First, so that a snapshot without failed reads builds no text.
	count(lib.collection_errors) > 0
	f := lib.collection_undecided("MIG021", sprintf("the backends of the plug-ins bound to group %s", [lib.label_group]))
}
