# METADATA
# title: Limits of the destination specification other than RPS
# description: >-
#   Each dedicated specification also caps inbound connections, new inbound
#   connections per second, the outbound connection pool and the outbound
#   Internet bandwidth (the dedicated-instance specification table of the
#   official documentation; api.s1.small: 50,000 connections, 5,000 new per
#   second, a pool of 1,200, 100 Mbit/s). MIG001 compares RPS only. Warning
#   when a dedicated source's specification is larger than the destination's
#   in any of these, naming each; a note listing the destination's limits for
#   a serverless source (which allows 100,000 connections per domain name and
#   shares its bandwidth), since the group's own connection and bandwidth
#   figures are not collected. The figures are the documented ones, not
#   measured, and the documentation counts RPS for requests and responses
#   within 4 KB, so larger payloads lower what an instance carries: these are
#   warnings and notes, never errors. A specification missing from the table
#   is reported as "could not check".
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/product-overview/dedicated-instances
#     description: Dedicated instance specifications (connections, CPS, outbound pool, bandwidth)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/product-overview/limits
#     description: API Gateway limits (serverless connections, the 4 KB basis of RPS)
# custom:
#   id: MIG022
#   name: spec-limits
#   severity: warning
#   remediation: >-
#     Compare the group's peak connections and outbound bandwidth (CloudMonitor,
#     or `aliyun cloudapi DescribeGroupTraffic`) with the destination's limits;
#     if they do not fit, upgrade the destination first: console Instances and
#     Clusters > Dedicated Instances > Upgrade, or
#     `aliyun cloudapi ModifyInstanceSpec --InstanceId <destination> --InstanceSpec <spec> --ModifyAction UPGRADE --AutoPay true --Token <uuid>`
#     (an upgrade may add an egress IP: re-run the preflight, MIG004).
#   tags: [capacity]
package apigw.rules.spec_limits

import data.apigw.lib

# The specification table: connections, new connections per second (cps),
# outbound connection pool, outbound Internet bandwidth in Mbit/s.
_limits := {
	"api.s1.small": {"connections": 50000, "cps": 5000, "pool": 1200, "bandwidth": 100},
	"api.s1.medium": {"connections": 100000, "cps": 5000, "pool": 2400, "bandwidth": 100},
	"api.s2.large": {"connections": 200000, "cps": 5000, "pool": 4800, "bandwidth": 200},
	"api.s2.large.x2": {"connections": 400000, "cps": 10000, "pool": 9600, "bandwidth": 200},
	"api.s2.large.x3": {"connections": 600000, "cps": 10000, "pool": 14400, "bandwidth": 400},
	"api.s2.large.x4": {"connections": 800000, "cps": 20000, "pool": 19200, "bandwidth": 400},
	"api.s2.large.x5": {"connections": 1000000, "cps": 20000, "pool": 24000, "bandwidth": 600},
	"api.s2.large.x6": {"connections": 1000000, "cps": 20000, "pool": 28800, "bandwidth": 600},
}

# The same figures as the messages print them (thousands separators, the
# unit), written out so that a message formats no numbers;
# test_texts_match_limits holds them to _limits.
_texts := {
	"api.s1.small": {"connections": "50,000", "cps": "5,000", "pool": "1,200", "bandwidth": "100 Mbit/s"},
	"api.s1.medium": {"connections": "100,000", "cps": "5,000", "pool": "2,400", "bandwidth": "100 Mbit/s"},
	"api.s2.large": {"connections": "200,000", "cps": "5,000", "pool": "4,800", "bandwidth": "200 Mbit/s"},
	"api.s2.large.x2": {"connections": "400,000", "cps": "10,000", "pool": "9,600", "bandwidth": "200 Mbit/s"},
	"api.s2.large.x3": {"connections": "600,000", "cps": "10,000", "pool": "14,400", "bandwidth": "400 Mbit/s"},
	"api.s2.large.x4": {"connections": "800,000", "cps": "20,000", "pool": "19,200", "bandwidth": "400 Mbit/s"},
	"api.s2.large.x5": {"connections": "1,000,000", "cps": "20,000", "pool": "24,000", "bandwidth": "600 Mbit/s"},
	"api.s2.large.x6": {"connections": "1,000,000", "cps": "20,000", "pool": "28,800", "bandwidth": "600 Mbit/s"},
}

# Dimensions in message order, with their words.
_dims := [
	{"key": "connections", "text": "inbound connections", "unit": ""},
	{"key": "cps", "text": "new inbound connections per second", "unit": ""},
	{"key": "pool", "text": "outbound connection pool", "unit": ""},
	{"key": "bandwidth", "text": "outbound Internet bandwidth", "unit": " Mbit/s"},
]

