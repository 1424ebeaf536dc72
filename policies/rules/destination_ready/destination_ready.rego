# METADATA
# title: Destination instance is running and not about to expire
# description: >-
#   The destination must be in service: destination.Status other than RUNNING
#   is an error. A subscription destination that expires (ExpiredTime, epoch
#   milliseconds as a number or string, or an RFC 3339 time or YYYY-MM-DD date)
#   within expiryWindowDays (default 30) of the snapshot's collectedAt is a
#   warning naming the date and the days left; one that has already expired at
#   collectedAt is an error, because an expired instance stops serving the
#   group. The time of reference is always collectedAt, never the wall clock,
#   so a replay gives the same answer. No waiver accepts a destination that
#   is not RUNNING (the finding says waivable false). An empty ExpiredTime (pay-as-you-go) is
#   quiet; an unreadable ExpiredTime (epoch milliseconds must be whole and
#   from the year 2000 on, so 5e-324 or epoch seconds are unreadable) or
#   collectedAt, or a missing Status, is a warning that begins "could not
#   check".
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/developer-reference/api-cloudapi-2016-07-14-describeinstances
#     description: DescribeInstances (Status, ExpiredTime)
# custom:
#   id: MIG011
#   name: destination-ready
#   severity: error
#   remediation: >-
#     Migrate only to a RUNNING destination (aliyun cloudapi DescribeInstances
#     --InstanceId ...); renew a subscription instance that expires soon in the
#     API Gateway console > Instances > Renew.
#   tags: [procedure, billing]
#   params:
#     - name: expiryWindowDays
#       type: integer
#       default: 30
#       min: 0
#       description: >-
#         Warn when a subscription destination expires within this many days
#         of the snapshot's collectedAt.
package apigw.rules.destination_ready

import data.apigw.lib

_describe := sprintf("`aliyun cloudapi DescribeInstances --InstanceId %s`", [lib.destination_id])

_day_ms := 86400000

# ---- status ---------------------------------------------------------------------

_status := trim_space(lib.get(lib.destination, "Status"))

findings contains lib.finding({
	"message": sprintf("Destination %s has Status %s, not RUNNING, so it cannot take group %s.", [lib.destination_id, _status, lib.label_group]),
	"remediation": sprintf("Wait until the instance is RUNNING or resolve its state in the API Gateway console > Instances > %s (renew it if it expired or was stopped for overdue payment); migrate only when %s reports Status RUNNING.", [lib.destination_id, _describe]),
	"resource": lib.destination_resource,
	"path": ["destination", "Status"],
	"key": "status",
	"waivable": false,
}) if {
	lib.set(_status)
	upper(_status) != "RUNNING"
}

findings contains lib.undecided({
	"check": sprintf("whether destination %s is running: destination.Status is missing.", [lib.destination_id]),
	"remediation": sprintf("Collect the destination again with %s and keep its Status in the snapshot.", [_describe]),
	"resource": lib.destination_resource,
	"path": ["destination"],
	"key": "status",
}) if {
	not lib.set(_status)
}

# ---- expiry -----------------------------------------------------------------------

_expired_raw := object.get(lib.destination, "ExpiredTime", null)

# Pay-as-you-go instances have no expiry: null, "", 0 or "0".
_no_expiry if _expired_raw == null

_no_expiry if {
	is_string(_expired_raw)
	trim_space(_expired_raw) == ""
}

_no_expiry if lib.num(_expired_raw) == 0

_expiry_ms := _epoch_ms(_expired_raw)

_collected_ms := _time_ms(lib.get(input, "collectedAt"))

_window_days := lib.param(rego.metadata.chain(), "expiryWindowDays")

# _epoch_ms(x): epoch milliseconds (number or digit string) or a time/date
# string, as milliseconds; undefined when unreadable or out of range.
_epoch_ms(x) := ms if {
	not is_string(x)
	ms := lib.num(x)
	_in_range(ms)
}

_epoch_ms(x) := ms if {
	is_string(x)
	regex.match(`^\s*[0-9]+(\.[0-9]+)?\s*$`, x)
	ms := lib.num(x)
	_in_range(ms)
}

_epoch_ms(x) := _time_ms(x) if {
	is_string(x)
	not regex.match(`^\s*[0-9]+(\.[0-9]+)?\s*$`, x)
}

# Whole milliseconds from 2000-01-01 to 2261 (the time builtins hold
# nanoseconds in an int64): anything else (5e-324, epoch seconds, a negative
# or absurd number) is not an expiry time, and the rule says it could not
# check rather than compute with it.
_in_range(ms) if {
	ms >= 946684800000
	ms < 9214646400000
	ms == floor(ms)
}

_time_re := `^\s*([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?)?\s*(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))?\s*$`

