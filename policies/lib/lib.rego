# METADATA
# title: Shared helpers for the built-in rules
# description: >-
#   Reading the loose value forms the CloudAPI uses (booleans and numbers as
#   strings, comma lists, JSON inside strings), the rules' parameters (params.rego), and the tables of
#   rules.md (HTTPS security policies, instance specifications).
package apigw.lib

# ---- loose values -----------------------------------------------------------

# truthy(x) is true for true and for the string "true" (any case).
truthy(x) if x == true

truthy(x) if {
	is_string(x)
	lower(trim_space(x)) == "true"
}

# num(x) is x as a number when x is a number or a numeric string;
# undefined otherwise.
num(x) := x if is_number(x)

num(x) := to_number(trim_space(x)) if {
	is_string(x)

	# Bounded so that to_number cannot overflow ("1e400" is not a number here).
	regex.match(`^\s*-?[0-9]{1,30}(\.[0-9]{1,30})?([eE][-+]?[0-9]{1,2})?\s*$`, x)
}

# str(x) is x when it is a string, "" otherwise (null, absent, other types).
str(x) := x if is_string(x)

str(x) := "" if not is_string(x)

# get(obj, key) is obj[key] as a string, "" when missing or not a string (or
# when obj is not an object).
get(obj, key) := str(object.get(obj, key, "")) if is_object(obj)

get(obj, _) := "" if not is_object(obj)

# obj(x) is x when it is an object, {} otherwise (null, absent, other types),
# so object.get can be chained on values the API may send as null.
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# set(x) is true when x is a non-empty string.
set(x) if {
	is_string(x)
	trim_space(x) != ""
}

# list(x) reads a comma-separated string or an array into an array of
# trimmed, non-empty strings.
list(x) := [trim_space(s) | some s in x; is_string(s); trim_space(s) != ""] if is_array(x)

list(x) := [trim_space(s) | some s in split(x, ","); trim_space(s) != ""] if {
	is_string(x)
	not json_array_string(x)
}

# A JSON array encoded as a string, as ConnectCidrBlocks arrives.
list(x) := [trim_space(s) | some s in json.unmarshal(x); is_string(s); trim_space(s) != ""] if json_array_string(x)

list(x) := [] if {
	not is_array(x)
	not is_string(x)
}

json_array_string(x) if {
	is_string(x)
	startswith(trim_space(x), "[")
	json.is_valid(x)
	is_array(json.unmarshal(x))
}

# ---- formatting -------------------------------------------------------------

# thousands(n) formats a whole number with comma separators: 3100 -> "3,100".
thousands(n) := s if {
	i := round(n)
	i < 0
	s := concat("", ["-", group_digits(abs(i))])
}

thousands(n) := group_digits(round(n)) if round(n) >= 0

# group_digits(i) formats a non-negative whole number: 3100 -> "3,100".
group_digits(i) := s if {
	digits := format_int(i, 10)
	rev := strings.reverse(digits)
	groups := [strings.reverse(substring(rev, k * 3, 3)) |
		some k in numbers.range(0, floor((count(rev) - 1) / 3))
	]
	s := concat(",", array.reverse(groups))
}

# label_group is the group as people know it: "orders (523e8dc7...)".
label_group := sprintf("%s (%s)", [get(input.group, "GroupName"), get(input.group, "GroupId")]) if {
	set(get(input.group, "GroupName"))
}

label_group := get(input.group, "GroupId") if {
	not set(get(input.group, "GroupName"))
}

# already_migrated is true when the group's current instance is the
# destination: there is nothing to move (MIG010 says so with a note).
already_migrated if {
	dest := trim_space(get(input.destination, "InstanceId"))
	set(dest)
	dest == trim_space(get(input.group, "InstanceId"))
}

# ---- resources --------------------------------------------------------------

group_resource := {
	"kind": "group",
	"id": get(input.group, "GroupId"),
	"name": get(input.group, "GroupName"),
}

instance_resource(inst) := {
	"kind": "instance",
	"id": get(inst, "InstanceId"),
	"name": get(inst, "InstanceName"),
}

destination_resource := instance_resource(input.destination)

source_resource := instance_resource(input.source)

# ---- tables from rules.md ---------------------------------------------------

# Dedicated instance specifications and their maximum RPS, smallest first.
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

spec_rps := {s.spec: s.rps | some s in specs}

# A serverless instance allows this many RPS per group.
serverless_group_rps := 2500

# HTTPS security policies: HTTP version and the TLS versions accepted.
https_policies := {
	"HTTPS1_1_TLS1_0": {"http": "1.1", "tls": {"1.0", "1.1", "1.2"}},
	"HTTPS2_TLS1_0": {"http": "2", "tls": {"1.0", "1.1", "1.2"}},
	"HTTPS2_TLS1_2": {"http": "2", "tls": {"1.2"}},
	"HTTPS2_TLS1_3": {"http": "2", "tls": {"1.2", "1.3"}},
}

# ---- network ----------------------------------------------------------------

# unmap(ip) turns an IPv4-mapped IPv6 address ("::ffff:10.0.0.1",
# "0:0:0:0:0:ffff:10.0.0.1") into the IPv4 address it carries; anything else
# is returned unchanged (trimmed when a string).
unmap(ip) := m[0][1] if {
	is_string(ip)
	m := regex.find_all_string_submatch_n(mapped_re, trim_space(ip), 1)
	count(m) == 1
} else := trim_space(ip) if {
	is_string(ip)
} else := ip

mapped_re := `^(?i)(?:::|(?:0{1,4}:){5}|::(?:0{1,4}:){1,4})ffff:((?:[0-9]{1,3}\.){3}[0-9]{1,3})$`

# ips(x) reads a list of addresses (as list does) with IPv4-mapped IPv6
# addresses unmapped, so that rules treat them as the IPv4 they are.
ips(x) := [unmap(s) | some s in list(x)]

ipv6(ip) if {
	is_string(ip)
	contains(unmap(ip), ":")
}

# private(ip) is true for RFC 1918, carrier-grade NAT (100.64/10) and IPv6
# unique local addresses.
private_ranges := ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"]

private(ip) if {
	valid_addr(ip)
	some r in private_ranges
	net.cidr_contains(r, unmap(ip))
}

# in_any(cidrs, addr) is true when addr (an IP or a CIDR) lies inside one of
# cidrs (CIDRs or single IPs). Entries that are not addresses are skipped.
in_any(cidrs, addr) if {
	valid_addr(addr)
	some c in cidrs
	is_string(c)
	valid_addr(c)
	net.cidr_contains(as_cidr(unmap(c)), unmap(addr))
}

# valid_addr(x) is true for a well-formed IPv4/IPv6 address or CIDR.
valid_addr(x) if {
	is_string(x)
	net.cidr_is_valid(as_cidr(unmap(x)))
}

as_cidr(c) := c if contains(c, "/")

as_cidr(c) := concat("", [c, "/32"]) if {
	not contains(c, "/")
	not contains(c, ":")
}

as_cidr(c) := concat("", [c, "/128"]) if {
	not contains(c, "/")
	contains(c, ":")
}
