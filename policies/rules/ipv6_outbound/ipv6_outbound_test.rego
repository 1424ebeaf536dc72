package apigw.rules.ipv6_outbound_test

import data.apigw.fixture
import data.apigw.rules.ipv6_outbound

ipv6_source := object.union(fixture.healthy, {"source": {"EgressIpv6Enable": true}})

ipv6_backend := object.union(fixture.healthy, {"backends": [
	object.union(fixture.healthy.backends[0], {"ips": ["47.97.3.3", "2408:4005:3a0::10"]}),
	fixture.healthy.backends[1],
]})

test_healthy_is_quiet if {
	ipv6_outbound.findings == set() with input as fixture.healthy
}

test_source_ipv6_without_destination_fires if {
	ipv6_outbound.findings == {{
		"message": "source api-shared-vpc-001 sends outbound IPv6 for group orders (523e8dc7bbe04613b5b1d726c2a7889d) but destination apigateway-hz-ab12cd34ef56 has outbound IPv6 disabled (EgressIpv6Enable is false), so backends reached over IPv6 become unreachable after the migration",
		"remediation": "Before migrating, enable outbound IPv6 on apigateway-hz-ab12cd34ef56: in the API Gateway console choose Instances and Clusters > Dedicated Instances and click Enable next to Outbound IPv6 Traffic for apigateway-hz-ab12cd34ef56, or run `aliyun cloudapi ModifyInstanceAttribute --InstanceId apigateway-hz-ab12cd34ef56 --EgressIpv6Enable true`.",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "EgressIpv6Enable"],
		"key": "source",
	}} with input as ipv6_source
}

test_ipv6_backend_without_destination_fires if {
	fs := ipv6_outbound.findings with input as ipv6_backend
	count(fs) == 1
	some f in fs
	not f.severity
	f.message == "backend 47.97.3.3 (API GetOrder) resolves to IPv6 2408:4005:3a0::10 but destination apigateway-hz-ab12cd34ef56 has outbound IPv6 disabled (EgressIpv6Enable is false), so group orders (523e8dc7bbe04613b5b1d726c2a7889d) cannot reach it over IPv6 after the migration"
	f.path == ["backends", 0, "ips", 1]
	f.key == "47.97.3.3/3b81fd160f5645e097cc8855d75a1cf6"
	f.resource == {"kind": "backend", "id": "47.97.3.3", "name": "GetOrder"}
}

test_both_reasons_give_two_findings if {
	snap := object.union(ipv6_backend, {"source": {"EgressIpv6Enable": "true"}})
	fs := ipv6_outbound.findings with input as snap
	count(fs) == 2
}

test_destination_enabled_is_quiet if {
	snap := object.union(ipv6_backend, {"source": {"EgressIpv6Enable": true}, "destination": {"EgressIpv6Enable": "true"}})
	ipv6_outbound.findings == set() with input as snap
}

test_string_false_is_not_true if {
	ipv6_outbound.findings == set() with input as object.union(fixture.healthy, {"source": {"EgressIpv6Enable": "false"}})
	count(ipv6_outbound.findings) == 1 with input as object.union(ipv6_source, {"destination": {"EgressIpv6Enable": "false"}})
	count(ipv6_outbound.findings) == 1 with input as object.union(ipv6_source, {"destination": {"EgressIpv6Enable": null}})
}

test_without_backends_checks_source_only if {
	ipv6_outbound.findings == set() with input as object.remove(fixture.healthy, ["backends"])
	count(ipv6_outbound.findings) == 1 with input as object.remove(ipv6_source, ["backends"])
}

# An IPv4-mapped IPv6 address is IPv4: no IPv6 egress is needed for it.
test_ipv4_mapped_backend_quiet if {
	inp := object.union(fixture.healthy, {"backends": [
		object.union(fixture.healthy.backends[0], {"host": "::ffff:47.97.3.3", "ips": ["::ffff:47.97.3.3", "0:0:0:0:0:FFFF:47.97.3.4"]}),
		fixture.healthy.backends[1],
	]})
	ipv6_outbound.findings == set() with input as inp
}

# A real IPv6 address beside a mapped one still fires, naming only it.
test_mapped_and_real_ipv6 if {
	inp := object.union(fixture.healthy, {"backends": [
		object.union(fixture.healthy.backends[0], {"ips": ["::ffff:47.97.3.3", "2408:4005:3a0::10"]}),
		fixture.healthy.backends[1],
	]})
	fs := ipv6_outbound.findings with input as inp
	{[f.key, f.path] | some f in fs} == {["47.97.3.3/3b81fd160f5645e097cc8855d75a1cf6", ["backends", 0, "ips", 1]]}
	some f in fs
	contains(f.message, "resolves to IPv6 2408:4005:3a0::10 but")
}

failed_apis := object.union(fixture.healthy, {"collectionErrors": [{"call": "DescribeApis", "code": "Forbidden.RAM"}]})

test_failed_backend_read_is_undecided if {
	fs := ipv6_outbound.findings with input as failed_apis
	fs == {{
		"severity": "warning",
		"undecided": true,
		"message": "could not check whether a backend of group orders (523e8dc7bbe04613b5b1d726c2a7889d) is reached over IPv6, which destination apigateway-hz-ab12cd34ef56 cannot send: DescribeApis failed during collection, so the snapshot lacks data this rule needs (MIG015 gives the error)",
		"remediation": "Fix the failed read (MIG015 says how), collect the snapshot again and re-run the check; until then treat MIG008 as not passed.",
		"resource": {"kind": "group", "id": "523e8dc7bbe04613b5b1d726c2a7889d", "name": "orders"},
		"path": ["collectionErrors", 0],
		"key": "collection-errors",
	}}
}

# With outbound IPv6 on the destination, no backend can matter.
test_failed_backend_read_quiet_with_ipv6_destination if {
	inp := object.union(failed_apis, {"destination": {"EgressIpv6Enable": true}})
	ipv6_outbound.findings == set() with input as inp
}