_spec(inst) := lower(trim_space(lib.get(inst, "InstanceSpec")))

_dest_spec := _spec(lib.destination)

_src_spec := _spec(lib.source)

_dest_kind := lib.instance_kind(lib.destination)

_src_kind := lib.instance_kind(lib.source)

_applies if {
	_dest_kind != "serverless"
	not lib.already_migrated
}

_value(spec, d) := _texts[spec][d.key]

_dest_list := concat(", ", [sprintf("%s %s", [d.text, _value(_dest_spec, d)]) | some d in _dims])

# A serverless source: the destination's limits, as a note.
findings contains lib.finding({
	"severity": "note",
	"message": sprintf(
		"after the migration group %s is bound by the limits of destination %s (%s) besides RPS: %s; serverless source %s allows 100,000 connections per domain name and shares its bandwidth, and the group's own connection and bandwidth figures were not collected",
		[lib.label_group, lib.destination_id, _dest_spec, _dest_list, lib.source_id],
	),
	"remediation": sprintf(
		"Compare the group's peak connections and outbound bandwidth (CloudMonitor, or `aliyun cloudapi DescribeGroupTraffic --GroupId %s --StageName RELEASE --StartTime <t> --EndTime <t>`) with these limits; if they do not fit, upgrade %s first (`aliyun cloudapi ModifyInstanceSpec --InstanceId %s --InstanceSpec <spec> --ModifyAction UPGRADE --AutoPay true --Token <uuid>`; an upgrade may add an egress IP, so re-run the preflight for MIG004).",
		[lib.group_id, lib.destination_id, lib.destination_id],
	),
	"resource": lib.destination_resource,
	"path": ["destination", "InstanceSpec"],
	"key": "serverless-source",
}) if {
	_applies
	_src_kind == "serverless"
	_limits[_dest_spec]
}

# A dedicated source with a larger specification in some dimension.
_smaller contains d if {
	some d in _dims
	_limits[_src_spec][d.key] > _limits[_dest_spec][d.key]
}

_smaller_text := concat(", ", [sprintf("%s %s instead of %s", [d.text, _value(_dest_spec, d), _value(_src_spec, d)]) |
	some d in _dims
	d in _smaller
])

findings contains lib.finding({
	"message": sprintf(
		"destination %s (%s) allows less than source %s (%s) in limits other than RPS: %s, so traffic the source carries today may be refused or queued after the migration of group %s",
		[lib.destination_id, _dest_spec, lib.source_id, _src_spec, _smaller_text, lib.label_group],
	),
	"remediation": sprintf(
		"Check the group's peak connections and outbound bandwidth on %s (CloudMonitor, or `aliyun cloudapi DescribeInstanceTraffic --InstanceId %s --StageName RELEASE --StartTime <t> --EndTime <t>`); if they exceed %s's limits, upgrade it first: `aliyun cloudapi ModifyInstanceSpec --InstanceId %s --InstanceSpec %s --ModifyAction UPGRADE --AutoPay true --Token <uuid>` (an upgrade may add an egress IP: re-run the preflight for MIG004).",
		[lib.source_id, lib.source_id, lib.destination_id, lib.destination_id, _src_spec],
	),
	"resource": lib.destination_resource,
	"path": ["destination", "InstanceSpec"],
	"key": "smaller-than-source",
}) if {
	_applies
	_src_kind != "serverless"
	_limits[_src_spec]
	_limits[_dest_spec]
	count(_smaller) > 0
}

findings contains lib.undecided({
	"check": sprintf(
		"the limits other than RPS of %s: specification %q is not in the dedicated-instance specification table",
		[concat(" and ", sort(_unknown)), concat(", ", sort({_role_spec[r] | some r in _unknown_roles}))],
	),
	"remediation": "Look the specification up in the dedicated-instance specification table of the API Gateway documentation and compare its connection, CPS, outbound pool and bandwidth limits by hand.",
	"resource": lib.destination_resource,
	"path": ["destination", "InstanceSpec"],
	"key": "unknown-spec",
}) if {
	_applies
	count(_unknown) > 0
}

# The instances whose specification is unknown, by role: roles rather than
# the instance objects, so that no whole object is compared. A source that
# is the destination's very object is named once, as the destination.
_unknown_roles contains "destination" if not _limits[_dest_spec]

_unknown_roles contains "source" if {
	_src_kind != "serverless"
	not _limits[_src_spec]
	lib.source != lib.destination
}

_role_id := {"destination": lib.destination_id, "source": lib.source_id}

_role_spec := {"destination": _dest_spec, "source": _src_spec}

_unknown := {sprintf("%s (%s)", [_role_id[r], r]) | some r in _unknown_roles}
