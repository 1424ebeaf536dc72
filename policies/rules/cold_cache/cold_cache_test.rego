package apigw.rules.cold_cache_test

import data.apigw.fixture
import data.apigw.rules.cold_cache

cache := {"PluginId": "c0ffee0000000000000000000000cafe", "PluginName": "orders-cache", "PluginType": "caching", "StageName": "RELEASE", "PluginData": "---\nvaryByParameters: [OrderId]\nduration: 3600\n"}

test_no_caching_plugin_is_quiet if {
	cold_cache.findings == set() with input as fixture.healthy
	cold_cache.findings == set() with input as fixture.patched({"plugins": []})
	ip := {"PluginId": "p2", "PluginName": "office-only", "PluginType": "ipControl", "PluginData": "type: ALLOW"}
	cold_cache.findings == set() with input as fixture.patched({"plugins": [ip]})
}

test_caching_plugin_gives_a_note if {
	cold_cache.findings == {{
		"message": "caching plug-in orders-cache (stage RELEASE, keeping responses for 3600s) is bound to group orders (523e8dc7bbe04613b5b1d726c2a7889d): destination apigateway-hz-ab12cd34ef56 starts with an empty cache, so the backends take every request again right after the switch",
		"remediation": "Migrate group orders (523e8dc7bbe04613b5b1d726c2a7889d) outside peak hours and make sure its backends can take the uncached load for the first minutes on apigateway-hz-ab12cd34ef56, or warm the cache with the most frequent requests right after the switch.",
		"resource": {"id": "c0ffee0000000000000000000000cafe", "kind": "plugin", "name": "orders-cache"},
		"path": ["plugins", 0],
		"key": "plugin/0",
	}} with input as fixture.patched({"plugins": [cache]})
}

test_unreadable_definition_still_notes if {
	p := object.union(cache, {"PluginType": "Caching", "StageName": "pre", "PluginData": "{broken"})
	[f] := [f | some f in cold_cache.findings with input as fixture.patched({"plugins": [p]})]
	startswith(f.message, "caching plug-in orders-cache (stage PRE) is bound to group")
}

test_failed_read_is_undecided if {
	s := fixture.patched({"collectionErrors": [{"call": "DescribePluginsByGroup", "code": "InternalError", "message": "boom"}]})
	fs := cold_cache.findings with input as s with data.apigw.calls as {"DescribePluginsByGroup": {"rules": ["MIG025"]}}
	[f] := [f | some f in fs]
	f.undecided
	f.key == "collection-errors"
}
