package apigw.rules.ipv6_inbound_test

import data.apigw.fixture
import data.apigw.rules.ipv6_inbound

ipv6_group := object.union(fixture.healthy, {"group": {"Ipv6Status": "BIND"}})

test_healthy_is_quiet if {
	ipv6_inbound.findings == set() with input as fixture.healthy
}

test_bound_ipv6_without_destination_support_fires if {
	ipv6_inbound.findings == {{
		"message": "group orders (523e8dc7bbe04613b5b1d726c2a7889d) takes inbound IPv6 (Ipv6Status BIND) but destination apigateway-hz-ab12cd34ef56 does not support inbound IPv6 (SupportIpv6 is false), so IPv6 clients lose the group after the migration",
		"remediation": "Before migrating, enable inbound IPv6 on apigateway-hz-ab12cd34ef56: in the API Gateway console choose Instances and Clusters > Dedicated Instances and click Enable next to Inbound IPv6 Traffic for apigateway-hz-ab12cd34ef56, or run `aliyun cloudapi ModifyInstanceAttribute --InstanceId apigateway-hz-ab12cd34ef56 --IPV6Enabled true`; after the migration check on the group's details page that its second-level domain is still bound to an IPv6 address (Bind IPv6 Address).",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "SupportIpv6"],
	}} with input as ipv6_group
}

test_destination_support_is_quiet if {
	ipv6_inbound.findings == set() with input as object.union(ipv6_group, {"destination": {"SupportIpv6": true}})
	ipv6_inbound.findings == set() with input as object.union(ipv6_group, {"destination": {"SupportIpv6": "true"}})
}

test_string_false_counts_as_unsupported if {
	count(ipv6_inbound.findings) == 1 with input as object.union(ipv6_group, {"destination": {"SupportIpv6": "false"}})
	count(ipv6_inbound.findings) == 1 with input as object.union(ipv6_group, {"destination": {"SupportIpv6": null}})
}

test_unbind_any_case_empty_or_null_is_quiet if {
	ipv6_inbound.findings == set() with input as object.union(fixture.healthy, {"group": {"Ipv6Status": "unbind"}})
	ipv6_inbound.findings == set() with input as object.union(fixture.healthy, {"group": {"Ipv6Status": ""}})
	ipv6_inbound.findings == set() with input as object.union(fixture.healthy, {"group": {"Ipv6Status": null}})
}
