# METADATA
# title: Instance-level private DNS follows the backends
# description: >-
#   Backend host names can be resolved through private DNS records bound to
#   the instance (PrivateDnsList.PrivateDns on DescribeInstances, names such
#   as PrivateZone hosts). Those records do not move with the group: every
#   name a backend of the group (any stage, plug-in routes included) uses
#   that is bound to the source must be bound to the destination too, and
#   with a record type the destination kind takes: VPC-type records only on
#   conventional dedicated instances, A-type records only on VPC integration
#   instances; serverless instances have none. Error when the destination
#   lacks the name. A name bound on both is fine: the cloud only binds records
#   of a type the instance takes. Warning ("could not check") when a backend
#   host looks internal (a host name that did not resolve, or resolved only
#   to private addresses) and the dedicated source, or the destination for a
#   name the source has, reports no PrivateDnsList. Names match exactly or
#   through a leading "*." wildcard, case-insensitively.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/instance-level-private-domain-name-resolution
#     description: Instance-level internal domain name resolution (record types per instance kind)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/developer-reference/api-cloudapi-2016-07-14-createprivatedns
#     description: CreatePrivateDNS (record types A and VPC)
# custom:
#   id: MIG019
#   name: private-dns
#   severity: error
#   remediation: >-
#     Bind the private DNS records the backends use to the destination before
#     migrating: console Instances and Clusters > Dedicated Instances >
#     instance > Internal Domain Name Resolution, or
#     `aliyun cloudapi AssociateInstanceWithPrivateDNS --InstanceId <destination> --IntranetDomains '["<name>"]'`
#     (create an A-type record with `aliyun cloudapi CreatePrivateDNS` first
#     when the destination is a VPC integration instance and the source used
#     a VPC-type one).
#   tags: [network, dns]
package apigw.rules.private_dns

import data.apigw.lib

_src_kind := lib.instance_kind(lib.source)

_dest_kind := lib.instance_kind(lib.destination)

# The names bound to an instance, or undefined when it reports none.
_names(inst) := {lower(trim_space(n)) |
	some n in lib.list(object.get(lib.obj(object.get(inst, "PrivateDnsList", null)), "PrivateDns", null))
} if {
	_reported(inst)
}

_reported(inst) if is_object(object.get(inst, "PrivateDnsList", null))

# A backend host name (not an IP literal, not a stage variable).
_host_name(b) := h if {
	h := lower(trim_space(lib.get(b, "host")))
	h != ""
	not lib.valid_addr(h)
	not contains(h, "#")
}

# The bound name that covers host h, exactly or through "*.".
_match(names, h) := h if h in names

_match(names, h) := w if {
	not h in names
	some w in names
	startswith(w, "*.")
	endswith(h, substring(w, 1, -1))
}

# The record type each destination kind takes.
_record_type := {"normal": "VPC", "vpc_connect": "A"}

_src_record_type := object.get(_record_type, _src_kind, "unknown")

# Backends whose host resolves through a source record: name -> backend indexes.
_via_source := {name: {i | some [n, i] in _via_pairs; n == name} | some [name, _] in _via_pairs}

_via_pairs contains [name, i] if {
	names := _names(lib.source)
	some i, b in lib.backends
	lib.network_backend(b)
	name := _match(names, _host_name(b))
}

_labels(idx) := concat(", ", sort({lib.backend_label(lib.backends[i]) | some i in idx}))

# The destination lacks a name the source resolves backends with.
findings contains lib.finding({
	"message": sprintf(
		"backend host name %s (%s) resolves through private DNS record %s bound to source %s, but destination %s (%s) %s, so the backend stops resolving after the migration",
		[_host_of(idx), _labels(idx), name, lib.source_id, lib.destination_id, lib.instance_kind_text[_dest_kind], _dest_lack(name)],
	),
	"remediation": _remediation(name),
	"resource": lib.destination_resource,
	"path": ["destination", "PrivateDnsList"],
	"key": sprintf("missing/%s", [name]),
}) if {
	some name, idx in _via_source
	not _dest_has(name)
	_dest_decidable
}

_host_of(idx) := concat(", ", sort({_host_name(lib.backends[i]) | some i in idx}))

_dest_has(name) if name in _names(lib.destination)

_dest_decidable if _reported(lib.destination)

_dest_decidable if _dest_kind == "serverless"

_dest_lack(_) := "cannot hold private DNS records" if _dest_kind == "serverless"

