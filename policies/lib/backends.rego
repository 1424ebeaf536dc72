package apigw.lib

# ---- backends and instance kinds (second-wave helpers) ----------------------

# METADATA
# description: >-
#   backends_collected is true when the snapshot has a backends list (an
#   empty one included); absent or null means the backends were not
#   collected.
backends_collected if is_array(input.backends)

# METADATA
# description: backends is the snapshot's backends list, [] when absent or not an array.
# scope: document
backends := input.backends if is_array(input.backends)

default backends := []

# METADATA
# description: >-
#   backend_stage(b) is the stage a backend runs on, RELEASE when the entry
#   does not say.
backend_stage(b) := s if {
	s := upper(trim_space(get(b, "stage")))
	s != ""
} else := "RELEASE"

# METADATA
# description: >-
#   backend_label(b) names a backend for a message: its address (host:port
#   when there is no address), then where it comes from: the API (name or
#   ID) or the plug-in and route, and the stage when it is not RELEASE.
#   "http://10.0.1.5:8080 (API GetOrder)", "http://10.9.0.7 (plug-in
#   blue-green route canary, stage PRE)".
backend_label(b) := concat("", [_backend_where(b), _backend_origin(b)])

_backend_where(b) := get(b, "address") if set(get(b, "address"))

_backend_where(b) := sprintf("%s:%v", [get(b, "host"), object.get(obj(b), "port", 0)]) if {
	not set(get(b, "address"))
	set(get(b, "host"))
}

_backend_where(b) := "(no address)" if {
	not set(get(b, "address"))
	not set(get(b, "host"))
}

_backend_origin(b) := sprintf(" (%s%s)", [_backend_from(b), _backend_stage_note(b)])

_backend_from(b) := sprintf("plug-in %s route %s", [_plugin_name(b), get(obj(object.get(obj(b), "plugin", null)), "route")]) if {
	get(b, "source") == "plugin"
	set(get(obj(object.get(obj(b), "plugin", null)), "route"))
} else := sprintf("plug-in %s", [_plugin_name(b)]) if {
	get(b, "source") == "plugin"
} else := sprintf("API %s", [get(b, "apiName")]) if {
	set(get(b, "apiName"))
} else := sprintf("API %s", [get(b, "apiId")])

_plugin_name(b) := n if {
	p := obj(object.get(obj(b), "plugin", null))
	n := get(p, "pluginName")
	set(n)
} else := get(obj(object.get(obj(b), "plugin", null)), "pluginId")

_backend_stage_note(b) := "" if backend_stage(b) == "RELEASE"

_backend_stage_note(b) := sprintf(", stage %s", [backend_stage(b)]) if backend_stage(b) != "RELEASE"

# METADATA
# description: >-
#   vpc_channel(b) is true for a backend reached through a VPC access
#   authorization (protocol VPC, or a vpcAccess object), not at a bare IP.
vpc_channel(b) if upper(trim_space(get(b, "protocol"))) == "VPC"

vpc_channel(b) if count(obj(object.get(obj(b), "vpcAccess", null))) > 0

# METADATA
# description: >-
#   backend_addrs(b) is the set of addresses of a backend: its resolved ips
#   and its host when that is an IP literal (IPv4-mapped ones unmapped).
backend_addrs(b) := {a | some a in ips(object.get(obj(b), "ips", null)); valid_addr(a)} | {a |
	a := unmap(get(b, "host"))
	valid_addr(a)
	not contains(a, "/")
}

# METADATA
# description: >-
#   rfc1918(ip) is true for an IPv4 address in 10/8, 172.16/12 or 192.168/16
#   (carrier-grade NAT 100.64/10, which API Gateway's own egress uses, is not
#   included).
rfc1918(ip) if {
	valid_addr(ip)
	some r in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
	net.cidr_contains(r, unmap(ip))
}

# One chain rather than three exclusive definitions: each field is read once.

# METADATA
# description: instance_kind(inst) is serverless, vpc_connect (VPC integration) or normal (conventional dedicated).
instance_kind(inst) := "serverless" if {
	upper(trim_space(get(inst, "InstanceType"))) == "VPC_SHARED"
} else := "vpc_connect" if {
	lower(trim_space(get(inst, "DedicatedInstanceType"))) == "vpc_connect"
} else := "normal"

# METADATA
# description: instance_kind_text maps an instance_kind to the words a message uses.
instance_kind_text := {
	"serverless": "a serverless instance",
	"vpc_connect": "a VPC integration instance",
	"normal": "a conventional dedicated instance",
}
