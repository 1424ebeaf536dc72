# The ENI security groups' egress rules, read from the snapshot, and whether
# one applies to TCP to a backend address (one package over several files:
# eni_security_group.rego has the METADATA, the scope and the checks).
package apigw.rules.eni_security_group

import data.apigw.lib

# ---- security groups ----------------------------------------------------------

_sgs_known if {
	is_array(input.eniSecurityGroups)
	count(input.eniSecurityGroups) > 0
}

_sgs := input.eniSecurityGroups if _sgs_known

_sg_id(g, gi) := id if {
	id := lib.get(g, "SecurityGroupId")
	lib.set(id)
} else := sprintf("eniSecurityGroups[%d]", [gi])

_sg_type(g) := lower(trim_space(lib.get(g, "SecurityGroupType")))

# The permissions of a group and the JSON path prefix to them. Accepts the
# DescribeSecurityGroupAttribute shape and a bare array.
_perms(g) := {"list": p, "path": ["Permissions", "Permission"]} if {
	ps := object.get(g, "Permissions", null)
	is_object(ps)
	p := object.get(ps, "Permission", null)
	is_array(p)
} else := {"list": ps, "path": ["Permissions"]} if {
	ps := object.get(g, "Permissions", null)
	is_array(ps)
} else := {"list": [], "path": ["Permissions"]}

_priority(p) := n if {
	n := lib.num(object.get(p, "Priority", null))
} else := 1

_is_drop(p) if {
	lower(trim_space(lib.get(p, "Policy"))) == "drop"
} else := false

_policy_name(r) := "drop" if r.drop

_policy_name(r) := "accept" if not r.drop

# [low, high] port bounds, or null when unreadable.
# text is the rule's PortRange.
_port_range(text, proto) := [lo, hi] if {
	m := regex.find_all_string_submatch_n(`^\s*(-?[0-9]{1,5})\s*/\s*(-?[0-9]{1,5})\s*$`, text, 1)
	count(m) == 1
	a := to_number(m[0][1])
	b := to_number(m[0][2])
	[lo, hi] := _bounds(a, b)
} else := [0, 65535] if {
	proto == "all"
	not lib.set(text)
} else := null

_bounds(-1, -1) := [0, 65535]

_bounds(a, b) := [a, b] if {
	not _all_ports(a, b)
	a >= 0
	b >= a
}

_all_ports(-1, -1)

# Every egress rule that can carry TCP, flattened across the groups
# (decision.rego picks each ENI's own), prepared once for the decisions:
# port bounds (plo, phi), and per address family how the destination
# decides (m4, m6): "range" (an IPv4 CIDR as the integers lo4..hi4),
# "cidr" (net.cidr_contains on c4 or c6), "unknown" (when the port
# matches), "always" (undecidable for any endpoint: a port list or an
# unreadable PortRange) or "no".
# rank orders rules as ECS does: lower priority number first, drop before
# accept at equal priority.
_egress_read contains r if {
	some gi, g in _sgs
	is_object(g)
	ps := _perms(g)
	some pi, p in ps.list
	is_object(p)
	lower(trim_space(lib.get(p, "Direction"))) == "egress"
	proto := lower(trim_space(lib.get(p, "IpProtocol")))
	proto in {"tcp", "all"}
	prio := _priority(p)
	drop := _is_drop(p)

	# Each field read and trimmed once, then shared by the fields derived from it.
	dst4 := trim_space(lib.get(p, "DestCidrIp"))
	dst6 := trim_space(lib.get(p, "Ipv6DestCidrIp"))
	dgroup := trim_space(lib.get(p, "DestGroupId"))
	dprefix := trim_space(lib.get(p, "DestPrefixListId"))
	plist := trim_space(lib.get(p, "PortRangeListId"))
	port_text := lib.get(p, "PortRange")
	r := {
		"gi": gi,
		"pi": pi,
		"sg": _sg_id(g, gi),
		"path": array.concat(array.concat(["eniSecurityGroups", gi], ps.path), [pi]),
		"prio": prio,
		"drop": drop,
		"rank": (prio * 2) + _drop_rank(drop),
		"proto": upper(proto),
		"ports": _port_range(port_text, proto),
		"port_text": port_text,
		"dst4": dst4,
		"dst6": dst6,
		"dgroup": dgroup,
		"dprefix": dprefix,
		"plist": plist,
		"plist_set": _is_set(plist),
		"cidr_set": _either_set(dst4, dst6),
		"c4": _norm_cidr(dst4),
		"c6": _norm_cidr(dst6),
		"bad4": _bad_flag(dst4),
		"bad6": _bad_flag(dst6),
		"indirect": _either_set(dgroup, dprefix),
		"rule_id": lib.get(p, "SecurityGroupRuleId"),
	}
}

# The prepared fields: r0 is the rule as read above (fields without the
# preparation, which is derived from them).
_egress_rules contains object.union(r0, _prepared(r0)) if some r0 in _egress_read

_prepared(r) := {
	"plo": _port_lo(r.ports),
	"phi": _port_hi(r.ports),
	"m4": _mode(r, r.c4, r.bad4, false),
	"m6": _mode(r, r.c6, r.bad6, true),
	"lo4": _range4(r.c4)[0],
	"hi4": _range4(r.c4)[1],
}

_port_lo(ports) := ports[0] if ports != null

_port_lo(null) := 65536

_port_hi(ports) := ports[1] if ports != null

_port_hi(null) := -1

# How a rule's destination decides for one address family.
_mode(r, c, bad, v6) := "always" if r.plist_set

else := "always" if r.ports == null

