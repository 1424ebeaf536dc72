# Tests of the conftest policy, in conftest's own form: `conftest verify -p
# testdata/policies/conftest` and `apigw-preflight policies test
# testdata/policies` both run them.
package main

_compliant := {"group": {
	"GroupName": "orders",
	"HttpsPolicy": "HTTPS2_TLS1_2",
	"TrafficLimit": 2000,
	"Description": "order API",
}}

test_compliant_group_is_quiet if {
	count(deny) == 0 with input as _compliant
	count(violation) == 0 with input as _compliant
	count(warn_description) == 0 with input as _compliant
}

test_tls_1_0_is_denied if {
	deny == {"group orders accepts TLS 1.0 (HttpsPolicy HTTPS2_TLS1_0); the security baseline requires TLS 1.2"} with input as object.union(_compliant, {"group": {"HttpsPolicy": "HTTPS2_TLS1_0"}})
}

test_traffic_limit_over_5000_is_a_violation if {
	violation == {{"msg": "group orders has a TrafficLimit of 6000 RPS; above 5000 needs the capacity board"}} with input as object.union(_compliant, {"group": {"TrafficLimit": 6000}})
	count(violation) == 0 with input as object.union(_compliant, {"group": {"TrafficLimit": 5000}})
}

test_missing_description_warns if {
	warn_description == {"group orders has no description"} with input as {"group": object.remove(_compliant.group, ["Description"])}
}
