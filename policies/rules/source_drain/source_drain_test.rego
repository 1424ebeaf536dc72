package apigw.rules.source_drain_test

import data.apigw.fixture
import data.apigw.rules.source_drain as rule

run(inp) := fs if {
	fs := rule.findings with input as inp
}

dedicated_source := object.union(
	fixture.patched({"source": {"InstanceId": "apigateway-hz-old000000001", "InstanceType": "VPC_DEDICATED"}}),
	{"group": object.union(fixture.healthy.group, {"InstanceId": "apigateway-hz-old000000001", "InstanceType": "VPC_DEDICATED"})},
)

test_serverless_source_quiet if {
	run(fixture.healthy) == set()
}

test_dedicated_source_note if {
	rule.findings == {{
		"message": "Source apigateway-hz-old000000001 is a dedicated instance that keeps receiving requests for group orders (523e8dc7bbe04613b5b1d726c2a7889d) for 1 to 10 minutes after the switch to apigateway-hz-ab12cd34ef56 because of DNS caching, so do not release it until its traffic has drained.",
		"remediation": "After the migration, watch the source's traffic with `aliyun cloudapi DescribeInstanceQps --InstanceId apigateway-hz-old000000001 --StageName RELEASE --StartTime <switch time, YYYY-MM-DDThh:mm:ssZ> --EndTime <now, YYYY-MM-DDThh:mm:ssZ>`, and the same with --StageName PRE and TEST (or `apigw-preflight run --migrate --watch-drain`; API Gateway console > Instances > apigateway-hz-old000000001 > Monitoring) and release or downgrade it only after the QPS has stayed at zero for at least 10 minutes.",
		"resource": {"id": "apigateway-hz-old000000001", "kind": "instance", "name": "Serverless (VPC)"},
		"path": ["source", "InstanceType"],
		"key": "drain",
	}} with input as dedicated_source
}

test_dedicated_source_any_case if {
	[f] := [f | some f in run(fixture.patched({"source": {"InstanceType": " vpc_dedicated "}}))]
	not f.severity
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
