package apigw.rules.source_drain_test

import data.apigw.rules.source_drain as rule

healthy := {
	"schemaVersion": "apigw-preflight/v1",
	"collectedAt": "2026-11-20T08:00:00Z",
	"regionId": "cn-hangzhou",
	"group": {
		"GroupId": "523e8dc7bbe04613b5b1d726c2a7889d", "GroupName": "orders",
		"RegionId": "cn-hangzhou", "InstanceId": "api-shared-vpc-001",
		"InstanceType": "VPC_SHARED", "Status": "NORMAL", "BillingStatus": "NORMAL",
		"IllegalStatus": "NORMAL", "MigrationStatus": "", "MigrationError": "",
	},
	"source": {
		"InstanceId": "api-shared-vpc-001", "InstanceName": "Serverless (VPC)",
		"InstanceType": "VPC_SHARED", "RegionId": "cn-hangzhou", "Status": "RUNNING",
	},
	"destination": {
		"InstanceId": "apigateway-hz-ab12cd34ef56", "InstanceName": "orders-dedicated",
		"InstanceType": "VPC_DEDICATED", "DedicatedInstanceType": "normal",
		"RegionId": "cn-hangzhou", "Status": "RUNNING", "InstanceChargeType": "PostPay",
		"ExpiredTime": "",
	},
}

# with_part(part, fields) merges fields into one of the cloud objects.
with_part(part, fields) := object.union(healthy, {part: object.union(healthy[part], fields)})

# replace_part(part, obj) swaps a whole cloud object (object.union would keep
# removed keys).
replace_part(part, obj) := object.union(object.remove(healthy, [part]), {part: obj})

run(inp) := fs if {
	fs := rule.findings with input as inp
}

dedicated_source := object.union(
	with_part("source", {"InstanceId": "apigateway-hz-old000000001", "InstanceType": "VPC_DEDICATED"}),
	{"group": object.union(healthy.group, {"InstanceId": "apigateway-hz-old000000001", "InstanceType": "VPC_DEDICATED"})},
)

test_serverless_source_quiet if {
	count(run(healthy)) == 0
}

test_dedicated_source_note if {
	[f] := [f | some f in run(dedicated_source)]
	f.severity == "note"
	f.path == ["source", "InstanceType"]
	f.resource == {"kind": "instance", "id": "apigateway-hz-old000000001", "name": "Serverless (VPC)"}
	f.message == "Source apigateway-hz-old000000001 is a dedicated instance that keeps receiving requests for group orders (523e8dc7bbe04613b5b1d726c2a7889d) for 1 to 10 minutes after the switch to apigateway-hz-ab12cd34ef56 because of DNS caching, so do not release it until its traffic has drained."
	contains(f.remediation, "aliyun cloudapi DescribeInstanceQps --InstanceId apigateway-hz-old000000001")
}

test_dedicated_source_any_case if {
	[f] := [f | some f in run(with_part("source", {"InstanceType": " vpc_dedicated "}))]
	f.severity == "note"
}

# The group is already on its (dedicated) destination: nothing switches, so
# nothing drains.
test_already_migrated_quiet if {
	inp := object.union(dedicated_source, {
		"group": object.union(dedicated_source.group, {"InstanceId": "apigateway-hz-ab12cd34ef56"}),
		"source": object.union(dedicated_source.source, {"InstanceId": "apigateway-hz-ab12cd34ef56"}),
	})
	run(inp) == set()
}

test_source_is_destination_quiet if {
	inp := object.union(dedicated_source, {"source": object.union(dedicated_source.source, {"InstanceId": "apigateway-hz-ab12cd34ef56"})})
	run(inp) == set()
}
