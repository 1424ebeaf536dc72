package apigw.rules.spec_limits_test

import data.apigw.fixture
import data.apigw.lib
import data.apigw.rules.spec_limits

dedicated_src(spec) := object.union(fixture.healthy, {
	"group": {"InstanceId": "apigateway-hz-src000000001", "InstanceType": "VPC_DEDICATED"},
	"source": {"InstanceId": "apigateway-hz-src000000001", "InstanceType": "VPC_DEDICATED", "DedicatedInstanceType": "normal", "InstanceSpec": spec},
})

test_serverless_source_gets_a_note if {
	spec_limits.findings == {{
		"severity": "note",
		"message": "after the migration group orders (523e8dc7bbe04613b5b1d726c2a7889d) is bound by the limits of destination apigateway-hz-ab12cd34ef56 (api.s1.small) besides RPS: inbound connections 50,000, new inbound connections per second 5,000, outbound connection pool 1,200, outbound Internet bandwidth 100 Mbit/s; serverless source api-shared-vpc-001 allows 100,000 connections per domain name and shares its bandwidth, and the group's own connection and bandwidth figures were not collected",
		"remediation": "Compare the group's peak connections and outbound bandwidth (CloudMonitor, or `aliyun cloudapi DescribeGroupTraffic --GroupId 523e8dc7bbe04613b5b1d726c2a7889d --StageName RELEASE --StartTime <t> --EndTime <t>`) with these limits; if they do not fit, upgrade apigateway-hz-ab12cd34ef56 first (`aliyun cloudapi ModifyInstanceSpec --InstanceId apigateway-hz-ab12cd34ef56 --InstanceSpec <spec> --ModifyAction UPGRADE --AutoPay true --Token <uuid>`; an upgrade may add an egress IP, so re-run the preflight for MIG004).",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "InstanceSpec"],
		"key": "serverless-source",
	}} with input as fixture.healthy
}

test_larger_dedicated_source_warns if {
	spec_limits.findings == {{
		"message": "destination apigateway-hz-ab12cd34ef56 (api.s1.small) allows less than source apigateway-hz-src000000001 (api.s2.large.x3) in limits other than RPS: inbound connections 50,000 instead of 600,000, new inbound connections per second 5,000 instead of 10,000, outbound connection pool 1,200 instead of 14,400, outbound Internet bandwidth 100 Mbit/s instead of 400 Mbit/s, so traffic the source carries today may be refused or queued after the migration of group orders (523e8dc7bbe04613b5b1d726c2a7889d)",
		"remediation": "Check the group's peak connections and outbound bandwidth on apigateway-hz-src000000001 (CloudMonitor, or `aliyun cloudapi DescribeInstanceTraffic --InstanceId apigateway-hz-src000000001 --StageName RELEASE --StartTime <t> --EndTime <t>`); if they exceed apigateway-hz-ab12cd34ef56's limits, upgrade it first: `aliyun cloudapi ModifyInstanceSpec --InstanceId apigateway-hz-ab12cd34ef56 --InstanceSpec api.s2.large.x3 --ModifyAction UPGRADE --AutoPay true --Token <uuid>` (an upgrade may add an egress IP: re-run the preflight for MIG004).",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "InstanceSpec"],
		"key": "smaller-than-source",
	}} with input as dedicated_src("api.s2.large.x3")
}

test_only_the_smaller_dimensions_are_named if {
	# x5 and x6 differ only in the outbound pool.
	s := object.union(dedicated_src("api.s2.large.x6"), {"destination": {"InstanceSpec": "api.s2.large.x5"}})
	[f] := [f | some f in spec_limits.findings with input as s]
	contains(f.message, "in limits other than RPS: outbound connection pool 24,000 instead of 28,800, so")
}

test_equal_or_smaller_source_is_quiet if {
	spec_limits.findings == set() with input as dedicated_src("api.s1.small")
	spec_limits.findings == set() with input as dedicated_src("API.S1.SMALL")
	s := object.union(dedicated_src("api.s1.medium"), {"destination": {"InstanceSpec": "api.s2.large"}})
	spec_limits.findings == set() with input as s
}

test_unknown_spec_is_undecided if {
	fs := spec_limits.findings with input as dedicated_src("api.s9.huge")
	[f] := [f | some f in fs]
	f.undecided
	f.message == "could not check the limits other than RPS of apigateway-hz-src000000001 (source): specification \"api.s9.huge\" is not in the dedicated-instance specification table"
	fs2 := spec_limits.findings with input as fixture.without("destination", {"InstanceSpec"})
	[f2] := [f | some f in fs2]
	f2.message == "could not check the limits other than RPS of apigateway-hz-ab12cd34ef56 (destination): specification \"\" is not in the dedicated-instance specification table"
}

test_already_migrated_is_quiet if {
	s := object.union(fixture.healthy, {"group": {"InstanceId": "apigateway-hz-ab12cd34ef56"}})
	spec_limits.findings == set() with input as s
}

test_texts_match_limits if {
	object.keys(spec_limits._texts) == object.keys(spec_limits._limits)
	every spec, figures in spec_limits._limits {
		every d in spec_limits._dims {
			spec_limits._texts[spec][d.key] == sprintf("%s%s", [lib.thousands(figures[d.key]), d.unit])
		}
	}
}
