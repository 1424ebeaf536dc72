package apigw.rules.vpc_clients_test

import data.apigw.fixture
import data.apigw.rules.vpc_clients

vpc_domain := "523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou-vpc.alicloudapi.com"

snap(ids, user_vpc) := object.union(fixture.healthy, {
	"group": {"VpcDomain": vpc_domain},
	"destination": {"UserVpcId": user_vpc, "IntranetSegments": "10.20.0.0/16"},
	"vpcWhitelist": {"VpcIds": ids},
})

test_healthy_is_quiet if {
	vpc_clients.findings == set() with input as fixture.healthy
	vpc_clients.findings == set() with input as object.union(fixture.healthy, {"vpcWhitelist": {"VpcIds": ""}})
}

test_covered_vpcs_are_quiet if {
	vpc_clients.findings == set() with input as snap("vpc-bp1callers0001", "vpc-bp1callers0001")
	vpc_clients.findings == set() with input as snap("", "vpc-bp1callers0001")
}

test_uncovered_vpcs_warn if {
	vpc_clients.findings == {{
		"message": "group orders (523e8dc7bbe04613b5b1d726c2a7889d) is called over VPC from vpc-bp1batch00002, vpc-bp1web000003 (VPC whitelist), but destination apigateway-hz-ab12cd34ef56 is bound to VPC vpc-bp1callers0001 (IntranetSegments 10.20.0.0/16), so callers in vpc-bp1batch00002, vpc-bp1web000003 may lose the group after the migration",
		"remediation": "Before migrating, bind vpc-bp1batch00002 to apigateway-hz-ab12cd34ef56 (console Instances and Clusters > Dedicated Instances > apigateway-hz-ab12cd34ef56 > VPC access binding; OpenAPI `aliyun cloudapi ModifyInstanceVpcAttributeForConsole --InstanceId apigateway-hz-ab12cd34ef56 --VpcId vpc-bp1batch00002 --VswitchId <vswitch>`), or connect vpc-bp1batch00002 to the bound VPC; bind vpc-bp1web000003 to apigateway-hz-ab12cd34ef56 (console Instances and Clusters > Dedicated Instances > apigateway-hz-ab12cd34ef56 > VPC access binding; OpenAPI `aliyun cloudapi ModifyInstanceVpcAttributeForConsole --InstanceId apigateway-hz-ab12cd34ef56 --VpcId vpc-bp1web000003 --VswitchId <vswitch>`), or connect vpc-bp1web000003 to the bound VPC; then call the group from each of those VPCs after the switch. The mapping of the group whitelist to a dedicated instance's binding is not fully documented: test it.",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["vpcWhitelist", "VpcIds"],
		"key": "whitelist",
	}} with input as snap("vpc-bp1web000003, vpc-bp1callers0001,vpc-bp1batch00002", "vpc-bp1callers0001")
}

test_vpc_domain_without_binding_warns if {
	fs := vpc_clients.findings with input as snap("", "")
	[f] := [f | some f in fs]
	f.key == "no-binding"
	f.message == "group orders (523e8dc7bbe04613b5b1d726c2a7889d) is reached over VPC at 523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou-vpc.alicloudapi.com, but destination apigateway-hz-ab12cd34ef56 has no VPC bound (UserVpcId is empty), so its VPC callers may lose the group after the migration"
	fs2 := vpc_clients.findings with input as snap("vpc-a", "")
	{f.key | some f in fs2} == {"whitelist"}
}

test_whitelist_not_collected_is_undecided if {
	s := object.remove(snap("", ""), {"vpcWhitelist"})
	fs := vpc_clients.findings with input as s
	[f] := [f | some f in fs]
	f.undecided
	f.key == "whitelist-missing"
	f.message == "could not check which VPCs call group orders (523e8dc7bbe04613b5b1d726c2a7889d) over 523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou-vpc.alicloudapi.com: the group's VPC whitelist was not collected, so it cannot be compared with destination apigateway-hz-ab12cd34ef56's VPC binding (no VPC)"
}

test_failed_read_is_undecided_once if {
	s := object.union(object.remove(snap("", ""), {"vpcWhitelist"}), {"collectionErrors": [{"call": "DescribeApiGroupVpcWhitelist", "code": "InternalError", "message": "boom"}]})
	fs := vpc_clients.findings with input as s with data.apigw.calls as {"DescribeApiGroupVpcWhitelist": {"rules": ["MIG024"]}}
	[f] := [f | some f in fs]
	f.key == "collection-errors"
}

test_serverless_destination_is_left_to_mig010 if {
	s := object.union(snap("vpc-x", ""), {"destination": {"InstanceType": "VPC_SHARED"}})
	vpc_clients.findings == set() with input as s
}
