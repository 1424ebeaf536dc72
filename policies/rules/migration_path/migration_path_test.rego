package apigw.rules.migration_path_test

import data.apigw.fixture
import data.apigw.rules.migration_path as rule

run(inp) := fs if {
	fs := rule.findings with input as inp
}

by_key(inp) := {f.key: f | some f in run(inp)}

test_healthy_quiet if {
	run(fixture.healthy) == set()
}

test_destination_not_dedicated if {
	rule.findings == {{
		"message": "Destination api-shared-vpc-002 has InstanceType VPC_SHARED, but a group can only be moved to a dedicated instance (VPC_DEDICATED).",
		"remediation": "Choose a dedicated instance as the destination: list the dedicated instances in cn-hangzhou with `aliyun cloudapi DescribeInstances --RegionId cn-hangzhou` and pick one whose InstanceType is VPC_DEDICATED, or buy one in the API Gateway console > Instances > Create Instance; then collect the snapshot again.",
		"resource": {"id": "api-shared-vpc-002", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "InstanceType"],
		"key": "destination-type",
	}} with input as fixture.patched({"destination": {"InstanceType": "VPC_SHARED", "InstanceId": "api-shared-vpc-002"}})
}

test_destination_type_any_case if {
	run(fixture.patched({"destination": {"InstanceType": "vpc_dedicated"}})) == set()
}

already_migrated_note := {
	"severity": "note",
	"message": "Group orders (523e8dc7bbe04613b5b1d726c2a7889d) is already on destination api-shared-vpc-001 (already migrated), so there is nothing to migrate.",
	"remediation": "Nothing to do for this move: `aliyun cloudapi DescribeApiGroup --GroupId 523e8dc7bbe04613b5b1d726c2a7889d` shows InstanceId api-shared-vpc-001. To move the group elsewhere, choose another destination (list the dedicated instances in cn-hangzhou with `aliyun cloudapi DescribeInstances --RegionId cn-hangzhou` and pick one whose InstanceType is VPC_DEDICATED) and collect the snapshot again.",
	"resource": {"kind": "group", "id": "523e8dc7bbe04613b5b1d726c2a7889d", "name": "orders"},
	"path": ["destination", "InstanceId"],
	"key": "same-instance",
}

# The group is already on the destination: one note, even though the
# destination (the group's serverless instance) is not dedicated.
test_already_migrated_is_a_note if {
	run(fixture.patched({"destination": {"InstanceId": "api-shared-vpc-001", "InstanceType": "VPC_SHARED"}})) == {already_migrated_note}
}

# Whatever else is off, an already migrated group gets the note alone.
test_already_migrated_silences_the_path_checks if {
	inp := object.union(fixture.healthy, {
		"group": object.union(fixture.healthy.group, {"InstanceType": "CLASSIC_SHARED"}),
		"destination": object.union(fixture.healthy.destination, {"InstanceId": " api-shared-vpc-001", "InstanceType": "VPC_SHARED", "RegionId": ""}),
		"source": object.union(fixture.healthy.source, {"InstanceId": "x"}),
	})
	{f.key | some f in run(inp)} == {"same-instance"}
}

test_not_migrated_without_destination_id if {
	inp := fixture.patched({"destination": {"InstanceId": ""}})
	not "same-instance" in {f.key | some f in run(inp)}
}

test_region_mismatch if {
	fs := by_key(fixture.patched({"destination": {"RegionId": "cn-shanghai"}}))
	count(fs) == 1
	f := fs.region
	not f.severity
	f.message == "Destination apigateway-hz-ab12cd34ef56 is in region cn-shanghai but group orders (523e8dc7bbe04613b5b1d726c2a7889d) is in cn-hangzhou; a group can only move between instances of one region."
}

test_region_falls_back_to_snapshot_region if {
	inp := object.union(fixture.patched({"group": {"RegionId": ""}}), {"regionId": "cn-beijing"})
	f := by_key(inp).region
	not f.severity
	contains(f.message, "is in cn-beijing;")
	f.path == ["destination", "RegionId"]
}

test_region_missing_warns if {
	f := by_key(fixture.patched({"destination": {"RegionId": ""}})).region
	f.severity == "warning"
	f.message == "could not check that destination apigateway-hz-ab12cd34ef56 is in the region of group orders (523e8dc7bbe04613b5b1d726c2a7889d): destination.RegionId is empty."
}

test_classic_network if {
	inp := object.union(fixture.patched({"group": {"InstanceType": "CLASSIC_SHARED"}}), {})
	fs := by_key(inp)
	count(fs) == 1
	f := fs["classic-network"]
	f.path == ["group", "InstanceType"]
	startswith(f.message, "Group orders (523e8dc7bbe04613b5b1d726c2a7889d) is on the classic network")
}

test_source_mismatch if {
	fs := by_key(fixture.patched({"source": {"InstanceId": "apigateway-hz-other"}}))
	count(fs) == 1
	f := fs["source-mismatch"]
	f.message == "Snapshot source apigateway-hz-other is not the current instance of group orders (523e8dc7bbe04613b5b1d726c2a7889d) (api-shared-vpc-001), so the checks compare the wrong instances."
	f.resource.kind == "instance"
}

test_several_violations_have_own_keys if {
	inp := object.union(fixture.healthy, {
		"group": object.union(fixture.healthy.group, {"InstanceType": "CLASSIC_SHARED"}),
		"destination": object.union(fixture.healthy.destination, {"InstanceType": "VPC_SHARED", "RegionId": "cn-shanghai"}),
		"source": object.union(fixture.healthy.source, {"InstanceId": "x"}),
	})
	object.keys(by_key(inp)) == {"destination-type", "region", "classic-network", "source-mismatch"}
	count(run(inp)) == 4
}
