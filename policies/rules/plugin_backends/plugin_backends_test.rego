package apigw.rules.plugin_backends_test

import data.apigw.fixture
import data.apigw.rules.plugin_backends

routing := {
	"PluginId": "9a3b5c7d1e2f40a1b2c3d4e5f6a7b8c9", "PluginName": "blue-green", "PluginType": "routing", "StageName": "RELEASE",
	"PluginData": "---\nroutes:\n- name: canary\n  condition: \"$CaAppId = 123456\"\n  backend:\n    type: HTTP\n    address: \"http://47.97.9.9:8080\"\n- name: vip\n  condition: \"1 = 1\"\n  backend:\n    type: HTTP-VPC\n    vpcAccessName: slbAccessForVip\n- name: old-clients\n  condition: \"$ClientVersion < '2.0.5'\"\n  backend:\n    type: MOCK\n    statusCode: 400\n",
}

plugin_backend(route, addr) := {
	"protocol": "HTTP", "address": addr, "host": "47.97.9.9", "port": 8080, "ips": ["47.97.9.9"], "allowlist": null, "stage": "RELEASE",
	"source": "plugin", "plugin": {"pluginId": "9a3b5c7d1e2f40a1b2c3d4e5f6a7b8c9", "pluginName": "blue-green", "stage": "RELEASE", "route": route},
}

collected := array.concat(fixture.healthy.backends, [
	plugin_backend("canary", "http://47.97.9.9:8080"),
	object.union(plugin_backend("vip", ""), {"protocol": "VPC", "vpcAccess": {"Name": "slbAccessForVip", "VpcId": "vpc-1", "InstanceId": "lb-1", "Port": 80}}),
])

test_healthy_is_quiet if {
	plugin_backends.findings == set() with input as fixture.patched({"plugins": []})
	plugin_backends.findings == set() with input as fixture.patched({"plugins": [routing], "backends": collected})
}

test_plugins_not_collected_is_undecided if {
	plugin_backends.findings == {{
		"severity": "warning",
		"undecided": true,
		"message": "could not check the plug-ins bound to group orders (523e8dc7bbe04613b5b1d726c2a7889d): plugins were not collected, so backends that routing or authentication plug-ins send requests to are not checked",
		"remediation": "Re-collect the snapshot with this release (the collector needs apigateway:DescribePluginsByGroup), or list them with `aliyun cloudapi DescribePluginsByGroup --GroupId 523e8dc7bbe04613b5b1d726c2a7889d --StageName RELEASE` (and PRE, TEST) and check their addresses by hand.",
		"resource": {"id": "523e8dc7bbe04613b5b1d726c2a7889d", "kind": "group", "name": "orders"},
		"path": ["plugins"],
		"key": "plugins-missing",
	}} with input as fixture.absent({"plugins"})
}

test_routes_missing_from_backends_fire if {
	plugin_backends.findings == {{
		"severity": "warning",
		"undecided": true,
		"message": "could not check the backends of plug-in blue-green (routing, stage RELEASE) bound to group orders (523e8dc7bbe04613b5b1d726c2a7889d): route canary is not in the snapshot's backends; route vip is not in the snapshot's backends, so MIG004, MIG008, MIG009 and MIG018 do not see them",
		"remediation": "Read the definition of blue-green (console API Gateway > Plug-ins > blue-green > Definition, or `aliyun cloudapi DescribePluginsByGroup --GroupId 523e8dc7bbe04613b5b1d726c2a7889d --StageName RELEASE`), check every address it routes to against the destination apigateway-hz-ab12cd34ef56 as MIG004, MIG008, MIG009 and MIG018 would, fix the definition if it does not parse, and re-collect the snapshot.",
		"resource": {"id": "9a3b5c7d1e2f40a1b2c3d4e5f6a7b8c9", "kind": "plugin", "name": "blue-green"},
		"path": ["plugins", 0, "PluginData"],
		"key": "plugin/0",
	}} with input as fixture.patched({"plugins": [routing]})
}

test_unparsable_and_incomplete_definitions_fire if {
	broken := object.union(routing, {"PluginData": "routes: [\n  - name: x\n"})
	no_routes := object.union(routing, {"PluginData": "{\"other\": 1}", "StageName": "PRE"})
	no_address := object.union(routing, {"PluginType": "Routing", "PluginData": "{\"routes\": [{\"backend\": {\"type\": \"HTTP\"}}, {\"name\": \"v\", \"backend\": {\"type\": \"HTTP-VPC\"}}]}"})
	fs := plugin_backends.findings with input as fixture.patched({"plugins": [broken, no_routes, no_address], "backends": collected})
	{f.key: f.message | some f in fs} == {
		"plugin/0": "could not check the backends of plug-in blue-green (routing, stage RELEASE) bound to group orders (523e8dc7bbe04613b5b1d726c2a7889d): its PluginData is not YAML or JSON, so MIG004, MIG008, MIG009 and MIG018 do not see them",
		"plugin/1": "could not check the backends of plug-in blue-green (routing, stage PRE) bound to group orders (523e8dc7bbe04613b5b1d726c2a7889d): it has no routes list, so MIG004, MIG008, MIG009 and MIG018 do not see them",
		"plugin/2": "could not check the backends of plug-in blue-green (Routing, stage RELEASE) bound to group orders (523e8dc7bbe04613b5b1d726c2a7889d): route #1 names no address; route v names no vpcAccessName, so MIG004, MIG008, MIG009 and MIG018 do not see them",
	}
}

test_third_party_authentication if {
	auth := {"PluginId": "p-auth", "PluginName": "sso", "PluginType": "remoteAuth", "StageName": "RELEASE", "PluginData": "authUriType: HTTP\nauthUri:\n  address: \"http://auth.example.com:8080\"\n  path: /auth\n"}
	fs := plugin_backends.findings with input as fixture.patched({"plugins": [auth]})
	[f] := [f | some f in fs]
	contains(f.message, "plug-in sso (remoteAuth, stage RELEASE) bound to group orders (523e8dc7bbe04613b5b1d726c2a7889d): its authentication service is not in the snapshot's backends")
	b := object.union(plugin_backend("", "http://auth.example.com:8080"), {"plugin": {"pluginId": "p-auth", "pluginName": "sso", "stage": "RELEASE", "route": ""}})
	plugin_backends.findings == set() with input as fixture.patched({"plugins": [auth], "backends": [b]})
	bad := object.union(auth, {"PluginData": "authUriType: HTTP\nauthUri: {}\n"})
	fs2 := plugin_backends.findings with input as fixture.patched({"plugins": [bad]})
	[f2] := [f | some f in fs2]
	contains(f2.message, "its authentication service (authUri) names no address")
}

test_other_plugin_types_are_quiet if {
	cache := {"PluginId": "p-c", "PluginName": "cache", "PluginType": "caching", "StageName": "RELEASE", "PluginData": "not: [valid"}
	plugin_backends.findings == set() with input as fixture.patched({"plugins": [cache, "junk", null]})
}

test_failed_read_is_undecided if {
	s := fixture.patched({"plugins": [], "collectionErrors": [{"call": "DescribePluginsByGroup", "code": "Forbidden.RAM", "message": "denied"}]})
	fs := plugin_backends.findings with input as s with data.apigw.calls as {"DescribePluginsByGroup": {"rules": ["MIG021"]}}
	[f] := [f | some f in fs]
	f.key == "collection-errors"
}
