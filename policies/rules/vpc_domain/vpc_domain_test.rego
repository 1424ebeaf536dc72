package apigw.rules.vpc_domain_test

import data.apigw.fixture
import data.apigw.rules.vpc_domain

vpc_group := object.union(fixture.healthy, {"group": {"VpcDomain": "523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou-vpc.alicloudapi.com"}})

test_healthy_is_quiet if {
	vpc_domain.findings == set() with input as fixture.healthy
}

test_vpc_domain_without_destination_support_fires if {
	vpc_domain.findings == {{
		"message": "group orders (523e8dc7bbe04613b5b1d726c2a7889d) is reached over VPC at 523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou-vpc.alicloudapi.com but destination apigateway-hz-ab12cd34ef56 does not have the VPC second-level domain enabled (VpcIntranetEnable is false), so VPC clients lose the group after the migration",
		"remediation": "Before migrating, enable VPC access on apigateway-hz-ab12cd34ef56: in the API Gateway console choose Instances and Clusters > Dedicated Instances, open apigateway-hz-ab12cd34ef56 and under VPC access bind the VPC that the group's clients call from (an instance-level setting; no OpenAPI call for it is documented). Then keep the group's VPC second-level domain enabled with the group-level call `aliyun cloudapi ModifyIntranetDomainPolicy --GroupId 523e8dc7bbe04613b5b1d726c2a7889d --VpcIntranetEnable true` (it takes no InstanceId), and check that 523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou-vpc.alicloudapi.com still resolves from the VPC after the migration.",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "VpcIntranetEnable"],
	}} with input as vpc_group
}

test_destination_enabled_is_quiet if {
	vpc_domain.findings == set() with input as object.union(vpc_group, {"destination": {"VpcIntranetEnable": true}})
	vpc_domain.findings == set() with input as object.union(vpc_group, {"destination": {"VpcIntranetEnable": "true"}})
	vpc_domain.findings == set() with input as object.union(vpc_group, {"destination": {"VpcIntranetEnable": "TRUE"}})
}

test_string_false_and_missing_count_as_disabled if {
	count(vpc_domain.findings) == 1 with input as object.union(vpc_group, {"destination": {"VpcIntranetEnable": "false"}})
	count(vpc_domain.findings) == 1 with input as object.union(vpc_group, {"destination": {"VpcIntranetEnable": null}})
	fs := vpc_domain.findings with input as object.union(vpc_group, {"destination": object.remove(fixture.healthy.destination, ["VpcIntranetEnable"])})
	count(fs) == 1
}

test_blank_or_null_domain_is_quiet if {
	vpc_domain.findings == set() with input as object.union(fixture.healthy, {"group": {"VpcDomain": null}})
	vpc_domain.findings == set() with input as object.union(fixture.healthy, {"group": {"VpcDomain": "  "}})
}
