# METADATA
# title: Shared helpers for the built-in rules and organisation policies
# description: >-
#   Building findings and "could not check" warnings, reading the snapshot's
#   objects, reading the loose value forms the CloudAPI uses (booleans and
#   numbers as strings, comma lists, JSON inside strings), the rules' parameters (params.rego), and
#   the tables of rules.md (HTTPS security policies, instance
#   specifications). Every rule without a leading underscore is a stable API
#   that organisation policies may import (import data.apigw.lib); names
#   starting with _ are internal and may change.
package apigw.lib

# ---- findings -----------------------------------------------------------------

# METADATA
# description: >-
#   finding(f) is a decided finding of the calling rule: f.message (one
#   sentence naming concrete values), f.resource ({"kind", "id", "name"}), and
#   optionally f.path (the JSON path of the triggering field), f.key (tells
#   apart findings of one rule) and f.remediation (defaults to the
#   remediation in the rule's METADATA). Give f.severity only where the
#   finding departs from the rule's default severity (custom.severity in
#   its METADATA), which the engine applies otherwise. Give f.waivable false
#   on a finding no waiver may accept although other findings of its rule
#   can be waived (a migration in flight, a stopped destination); a rule none
#   of whose findings may be waived says custom.waivable false in its own
#   annotation instead. The undecided marker is dropped: a rule that
#   could not decide builds its finding with undecided(f).
finding(f) := object.remove(f, {"undecided"})

# ---- the snapshot's objects -------------------------------------------------------
# A rule with a default, not obj(object.get(...)): two function calls fewer
# in what every rule reads.

# METADATA
# description: group is the snapshot's group (the DescribeApiGroup body), {} when it is not an object.
# scope: document
group := input.group if is_object(input.group)

default group := {}

# METADATA
# description: destination is the snapshot's destination instance, {} when it is not an object.
# scope: document
destination := input.destination if is_object(input.destination)

default destination := {}

# METADATA
# description: source is the snapshot's source instance (the group's current one), {} when it is not an object.
# scope: document
source := input.source if is_object(input.source)

default source := {}

# METADATA
# description: group_id is group.GroupId, "" when missing or not a string.
group_id := get(group, "GroupId")

# METADATA
# description: destination_id is destination.InstanceId, "" when missing or not a string.
destination_id := get(destination, "InstanceId")

# METADATA
# description: source_id is source.InstanceId, "" when missing or not a string.
source_id := get(source, "InstanceId")

# ---- loose values -----------------------------------------------------------

# METADATA
# description: truthy(x) is true for true and for the string "true" (any case, spaces trimmed); "false" is not true.
# scope: document
truthy(x) if {
	x == true
} else if {
	is_string(x)
	lower(trim_space(x)) == "true"
}

# METADATA
# description: >-
#   num(x) is x as a number when x is a number or a numeric string (at most
#   30 digits each side of the point, an exponent of at most two digits, so
#   that the conversion can never fail); undefined otherwise.
# scope: document
num(x) := x if {
	is_number(x)
} else := to_number(trim_space(x)) if {
	is_string(x)

	# Bounded so that to_number cannot overflow ("1e400" is not a number here).
	regex.match(`^\s*-?[0-9]{1,30}(\.[0-9]{1,30})?([eE][-+]?[0-9]{1,2})?\s*$`, x)
}

# METADATA
# description: str(x) is x when it is a string, "" otherwise (null, other types).
# scope: document
str(x) := x if {
	is_string(x)
} else := ""

# METADATA
# description: >-
#   get(obj, key) is obj[key] as a string, "" when missing or not a string (or
#   when obj is not an object).
# scope: document
get(obj, key) := v if {
	is_object(obj)
	v := obj[key]
	is_string(v)
} else := ""

# METADATA
# description: >-
#   obj(x) is x when it is an object, {} otherwise (null, other types), so
#   object.get can be chained on values the API may send as null.
# scope: document
obj(x) := x if {
	is_object(x)
} else := {}

# METADATA
# description: set(x) is true when x is a string that is not blank.
set(x) if {
	is_string(x)
	trim_space(x) != ""
}

