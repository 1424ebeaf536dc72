package apigw.lib

# ---- rule parameters --------------------------------------------------------
# A rule declares its parameters, with their defaults, in the custom.params
# of its package METADATA (name, type, default, description, min, max). The
# engine checks the user's settings against them and puts the effective value
# of every parameter under data.apigw.params[RULE_ID][NAME]; tests set one
# with `with data.apigw.params as {"MIG001": {"rpsHeadroom": 0.25}}`.

default _params := {}

# The engine writes the settings at data.apigw_settings.params (outside the
# pack's roots, so a policy server can change them); data.apigw.params, when
# a test sets it, wins.
# One else chain reads data.apigw.params once (a second rule re-read it to
# negate it).
_params := p if {
	p := data.apigw.params
} else := data.apigw_settings.params

# param(chain, name) is the value of the calling rule's parameter name. A rule
# passes its own metadata chain:
#
#	headroom := lib.param(rego.metadata.chain(), "rpsHeadroom")
#
# The value is the one under data.apigw.params when set there, else the
# default the rule's METADATA declares (a duration as integer nanoseconds,
# as the engine gives it). Undefined for a name the rule does not declare;
# the engine refuses such a rule when it loads.

# METADATA
# description: >-
#   param(chain, name) is the value of the calling rule's parameter name
#   (the setting under data.apigw.params, else the METADATA default); the
#   rule passes rego.metadata.chain().
param(chain, name) := value if {
	some entry in chain
	ann := entry.annotations
	ann.scope == "package"
	some p in ann.custom.params
	p.name == name
	value := _param_value(ann.custom.id, p)
}

# The value set for the rule, else the default; an else chain works the
# default out only when no value is set (as the engine sets every one).
_param_value(id, p) := v if {
	v := _params[id][p.name]
} else := p["default"] if {
	p.type != "duration"
} else := _duration_ns(p["default"])

# _duration_ns reads a Go duration ("36h") or whole days ("7d").
_duration_ns(s) := time.parse_duration_ns(s) if not endswith(s, "d")

_duration_ns(s) := to_number(trim_suffix(s, "d")) * ((24 * 60) * 60e9) if endswith(s, "d")
