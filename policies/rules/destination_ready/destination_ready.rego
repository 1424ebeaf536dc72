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
#   so a replay gives the same answer. An empty ExpiredTime (pay-as-you-go) is
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

dest_id := lib.get(input.destination, "InstanceId")

describe := sprintf("`aliyun cloudapi DescribeInstances --InstanceId %s`", [dest_id])

day_ms := 86400000

# ---- status ---------------------------------------------------------------------

status := trim_space(lib.get(input.destination, "Status"))

findings contains {
	"severity": "error",
	"message": sprintf("Destination %s has Status %s, not RUNNING, so it cannot take group %s.", [dest_id, status, lib.label_group]),
	"remediation": sprintf("Wait until the instance is RUNNING or resolve its state in the API Gateway console > Instances > %s (renew it if it expired or was stopped for overdue payment); migrate only when %s reports Status RUNNING.", [dest_id, describe]),
	"resource": lib.destination_resource,
	"path": ["destination", "Status"],
	"key": "status",
} if {
	lib.set(status)
	upper(status) != "RUNNING"
}

findings contains lib.undecided({
	"check": sprintf("whether destination %s is running: destination.Status is missing.", [dest_id]),
	"remediation": sprintf("Collect the destination again with %s and keep its Status in the snapshot.", [describe]),
	"resource": lib.destination_resource,
	"path": ["destination"],
	"key": "status",
}) if {
	not lib.set(status)
}

# ---- expiry -----------------------------------------------------------------------

expired_raw := object.get(input.destination, "ExpiredTime", null) if is_object(input.destination)

expired_raw := null if not is_object(input.destination)

# Pay-as-you-go instances have no expiry: null, "", 0 or "0".
no_expiry if expired_raw == null

no_expiry if {
	is_string(expired_raw)
	trim_space(expired_raw) == ""
}

no_expiry if lib.num(expired_raw) == 0

expiry_ms := epoch_ms(expired_raw)

collected_ms := time_ms(lib.get(input, "collectedAt"))

window_days := lib.param(rego.metadata.chain(), "expiryWindowDays")

# epoch_ms(x): epoch milliseconds (number or digit string) or a time/date
# string, as milliseconds; undefined when unreadable or out of range.
epoch_ms(x) := ms if {
	not is_string(x)
	ms := lib.num(x)
	in_range(ms)
}

epoch_ms(x) := ms if {
	is_string(x)
	regex.match(`^\s*[0-9]+(\.[0-9]+)?\s*$`, x)
	ms := lib.num(x)
	in_range(ms)
}

epoch_ms(x) := time_ms(x) if {
	is_string(x)
	not regex.match(`^\s*[0-9]+(\.[0-9]+)?\s*$`, x)
}

# Whole milliseconds from 2000-01-01 to 2261 (the time builtins hold
# nanoseconds in an int64): anything else (5e-324, epoch seconds, a negative
# or absurd number) is not an expiry time, and the rule says it could not
# check rather than compute with it.
in_range(ms) if {
	ms >= 946684800000
	ms < 9214646400000
	ms == floor(ms)
}

time_re := `^\s*([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?)?\s*(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))?\s*$`

# time_ms(s) parses "2026-12-01", "2026-12-01T00:00:00Z", "2026-12-01 08:00:00",
# "2026-12-01T08:00:00+08:00" (no zone means UTC) into epoch milliseconds,
# validating every field first so no time builtin can fail.
time_ms(s) := ms if {
	is_string(s)
	m := regex.find_all_string_submatch_n(time_re, s, 1)
	count(m) == 1
	p := m[0]
	year := to_number(p[1])
	month := to_number(p[2])
	day := to_number(p[3])
	hour := opt_num(p[4])
	minute := opt_num(p[5])
	second := opt_num(p[6])
	month >= 1
	month <= 12
	year >= 1970
	year <= 2261
	first := time.parse_ns("2006-01-02", sprintf("%s-%s-01", [p[1], p[2]]))
	next := time.add_date(first, 0, 1, 0)
	day >= 1
	day <= (next - first) / (day_ms * 1000000)
	hour <= 23
	minute <= 59
	second <= 59
	offset := offset_minutes(p[8], p[9], p[10])
	ms := ((((first / 1000000) + ((day - 1) * day_ms)) + (((hour * 60) + minute) * 60000)) + (second * 1000)) - (offset * 60000)
}

opt_num("") := 0

opt_num(s) := to_number(s) if s != ""

offset_minutes("", _, _) := 0

offset_minutes(sign, h, mm) := v if {
	sign != ""
	hh := to_number(h)
	m := to_number(mm)
	hh <= 23
	m <= 59
	v := sign_factor(sign) * ((hh * 60) + m)
}

sign_factor("+") := 1

sign_factor("-") := -1

date_text(ms) := time.format([ms * 1000000, "UTC", "2006-01-02"])

days_between(a, b) := floor((b - a) / day_ms)

findings contains {
	"severity": "warning",
	"message": sprintf("Destination %s expires on %s, %s after the snapshot was taken (%s), within the %v-day window.", [dest_id, date_text(expiry_ms), days_text(days_between(collected_ms, expiry_ms)), lib.get(input, "collectedAt"), window_days]),
	"remediation": sprintf("Renew the subscription before migrating: API Gateway console > Instances > %s > Renew (or enable auto-renewal), then confirm the new ExpiredTime with %s.", [dest_id, describe]),
	"resource": lib.destination_resource,
	"path": ["destination", "ExpiredTime"],
	"key": "expiry",
} if {
	not no_expiry
	expiry_ms > collected_ms
	expiry_ms - collected_ms <= window_days * day_ms
}

days_text(0) := "less than a day"

days_text(1) := "1 day"

days_text(n) := sprintf("%v days", [n]) if n > 1

findings contains {
	"severity": "error",
	"message": sprintf("Destination %s expired on %s, before the snapshot was taken (%s), so it will not serve group %s.", [dest_id, date_text(expiry_ms), lib.get(input, "collectedAt"), lib.label_group]),
	"remediation": sprintf("Renew the instance in the API Gateway console > Instances > %s > Renew, or pick another destination; confirm with %s that Status is RUNNING and ExpiredTime lies in the future.", [dest_id, describe]),
	"resource": lib.destination_resource,
	"path": ["destination", "ExpiredTime"],
	"key": "expiry",
} if {
	not no_expiry
	expiry_ms <= collected_ms
}

findings contains lib.undecided({
	"check": sprintf("when destination %s expires: ExpiredTime %s is neither whole epoch milliseconds (from the year 2000 on) nor a date.", [dest_id, json.marshal(expired_raw)]),
	"remediation": sprintf("Read the instance's expiry with %s or in the API Gateway console > Instances > %s, and correct ExpiredTime in the snapshot (epoch milliseconds or YYYY-MM-DD).", [describe, dest_id]),
	"resource": lib.destination_resource,
	"path": ["destination", "ExpiredTime"],
	"key": "expiry",
}) if {
	not no_expiry
	not expiry_ms
}

findings contains lib.undecided({
	"check": sprintf("when destination %s expires relative to the snapshot: collectedAt %s is not an RFC 3339 time.", [dest_id, json.marshal(object.get(input, "collectedAt", null))]),
	"remediation": "Collect the snapshot again; collectedAt must be the RFC 3339 UTC time the cloud state was read, for example 2026-11-20T08:00:00Z.",
	"resource": lib.destination_resource,
	"path": ["collectedAt"],
	"key": "expiry",
}) if {
	not no_expiry
	expiry_ms
	not collected_ms
}