# METADATA
# description: >-
#   list(x) reads a comma-separated string, an array, or a JSON array inside a
#   string (as ConnectCidrBlocks arrives) into an array of trimmed, non-empty
#   strings; [] for anything else.
# scope: document
list(x) := [t | some s in x; is_string(s); t := trim_space(s); t != ""] if {
	is_array(x)
} else := [t | some s in json.unmarshal(x); is_string(s); t := trim_space(s); t != ""] if {
	_json_array_string(x)
} else := [t | some s in split(x, ","); t := trim_space(s); t != ""] if {
	is_string(x)
} else := []

# A JSON array encoded as a string.
_json_array_string(x) if {
	is_string(x)
	startswith(trim_space(x), "[")
	json.is_valid(x)
	is_array(json.unmarshal(x))
}

# ---- formatting -------------------------------------------------------------

# METADATA
# description: 'thousands(n) formats n, rounded to a whole number, with comma separators: 3100 -> "3,100".'
# scope: document
thousands(n) := s if {
	i := round(n)
	i < 0
	s := concat("", ["-", _group_digits(abs(i))])
} else := _group_digits(round(n))

# _group_digits(i) formats a non-negative whole number: 3100 -> "3,100".
# The figures rules print are mostly below a million: those take one
# builtin instead of the general digit-group loop.
_group_digits(i) := format_int(i, 10) if {
	i < 1000
} else := sprintf("%d,%03d", [floor(i / 1000), i % 1000]) if {
	i < 1000000
} else := s if {
	digits := format_int(i, 10)
	rev := strings.reverse(digits)
	groups := [strings.reverse(substring(rev, k * 3, 3)) |
		some k in numbers.range(0, floor((count(rev) - 1) / 3))
	]
	s := concat(",", array.reverse(groups))
}

# METADATA
# description: 'label_group is the group as people know it: "orders (523e8dc7...)", or its ID when it has no name.'
# scope: document
label_group := sprintf("%s (%s)", [get(input.group, "GroupName"), get(input.group, "GroupId")]) if {
	set(get(input.group, "GroupName"))
} else := get(input.group, "GroupId")

# METADATA
# description: >-
#   already_migrated is true when the group's current instance is the
#   destination: there is nothing to move (MIG010 says so with a note).
already_migrated if {
	dest := trim_space(get(input.destination, "InstanceId"))
	set(dest)
	dest == trim_space(get(input.group, "InstanceId"))
}

# ---- resources --------------------------------------------------------------

# METADATA
# description: group_resource is the group as a finding's resource.
group_resource := {
	"kind": "group",
	"id": get(input.group, "GroupId"),
	"name": get(input.group, "GroupName"),
}

# METADATA
# description: instance_resource(inst) is an instance object as a finding's resource.
instance_resource(inst) := {
	"kind": "instance",
	"id": get(inst, "InstanceId"),
	"name": get(inst, "InstanceName"),
}

# METADATA
# description: destination_resource is the destination instance as a finding's resource.
destination_resource := instance_resource(input.destination)

# METADATA
# description: source_resource is the source instance as a finding's resource.
source_resource := instance_resource(input.source)

# ---- tables from rules.md ---------------------------------------------------

# METADATA
# description: specs are the dedicated instance specifications and their maximum RPS, smallest first.
specs := [
	{"spec": "api.s1.small", "rps": 2500},
	{"spec": "api.s1.medium", "rps": 5000},
	{"spec": "api.s2.large", "rps": 10000},
	{"spec": "api.s2.large.x2", "rps": 20000},
	{"spec": "api.s2.large.x3", "rps": 30000},
	{"spec": "api.s2.large.x4", "rps": 40000},
	{"spec": "api.s2.large.x5", "rps": 50000},
	{"spec": "api.s2.large.x6", "rps": 60000},
]

# METADATA
# description: spec_rps maps a specification to its maximum RPS.
spec_rps := {s.spec: s.rps | some s in specs}

# METADATA
# description: serverless_group_rps is the RPS a serverless (shared) instance allows per group.
serverless_group_rps := 2500

