# METADATA
# title: Outbound IPv6 enabled on the destination
# description: >-
#   The destination must send IPv6 to backends when the group relies on it:
#   the source has outbound IPv6 enabled (source.EgressIpv6Enable true), or a
#   backend resolves to an IPv6 address (backends[].ips). Fires when the
#   destination has no outbound IPv6 (destination.EgressIpv6Enable not true;
#   the string "false", null or a missing field count as not enabled), once
#   for the source setting and once per backend with an IPv6 address.
#   IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) count as IPv4. When a read
#   of the backends failed during collection (collectionErrors) and the
#   destination has no outbound IPv6, the rule says it could not check.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/enable-ipv6
#     description: Enable IPv6 (inbound and outbound IPv6 traffic of dedicated instances)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances (enable outbound IPv6 on the destination first)
# custom:
#   id: MIG008
#   name: ipv6-outbound
#   severity: error
#   remediation: >-
#     Enable outbound IPv6 on the destination before migrating: console
#     Instances and Clusters > Dedicated Instances > Outbound IPv6 Traffic >
#     Enable, or
#     `aliyun cloudapi ModifyInstanceAttribute --InstanceId <destination> --EgressIpv6Enable true`.
#   tags: [network, ipv6, feature]
package apigw.rules.ipv6_outbound

import data.apigw.lib

_dest_has_ipv6 if lib.truthy(object.get(lib.destination, "EgressIpv6Enable", false))

_enable_fix := sprintf(
	"Before migrating, enable outbound IPv6 on %s: in the API Gateway console choose Instances and Clusters > Dedicated Instances and click Enable next to Outbound IPv6 Traffic for %s, or run `aliyun cloudapi ModifyInstanceAttribute --InstanceId %s --EgressIpv6Enable true`.",
	[lib.destination_id, lib.destination_id, lib.destination_id],
)

findings contains lib.finding({
	"message": sprintf(
		"source %s sends outbound IPv6 for group %s but destination %s has outbound IPv6 disabled (EgressIpv6Enable is %v), so backends reached over IPv6 become unreachable after the migration",
		[lib.source_id, lib.label_group, lib.destination_id, object.get(lib.destination, "EgressIpv6Enable", null)],
	),
	"remediation": _enable_fix,
	"resource": lib.destination_resource,
	"path": ["destination", "EgressIpv6Enable"],
	"key": "source",
}) if {
	lib.truthy(object.get(lib.source, "EgressIpv6Enable", false))
	not _dest_has_ipv6
}

# Backends that resolve to IPv6, by index.
_ipv6_backends[i] := ips if {
	is_array(input.backends)
	some i, b in input.backends
	is_object(b)
	ips := [ip | some ip in lib.ips(object.get(b, "ips", null)); lib.ipv6(ip)]
	count(ips) > 0
}

# Path of the first IPv6 address: ["backends", i, "ips", j] when ips is an
# array, ["backends", i, "ips"] otherwise (a comma list).
_ipv6_path(i, b) := ["backends", i, "ips", js[0]] if {
	is_array(b.ips)
	js := [k | some k, ip in b.ips; lib.ipv6(ip)]
}

_ipv6_path(i, b) := ["backends", i, "ips"] if not is_array(b.ips)

_host(b) := lib.get(b, "host") if lib.set(lib.get(b, "host"))

_host(b) := lib.get(b, "address") if not lib.set(lib.get(b, "host"))

_api(b) := lib.get(b, "apiName") if lib.set(lib.get(b, "apiName"))

_api(b) := lib.get(b, "apiId") if not lib.set(lib.get(b, "apiName"))

_label(b) := sprintf("%s (API %s)", [_host(b), _api(b)]) if lib.set(_api(b))

_label(b) := _host(b) if not lib.set(_api(b))

findings contains lib.finding({
	"message": sprintf(
		"backend %s resolves to IPv6 %s but destination %s has outbound IPv6 disabled (EgressIpv6Enable is %v), so group %s cannot reach it over IPv6 after the migration",
		[_label(b), concat(", ", ips), lib.destination_id, object.get(lib.destination, "EgressIpv6Enable", null), lib.label_group],
	),
	"remediation": concat(" ", [
		_enable_fix,
		sprintf("Otherwise make sure %s also answers on an IPv4 address the destination can reach.", [_host(b)]),
	]),
	"resource": {"kind": "backend", "id": _host(b), "name": _api(b)},
	"path": _ipv6_path(i, b),
	"key": sprintf("%s/%s", [_host(b), lib.get(b, "apiId")]),
}) if {
	some i, ips in _ipv6_backends
	b := input.backends[i]
	not _dest_has_ipv6
}

# A read of the APIs or backends failed: an IPv6 backend may be missing.
# With outbound IPv6 on the destination no backend can matter.
findings contains f if {
	not _dest_has_ipv6
	count(lib.collection_errors) > 0
	f := lib.collection_undecided("MIG008", sprintf("whether a backend of group %s is reached over IPv6, which destination %s cannot send", [lib.label_group, lib.destination_id]))
}