_dest_lack(name) := sprintf("does not have %s bound", [name]) if _dest_kind != "serverless"

_remediation(name) := sprintf(
	"Migrate to a dedicated instance instead: a serverless instance has no instance-level private DNS, so %s cannot be resolved there.",
	[name],
) if {
	_dest_kind == "serverless"
}

_remediation(name) := sprintf(
	"Before migrating, bind %s to %s: console Instances and Clusters > Dedicated Instances > %s > Internal Domain Name Resolution, or `aliyun cloudapi AssociateInstanceWithPrivateDNS --InstanceId %s --IntranetDomains '[\"%s\"]'`.",
	[name, lib.destination_id, lib.destination_id, lib.destination_id, name],
) if {
	_dest_kind != "serverless"
	_src_record_type == _record_type[_dest_kind]
}

_remediation(name) := sprintf(
	"Before migrating, create a %s-type record for %s (the source's record is %s-type, which %s cannot take) with `aliyun cloudapi CreatePrivateDNS --IntranetDomain %s --Type %s --Records '[...]'` and bind it: console Instances and Clusters > Dedicated Instances > %s > Internal Domain Name Resolution, or `aliyun cloudapi AssociateInstanceWithPrivateDNS --InstanceId %s --IntranetDomains '[\"%s\"]'`.",
	[_record_type[_dest_kind], name, _src_record_type, lib.instance_kind_text[_dest_kind], name, _record_type[_dest_kind], lib.destination_id, lib.destination_id, name],
) if {
	_dest_kind != "serverless"
	_src_record_type != _record_type[_dest_kind]
}

# The source has the name; the destination does not report its records.
findings contains lib.undecided({
	"check": sprintf(
		"whether destination %s has private DNS record %s, which backend %s resolves through on source %s: the destination reports no PrivateDnsList",
		[lib.destination_id, name, _labels(idx), lib.source_id],
	),
	"remediation": sprintf("Check the destination's Internal Domain Name Resolution in the console (or `aliyun cloudapi DescribeInstances --InstanceId %s`, field PrivateDnsList), bind %s if it is missing, and re-collect the snapshot.", [lib.destination_id, name]),
	"resource": lib.destination_resource,
	"path": ["destination", "PrivateDnsList"],
	"key": sprintf("destination-unknown/%s", [name]),
}) if {
	some name, idx in _via_source
	not _dest_decidable
}

# A backend host that looks internal.
_internal(b) if {
	_host_name(b)
	count(lib.backend_addrs(b)) == 0
	lib.set(lib.get(b, "unresolved"))
}

_internal(b) if {
	_host_name(b)
	addrs := lib.backend_addrs(b)
	count(addrs) > 0
	every a in addrs {
		lib.private(a)
	}
}

findings contains lib.undecided({
	"check": sprintf(
		"whether backend %s resolves through private DNS records of source %s: its host %s looks internal and the source reports no PrivateDnsList",
		[lib.backend_label(b), lib.source_id, _host_name(b)],
	),
	"remediation": sprintf("Look up the source's Internal Domain Name Resolution (console, or `aliyun cloudapi DescribeInstances --InstanceId %s`, field PrivateDnsList); if %s is bound there, bind it to %s too, then re-collect the snapshot.", [lib.source_id, _host_name(b), lib.destination_id]),
	"resource": lib.source_resource,
	"path": ["backends", i, "host"],
	"key": sprintf("source-unknown/%d", [i]),
}) if {
	_src_kind != "serverless"
	not _reported(lib.source)
	some i, b in lib.backends
	lib.network_backend(b)
	_internal(b)
}

findings contains lib.undecided({
	"check": sprintf(
		"whether the backends of group %s resolve through private DNS records of source %s: backends were not collected",
		[lib.label_group, lib.source_id],
	),
	"remediation": "Re-collect the snapshot with backends (apigateway:DescribeApis, apigateway:DescribeDeployedApi), or compare the source's and the destination's Internal Domain Name Resolution by hand.",
	"resource": lib.group_resource,
	"path": ["backends"],
	"key": "backends-missing",
}) if {
	not lib.backends_collected
	_src_kind != "serverless"
}

findings contains f if {
	# First, so that a snapshot without failed reads builds no text.
	count(lib.collection_errors) > 0
	f := lib.collection_undecided("MIG019", sprintf("whether the backends of group %s resolve on destination %s", [lib.label_group, lib.destination_id]))
}