else := "unknown" if {
	r.cidr_set
	bad
} else := "no" if {
	r.cidr_set
	c == ""
} else := "range" if {
	r.cidr_set
	not v6
	_range4(c)[1] >= 0
} else := "cidr" if {
	r.cidr_set
} else := "unknown" if {
	# Another security group or a prefix list: its members are not read.
	r.indirect
} else := "no"

# An IPv4 CIDR as its first and last address, as integers; [0, -1] for
# anything else (never used then).
_range4(c) := [lo, (lo + size) - 1] if {
	not contains(c, ":")
	[addr, mask] := split(c, "/")
	n := _ip4_number(addr)
	n != null
	m := to_number(mask)
	size := bits.lsh(1, 32 - m)
	lo := n - (n % size)
} else := [0, -1]

# a.b.c.d as a number, null for anything else.
_ip4_number(ip) := (((((to_number(a) * 256) + to_number(b)) * 256) + to_number(c)) * 256) + to_number(d) if {
	regex.match(`^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$`, ip)
	[a, b, c, d] := split(ip, ".")
} else := null

_drop_rank(true) := 0

_drop_rank(false) := 1

# A rule destination as a CIDR for net.cidr_contains, "" when unset or
# unusable.
_norm_cidr(c) := n if {
	lib.valid_addr(c)
	u := lib.unmap(c)
	n := _with_mask(u)
} else := ""

_with_mask(c) := c if contains(c, "/")

_with_mask(c) := concat("", [c, "/128"]) if {
	not contains(c, "/")
	contains(c, ":")
}

_with_mask(c) := concat("", [c, "/32"]) if {
	not contains(c, "/")
	not contains(c, ":")
}

# Flags as booleans (true or false, never undefined).
_is_set(x) if {
	lib.set(x)
} else := false

_either_set(a, b) if {
	lib.set(a)
} else if {
	lib.set(b)
} else := false

_bad_flag(c) if {
	_bad_cidr(c)
} else := false

_has_cidr(r) if lib.set(r.dst4)

_has_cidr(r) if lib.set(r.dst6)

_bad_cidr(c) if {
	lib.set(c)
	not lib.valid_addr(c)
}

# The rule's destinations that are not CIDRs, as text.
_bad_cidrs(r) := concat(" and ", [sprintf("%s %q", [k, c]) |
	some [k, c] in [["DestCidrIp", r.dst4], ["Ipv6DestCidrIp", r.dst6]]
	_bad_cidr(c)
])

_unknown_reason(r) := sprintf("egress rule %s of %s uses port list %s (PortRangeListId), whose ports are not in the snapshot", [_rule_name(r), r.sg, r.plist]) if lib.set(r.plist)

_unknown_reason(r) := sprintf("egress rule %s of %s has an unreadable PortRange %q", [_rule_name(r), r.sg, r.port_text]) if {
	not lib.set(r.plist)
	r.ports == null
}

_unknown_reason(r) := sprintf("egress rule %s of %s has an unparsable %s", [_rule_name(r), r.sg, _bad_cidrs(r)]) if {
	not lib.set(r.plist)
	r.ports != null
	_has_cidr(r)
}

_unknown_reason(r) := sprintf("egress rule %s of %s targets security group %s, whose members are not in the snapshot", [_rule_name(r), r.sg, r.dgroup]) if {
	not lib.set(r.plist)
	r.ports != null
	not _has_cidr(r)
	lib.set(r.dgroup)
}

_unknown_reason(r) := sprintf("egress rule %s of %s targets prefix list %s, whose entries are not in the snapshot", [_rule_name(r), r.sg, r.dprefix]) if {
	not lib.set(r.plist)
	r.ports != null
	not _has_cidr(r)
	not lib.set(r.dgroup)
	lib.set(r.dprefix)
}

_rule_name(r) := r.rule_id if lib.set(r.rule_id)

_rule_name(r) := sprintf("Permission[%d]", [r.pi]) if not lib.set(r.rule_id)

_dest_text(r) := r.dst4 if lib.set(r.dst4)

_dest_text(r) := r.dst6 if {
	not lib.set(r.dst4)
	lib.set(r.dst6)
}

_dest_text(r) := sprintf("security group %s", [r.dgroup]) if {
	not _has_cidr(r)
	lib.set(r.dgroup)
}

_dest_text(r) := sprintf("prefix list %s", [r.dprefix]) if {
	not _has_cidr(r)
	not lib.set(r.dgroup)
	lib.set(r.dprefix)
}

_dest_text(r) := "no destination" if {
	not _has_cidr(r)
	not lib.set(r.dgroup)
	not lib.set(r.dprefix)
}

_rule_text(r) := sprintf("egress rule %s of %s (%s %s to %s, priority %v, %s)", [_rule_name(r), r.sg, r.proto, _port_text(r), _dest_text(r), r.prio, _policy_name(r)])

# What decides when the undecidable rules do not match.
_decision_text(dec) := sprintf("egress rule %s of %s (priority %v, %s)", [_rule_name(dec.rule), dec.rule.sg, dec.rule.prio, _policy_name(dec.rule)]) if dec.by == "rule"

_decision_text(dec) := "the enterprise security group default (drop)" if dec.by == "enterprise"

_decision_text(dec) := "the basic security group default (accept)" if dec.by == "normal"

_decision_text(dec) := "the default of a group without SecurityGroupType (accept if basic)" if dec.by == "assumed"

_port_text(r) := sprintf("port list %s", [r.plist]) if lib.set(r.plist)

_port_text(r) := r.port_text if {
	not lib.set(r.plist)
	lib.set(r.port_text)
}

_port_text(r) := "all ports" if {
	not lib.set(r.plist)
	not lib.set(r.port_text)
}
