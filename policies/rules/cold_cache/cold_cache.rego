# METADATA
# title: Caching plug-ins start cold on the destination
# description: >-
#   Responses a caching plug-in (PluginType caching) keeps are held by the
#   instance: the destination's cache starts empty, so the backends take
#   every request again right after the switch. A note per caching plug-in
#   bound to the group, naming its stage and, when the definition gives it,
#   how long responses are kept (duration, seconds). A failed read of the
#   plug-ins is reported as "could not check"; a snapshot without plug-ins
#   is reported by MIG021.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/latest/plug-ins-of-the-caching-type
#     description: Caching plug-ins
# custom:
#   id: MIG025
#   name: cold-cache
#   severity: note
#   remediation: >-
#     Expect a load spike on the backends right after the switch: migrate
#     outside peak hours, make sure the backends can take the uncached load,
#     or warm the destination's cache with the most frequent requests.
#   tags: [plugins, capacity]
package apigw.rules.cold_cache

import data.apigw.lib

_plugins := input.plugins if is_array(input.plugins)

_stage(p) := s if {
	s := upper(trim_space(lib.get(p, "StageName")))
	s != ""
} else := "RELEASE"

_name(p) := n if {
	n := lib.get(p, "PluginName")
	lib.set(n)
} else := lib.get(p, "PluginId")

# The cache lifetime the definition gives (duration), when it can be read.
_ttl(p) := sprintf(", keeping responses for %vs", [d]) if {
	raw := lib.get(p, "PluginData")
	yaml.is_valid(raw)
	def := yaml.unmarshal(raw)
	is_object(def)
	d := lib.num(object.get(def, "duration", null))
} else := ""

findings contains lib.finding({
	"message": sprintf(
		"caching plug-in %s (stage %s%s) is bound to group %s: destination %s starts with an empty cache, so the backends take every request again right after the switch",
		[_name(p), _stage(p), _ttl(p), lib.label_group, lib.destination_id],
	),
	"remediation": sprintf(
		"Migrate group %s outside peak hours and make sure its backends can take the uncached load for the first minutes on %s, or warm the cache with the most frequent requests right after the switch.",
		[lib.label_group, lib.destination_id],
	),
	"resource": {"kind": "plugin", "id": lib.get(p, "PluginId"), "name": lib.get(p, "PluginName")},
	"path": ["plugins", i],
	"key": sprintf("plugin/%d", [i]),
}) if {
	some i, p in _plugins
	lower(trim_space(lib.get(p, "PluginType"))) == "caching"
	not lib.already_migrated
}

findings contains f if {
	# First, so that a snapshot without failed reads builds no text.
	count(lib.collection_errors) > 0
	f := lib.collection_undecided("MIG025", sprintf("whether caching plug-ins are bound to group %s", [lib.label_group]))
}