# METADATA
# description: https_policies maps each HTTPS security policy to its HTTP version and the TLS versions it accepts.
https_policies := {
	"HTTPS1_1_TLS1_0": {"http": "1.1", "tls": {"1.0", "1.1", "1.2"}},
	"HTTPS2_TLS1_0": {"http": "2", "tls": {"1.0", "1.1", "1.2"}},
	"HTTPS2_TLS1_2": {"http": "2", "tls": {"1.2"}},
	"HTTPS2_TLS1_3": {"http": "2", "tls": {"1.2", "1.3"}},
}

# ---- backends -------------------------------------------------------------------

# METADATA
# description: >-
#   service_protocols are the backend types API Gateway reaches through a
#   cloud service rather than at a network address (Function Compute, OSS,
#   EventBridge, Mock), compared in lower case. Anything else, an unknown
#   protocol included, is a network backend: egress rules check it.
service_protocols := {"functioncompute", "oss", "eventbridge", "mock"}

# METADATA
# description: network_backend(b) is true for a backend object whose protocol is not one of service_protocols.
network_backend(b) if _network_backend(b)

# False rather than undefined for a service backend: OPA remembers a
# function's value per arguments, but not its being undefined, so copies of
# a service backend would otherwise each be worked out again.
_network_backend(b) if {
	is_object(b)
	not lower(trim_space(get(b, "protocol"))) in service_protocols
} else := false

# ---- network ----------------------------------------------------------------

# METADATA
# description: >-
#   unmap(ip) turns an IPv4-mapped IPv6 address ("::ffff:10.0.0.1",
#   "0:0:0:0:0:ffff:10.0.0.1") into the IPv4 address it carries; anything
#   else is returned unchanged (trimmed when a string).
unmap(ip) := m[0][1] if {
	is_string(ip)

	# Only a string with both separators can be a mapped address: the
	# plain IPv4 and IPv6 addresses that make up most inputs skip the regex
	# (and the trim, which cannot remove a separator, so it comes after).
	contains(ip, ":")
	contains(ip, ".")
	s := trim_space(ip)
	m := regex.find_all_string_submatch_n(_mapped_re, s, 1)
	count(m) == 1
} else := trim_space(ip) if {
	is_string(ip)
} else := ip

_mapped_re := `^(?i)(?:::|(?:0{1,4}:){5}|::(?:0{1,4}:){1,4})ffff:((?:[0-9]{1,3}\.){3}[0-9]{1,3})$`

# METADATA
# description: >-
#   ips(x) reads a list of addresses (as list does) with IPv4-mapped IPv6
#   addresses unmapped, so that rules treat them as the IPv4 they are.
ips(x) := [unmap(s) | some s in list(x)]

# METADATA
# description: ipv6(ip) is true for an IPv6 address string that is not IPv4-mapped.
ipv6(ip) if {
	is_string(ip)
	contains(unmap(ip), ":")
}

# METADATA
# description: private_ranges are RFC 1918, carrier-grade NAT (100.64/10) and IPv6 unique local addresses.
private_ranges := ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"]

# METADATA
# description: private(ip) is true for an address inside private_ranges (IPv4-mapped ones unmapped first).
private(ip) if {
	is_string(ip)
	a := unmap(ip)
	net.cidr_is_valid(_as_cidr(a))
	count(net.cidr_contains_matches(private_ranges, a)) > 0
}

# METADATA
# description: >-
#   in_any(cidrs, addr) is true when addr (an IP or a CIDR) lies inside one of
#   cidrs (CIDRs or single IPs). Entries that are not addresses are skipped.
in_any(cidrs, addr) if {
	is_string(addr)
	a := unmap(addr)
	net.cidr_is_valid(_as_cidr(a))
	some c in cidrs
	is_string(c)
	cc := _as_cidr(unmap(c))
	net.cidr_is_valid(cc)
	net.cidr_contains(cc, a)
}

# METADATA
# description: valid_addr(x) is true for a well-formed IPv4/IPv6 address or CIDR.
valid_addr(x) if {
	is_string(x)
	net.cidr_is_valid(_as_cidr(unmap(x)))
}

_as_cidr(c) := c if {
	contains(c, "/")
} else := concat("", [c, "/128"]) if {
	contains(c, ":")
} else := concat("", [c, "/32"])
