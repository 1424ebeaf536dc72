package apigw.rules.internal_domain_test

import data.apigw.fixture
import data.apigw.rules.internal_domain

internal_group := object.union(fixture.healthy, {"group": {"VpcSlbIntranetDomain": "523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou-intranet.alicloudapi.com"}})

test_healthy_is_quiet if {
	internal_domain.findings == set() with input as fixture.healthy
}

test_internal_domain_without_destination_support_fires if {
	internal_domain.findings == {{
		"message": "group orders (523e8dc7bbe04613b5b1d726c2a7889d) is called through the internal domain 523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou-intranet.alicloudapi.com but destination apigateway-hz-ab12cd34ef56 does not have the internal domain for calls from API Gateway enabled (VpcSlbIntranetEnable is false), so those calls fail after the migration",
		"remediation": "Before migrating, enable the internal domain for calls from API Gateway on apigateway-hz-ab12cd34ef56: in the API Gateway console choose Instances and Clusters > Dedicated Instances and enable it on apigateway-hz-ab12cd34ef56, or run `aliyun cloudapi ModifyInstanceAttribute --InstanceId apigateway-hz-ab12cd34ef56 --VpcSlbIntranetEnable true`; then check that 523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou-intranet.alicloudapi.com answers after the migration.",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "VpcSlbIntranetEnable"],
	}} with input as internal_group
}

test_destination_enabled_is_quiet if {
	internal_domain.findings == set() with input as object.union(internal_group, {"destination": {"VpcSlbIntranetEnable": true}})
	internal_domain.findings == set() with input as object.union(internal_group, {"destination": {"VpcSlbIntranetEnable": " True "}})
}

test_string_false_counts_as_disabled if {
	fs := internal_domain.findings with input as object.union(internal_group, {"destination": {"VpcSlbIntranetEnable": "false"}})
	count(fs) == 1
	some f in fs
	contains(f.message, "(VpcSlbIntranetEnable is false)")
	count(internal_domain.findings) == 1 with input as object.union(internal_group, {"destination": {"VpcSlbIntranetEnable": ""}})
}

test_null_domain_is_quiet if {
	internal_domain.findings == set() with input as object.union(fixture.healthy, {"group": {"VpcSlbIntranetDomain": null}})
}
