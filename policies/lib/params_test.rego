# METADATA
# title: Tests of lib.param, in a package that declares parameters as a rule does
# custom:
#   id: ZZZ003
#   params:
#     - name: headroom
#       type: number
#       default: 0.2
#       description: Test parameter.
#     - name: window
#       type: duration
#       default: 2d
#       description: Test parameter.
package apigw.lib_params_test

import data.apigw.lib

_headroom := lib.param(rego.metadata.chain(), "headroom")

_window := lib.param(rego.metadata.chain(), "window")

_in_function(x) := x * lib.param(rego.metadata.chain(), "headroom")

test_param_reads_the_calling_package_metadata if {
	_headroom == 0.2
	_window == 172800000000000
	_in_function(10) == 2
}

test_param_reads_data_for_the_calling_package if {
	_headroom == 0.35 with data.apigw.params as {"ZZZ003": {"headroom": 0.35}}
	_in_function(10) == 5 with data.apigw.params as {"ZZZ003": {"headroom": 0.5}}
	_window == 1 with data.apigw.params as {"ZZZ003": {"window": 1}}
}

# A metadata chain as rego.metadata.chain() gives it inside rule ZZZ001.
_chain := [
	{"path": ["apigw", "rules", "zz", "x"]},
	{
		"path": ["apigw", "rules", "zz"],
		"annotations": {
			"scope": "package",
			"title": "Test rule",
			"custom": {
				"id": "ZZZ001",
				"params": [
					{"name": "headroom", "type": "number", "default": 0.2},
					{"name": "limit", "type": "integer", "default": 500},
					{"name": "strict", "type": "boolean", "default": false},
					{"name": "label", "type": "string", "default": "prod"},
					{"name": "window", "type": "duration", "default": "36h"},
					{"name": "days", "type": "duration", "default": "7d"},
				],
			},
		},
	},
]

test_param_defaults_come_from_metadata if {
	[
		lib.param(_chain, "headroom"), lib.param(_chain, "limit"),
		lib.param(_chain, "strict"), lib.param(_chain, "label"),
		lib.param(_chain, "window"), lib.param(_chain, "days"),
	] == [0.2, 500, false, "prod", 129600000000000, 604800000000000]
}

test_param_reads_the_engine_value_of_its_rule if {
	lib.param(_chain, "headroom") == 0.5 with data.apigw.params as {"ZZZ001": {"headroom": 0.5}}
	lib.param(_chain, "window") == 60000000000 with data.apigw.params as {"ZZZ001": {"window": 60000000000}}

	# The engine gives every parameter; one it left out keeps the default.
	lib.param(_chain, "limit") == 500 with data.apigw.params as {"ZZZ001": {"headroom": 0.5}}

	# Another rule's value of the same name is not this rule's.
	lib.param(_chain, "headroom") == 0.2 with data.apigw.params as {"ZZZ002": {"headroom": 0.9}}
}

test_param_false_value_is_not_the_default if {
	lib.param(_chain, "strict") == true with data.apigw.params as {"ZZZ001": {"strict": true}}
	lib.param(_chain, "strict") == false with data.apigw.params as {"ZZZ001": {"strict": false}}
}

test_param_undeclared_is_undefined if {
	not lib.param(_chain, "nope")
	not lib.param([{"path": ["apigw", "rules", "zz"]}], "headroom")
	not lib.param(_chain, "nope") with data.apigw.params as {"ZZZ001": {"nope": 1}}
}
