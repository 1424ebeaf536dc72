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
_port_range(p, proto) := [lo, hi] if {
	m := regex.find_all_string_submatch_n(`^\s*(-?[0-9]{1,5})\s*/\s*(-?[0-9]{1,5})\s*$`, lib.get(p, "PortRange"), 1)
	count(m) == 1
	a := to_number(m[0][1])
	b := to_number(m[0][2])
	[lo, hi] := _bounds(a, b)
} else := [0, 65535] if {
	proto == "all"
	not lib.set(lib.get(p, "PortRange"))
} else := null

_bounds(-1, -1) := [0, 65535]

_bounds(a, b) := [a, b] if {
	not _all_ports(a, b)
	a >= 0
	b >= a
}

_all_ports(-1, -1)

# Every egress rule that can carry TCP, flattened across the ENI's groups.
# rank orders rules as ECS does: lower priority number first, drop before
# accept at equal priority.
_egress_rules contains r if {
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
	r := {
		"gi": gi,
		"pi": pi,
		"sg": _sg_id(g, gi),
		"path": array.concat(array.concat(["eniSecurityGroups", gi], ps.path), [pi]),
		"prio": prio,
		"drop": drop,
		"rank": (prio * 2) + _drop_rank(drop),
		"proto": upper(proto),
		"ports": _port_range(p, proto),
		"port_text": lib.get(p, "PortRange"),
		"dst4": trim_space(lib.get(p, "DestCidrIp")),
		"dst6": trim_space(lib.get(p, "Ipv6DestCidrIp")),
		"dgroup": trim_space(lib.get(p, "DestGroupId")),
		"dprefix": trim_space(lib.get(p, "DestPrefixListId")),
		"rule_id": lib.get(p, "SecurityGroupRuleId"),
	}
}

_drop_rank(true) := 0

_drop_rank(false) := 1

# Does rule r apply to TCP to ip:port? "yes", "no", or a reason it cannot be
# decided from the snapshot.
_applies(r, _, _) := "unknown" if r.ports == null

_applies(r, _, port) := "no" if {
	r.ports != null
	not _in_ports(r.ports, port)
}

_applies(r, ip, port) := verdict if {
	r.ports != null
	_in_ports(r.ports, port)
	verdict := _dest_match(r, ip)
}

_in_ports([lo, hi], port) if {
	port >= lo
	port <= hi
}

_has_cidr(r) if lib.set(r.dst4)

_has_cidr(r) if lib.set(r.dst6)

_family_cidr(r, ip) := r.dst6 if lib.ipv6(ip)

_family_cidr(r, ip) := r.dst4 if not lib.ipv6(ip)

_dest_match(r, ip) := "yes" if {
	_has_cidr(r)
	lib.in_any([_family_cidr(r, ip)], ip)
}

# A destination of the IP's family that is not a CIDR (or IP) cannot be
# matched: the rule may or may not cover the backend.
_dest_match(r, ip) := "unknown" if {
	_has_cidr(r)
	_bad_cidr(_family_cidr(r, ip))
}

_dest_match(r, ip) := "no" if {
	_has_cidr(r)
	not lib.in_any([_family_cidr(r, ip)], ip)
	not _bad_cidr(_family_cidr(r, ip))
}

_bad_cidr(c) if {
	lib.set(c)
	not lib.valid_addr(c)
}

# The rule's destinations that are not CIDRs, as text.
_bad_cidrs(r) := concat(" and ", [sprintf("%s %q", [k, c]) |
	some [k, c] in [["DestCidrIp", r.dst4], ["Ipv6DestCidrIp", r.dst6]]
	_bad_cidr(c)
])

_dest_match(r, _) := "unknown" if {
	not _has_cidr(r)
	lib.set(r.dgroup)
}

_dest_match(r, _) := "unknown" if {
	not _has_cidr(r)
	not lib.set(r.dgroup)
	lib.set(r.dprefix)
}

_dest_match(r, _) := "no" if {
	not _has_cidr(r)
	not lib.set(r.dgroup)
	not lib.set(r.dprefix)
}

_unknown_reason(r) := sprintf("egress rule %s of %s has an unreadable PortRange %q", [_rule_name(r), r.sg, r.port_text]) if r.ports == null

_unknown_reason(r) := sprintf("egress rule %s of %s has an unparsable %s", [_rule_name(r), r.sg, _bad_cidrs(r)]) if {
	r.ports != null
	_has_cidr(r)
}

_unknown_reason(r) := sprintf("egress rule %s of %s targets security group %s, whose members are not in the snapshot", [_rule_name(r), r.sg, r.dgroup]) if {
	r.ports != null
	not _has_cidr(r)
	lib.set(r.dgroup)
}

_unknown_reason(r) := sprintf("egress rule %s of %s targets prefix list %s, whose entries are not in the snapshot", [_rule_name(r), r.sg, r.dprefix]) if {
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

_port_text(r) := r.port_text if lib.set(r.port_text)

_port_text(r) := "all ports" if not lib.set(r.port_text)