# _time_ms(s) parses "2026-12-01", "2026-12-01T00:00:00Z", "2026-12-01 08:00:00",
# "2026-12-01T08:00:00+08:00" (no zone means UTC) into epoch milliseconds,
# validating every field first so no time builtin can fail.
_time_ms(s) := ms if {
	is_string(s)
	m := regex.find_all_string_submatch_n(_time_re, s, 1)
	count(m) == 1
	p := m[0]
	year := to_number(p[1])
	month := to_number(p[2])
	day := to_number(p[3])
	hour := _opt_num(p[4])
	minute := _opt_num(p[5])
	second := _opt_num(p[6])
	month >= 1
	month <= 12
	year >= 1970
	year <= 2261
	first := time.parse_ns("2006-01-02", sprintf("%s-%s-01", [p[1], p[2]]))
	next := time.add_date(first, 0, 1, 0)
	day >= 1
	day <= (next - first) / (_day_ms * 1000000)
	hour <= 23
	minute <= 59
	second <= 59
	offset := _offset_minutes(p[8], p[9], p[10])
	ms := ((((first / 1000000) + ((day - 1) * _day_ms)) + (((hour * 60) + minute) * 60000)) + (second * 1000)) - (offset * 60000)
}

_opt_num("") := 0

_opt_num(s) := to_number(s) if s != ""

_offset_minutes("", _, _) := 0

_offset_minutes(sign, h, mm) := v if {
	sign != ""
	hh := to_number(h)
	m := to_number(mm)
	hh <= 23
	m <= 59
	v := _sign_factor(sign) * ((hh * 60) + m)
}

_sign_factor("+") := 1

_sign_factor("-") := -1

_date_text(ms) := time.format([ms * 1000000, "UTC", "2006-01-02"])

_days_between(a, b) := floor((b - a) / _day_ms)

findings contains lib.finding({
	"severity": "warning",
	"message": sprintf("Destination %s expires on %s, %s after the snapshot was taken (%s), within the %v-day window.", [lib.destination_id, _date_text(_expiry_ms), _days_text(_days_between(_collected_ms, _expiry_ms)), lib.get(input, "collectedAt"), _window_days]),
	"remediation": sprintf("Renew the subscription before migrating: API Gateway console > Instances > %s > Renew (or enable auto-renewal), then confirm the new ExpiredTime with %s.", [lib.destination_id, _describe]),
	"resource": lib.destination_resource,
	"path": ["destination", "ExpiredTime"],
	"key": "expiry",
}) if {
	not _no_expiry
	_expiry_ms > _collected_ms
	_expiry_ms - _collected_ms <= _window_days * _day_ms
}

_days_text(0) := "less than a day"

_days_text(1) := "1 day"

_days_text(n) := sprintf("%v days", [n]) if n > 1

findings contains lib.finding({
	"message": sprintf("Destination %s expired on %s, before the snapshot was taken (%s), so it will not serve group %s.", [lib.destination_id, _date_text(_expiry_ms), lib.get(input, "collectedAt"), lib.label_group]),
	"remediation": sprintf("Renew the instance in the API Gateway console > Instances > %s > Renew, or pick another destination; confirm with %s that Status is RUNNING and ExpiredTime lies in the future.", [lib.destination_id, _describe]),
	"resource": lib.destination_resource,
	"path": ["destination", "ExpiredTime"],
	"key": "expiry",
}) if {
	not _no_expiry
	_expiry_ms <= _collected_ms
}

findings contains lib.undecided({
	"check": sprintf("when destination %s expires: ExpiredTime %s is neither whole epoch milliseconds (from the year 2000 on) nor a date.", [lib.destination_id, json.marshal(_expired_raw)]),
	"remediation": sprintf("Read the instance's expiry with %s or in the API Gateway console > Instances > %s, and correct ExpiredTime in the snapshot (epoch milliseconds or YYYY-MM-DD).", [_describe, lib.destination_id]),
	"resource": lib.destination_resource,
	"path": ["destination", "ExpiredTime"],
	"key": "expiry",
}) if {
	not _no_expiry
	not _expiry_ms
}

findings contains lib.undecided({
	"check": sprintf("when destination %s expires relative to the snapshot: collectedAt %s is not an RFC 3339 time.", [lib.destination_id, json.marshal(object.get(input, "collectedAt", null))]),
	"remediation": "Collect the snapshot again; collectedAt must be the RFC 3339 UTC time the cloud state was read, for example 2026-11-20T08:00:00Z.",
	"resource": lib.destination_resource,
	"path": ["collectedAt"],
	"key": "expiry",
}) if {
	not _no_expiry
	_expiry_ms
	not _collected_ms
}
