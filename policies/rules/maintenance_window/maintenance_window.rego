# METADATA
# title: Not during the destination's maintenance window
# description: >-
#   A dedicated instance has a daily maintenance window
#   (MaintainStartTime/MaintainEndTime, "HH:mmZ" in UTC; a window may cross
#   midnight). A migration during maintenance, or just before it, can meet
#   restarts and a switch that does not complete cleanly. Warning when the
#   snapshot's collectedAt (the time of reference, never the wall clock)
#   falls inside the window or within marginMinutes (default 120) of it. A
#   dedicated destination that reports no window, or one that cannot be
#   read, is reported as "could not check".
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/developer-reference/api-cloudapi-2016-07-14-describeinstances
#     description: DescribeInstances (MaintainStartTime, MaintainEndTime)
# custom:
#   id: MIG026
#   name: maintenance-window
#   severity: warning
#   remediation: >-
#     Migrate outside the destination's maintenance window, with at least the
#     margin to spare, and collect the snapshot again right before the
#     migration (console Instances and Clusters > Dedicated Instances >
#     instance > maintenance window;
#     `aliyun cloudapi DescribeInstances --InstanceId <destination>`).
#   tags: [schedule]
#   params:
#     - name: marginMinutes
#       type: integer
#       default: 120
#       min: 0
#       max: 720
#       description: >-
#         How close to the maintenance window, in minutes before its start or
#         after its end, a snapshot's time still counts as too close.
package apigw.rules.maintenance_window

import data.apigw.lib

_margin := lib.param(rego.metadata.chain(), "marginMinutes")

_start_text := trim_space(lib.get(lib.destination, "MaintainStartTime"))

_end_text := trim_space(lib.get(lib.destination, "MaintainEndTime"))

_hhmm_re := `^([01][0-9]|2[0-3]):([0-5][0-9])(Z|z)?$`

# Minutes after midnight UTC of an "HH:mmZ" value. A match and two
# substrings: cheaper than the submatch arrays of regex.find_all_*.
_minutes(s) := (to_number(substring(s, 0, 2)) * 60) + to_number(substring(s, 3, 2)) if {
	regex.match(_hhmm_re, s)
}

_start := _minutes(_start_text)

_end := _minutes(_end_text)

_collected_ns := time.parse_rfc3339_ns(t) if {
	t := lib.get(input, "collectedAt")
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|z|[+-][0-9]{2}:[0-9]{2})$`, t)
}

_now := (c[0] * 60) + c[1] if {
	c := time.clock([_collected_ns, "UTC"])
}

_clock(m) := sprintf("%02d:%02d", [floor(m / 60), m % 60])

_applies if {
	lib.instance_kind(lib.destination) != "serverless"
	not lib.already_migrated
}

# Minutes from a to b going forward around the clock.
_ahead(a, b) := ((b - a) + 1440) % 1440

_length := _ahead(_start, _end)

_inside if _ahead(_start, _now) < _length

_until_start := _ahead(_now, _start)

_since_end := _ahead(_end, _now)

_where := sprintf("inside destination %s's maintenance window %s-%s UTC", [lib.destination_id, _clock(_start), _clock(_end)]) if _inside

_where := sprintf("%d minutes before destination %s's maintenance window %s-%s UTC", [_until_start, lib.destination_id, _clock(_start), _clock(_end)]) if {
	not _inside
	_until_start <= _margin
}

_where := sprintf("%d minutes after destination %s's maintenance window %s-%s UTC ended", [_since_end, lib.destination_id, _clock(_start), _clock(_end)]) if {
	not _inside
	_until_start > _margin
	_since_end <= _margin
}

findings contains lib.finding({
	"message": sprintf(
		"the snapshot was taken at %s UTC (%s), %s, so migrating group %s now may meet maintenance work on the destination",
		[_clock(_now), lib.get(input, "collectedAt"), _where, lib.label_group],
	),
	"remediation": sprintf(
		"Migrate group %s outside %s-%s UTC with at least %v minutes to spare, and collect the snapshot again right before the migration (`aliyun cloudapi DescribeInstances --InstanceId %s` shows MaintainStartTime and MaintainEndTime).",
		[lib.label_group, _clock(_start), _clock(_end), _margin, lib.destination_id],
	),
	"resource": lib.destination_resource,
	"path": ["destination", "MaintainStartTime"],
	"key": "window",
}) if {
	_applies
	_where
}

findings contains lib.undecided({
	"check": sprintf(
		"whether the migration of group %s meets destination %s's maintenance window: %s",
		[lib.label_group, lib.destination_id, _unreadable],
	),
	"remediation": sprintf("Look the window up (console Instances and Clusters > Dedicated Instances > %s, or `aliyun cloudapi DescribeInstances --InstanceId %s`) and migrate outside it.", [lib.destination_id, lib.destination_id]),
	"resource": lib.destination_resource,
	"path": ["destination", "MaintainStartTime"],
	"key": "window-unknown",
}) if {
	_applies
	_unreadable
}

_unreadable := "the destination reports no MaintainStartTime/MaintainEndTime" if {
	_start_text == ""
	_end_text == ""
} else := sprintf("MaintainStartTime %q and MaintainEndTime %q are not both UTC times like 02:00Z", [_start_text, _end_text]) if {
	not _start
} else := sprintf("MaintainStartTime %q and MaintainEndTime %q are not both UTC times like 02:00Z", [_start_text, _end_text]) if {
	not _end
} else := sprintf("collectedAt %q is not an RFC 3339 time", [lib.get(input, "collectedAt")]) if {
	not _now
}
