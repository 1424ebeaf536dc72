package apigw.rules.data_unavailable_test

import data.apigw.fixture
import data.apigw.rules.data_unavailable as rule

run(inp) := fs if {
	fs := rule.findings with input as inp
}

with_errors(errs) := object.union(fixture.healthy, {"collectionErrors": errs})

by_key(errs) := {f.key: f | some f in run(with_errors(errs))}

test_healthy_quiet if {
	run(fixture.healthy) == set()
	run(with_errors([])) == set()
}

test_group_qps_forbidden if {
	rule.findings == {{
		"severity": "warning",
		"undecided": true,
		"message": "could not check MIG001 (rps-capacity): DescribeGroupQps failed during collection (Forbidden.RAM: User not authorized to operate on the specified resource.).",
		"remediation": "Grant the collector's RAM identity the read action apigateway:DescribeGroupQps (RAM console > Identities > the user or role > Grant Permission, or a policy with \"Action\": [\"apigateway:DescribeGroupQps\"]), check the read works with `aliyun cloudapi DescribeGroupQps --GroupId 523e8dc7bbe04613b5b1d726c2a7889d --StageName RELEASE --StartTime <start, YYYY-MM-DDThh:mm:ssZ> --EndTime 2026-11-20T08:00:00Z`, then collect the snapshot again so the rules can decide.",
		"resource": {"id": "523e8dc7bbe04613b5b1d726c2a7889d", "kind": "group", "name": "orders"},
		"path": ["collectionErrors", 0],
		"key": "DescribeGroupQps",
	}} with input as with_errors([{"call": "DescribeGroupQps", "code": "Forbidden.RAM", "message": "User not authorized to operate on the specified resource."}])
}

test_call_table if {
	cases := {
		"DescribeInstanceQps": "MIG001 (rps-capacity)",
		"DescribeApis": "MIG004 (egress-allowlist), MIG008 (ipv6-outbound), MIG009 (eni-security-group), MIG018 (private-backend-path), MIG019 (private-dns)",
		"DescribeDeployedApi": "MIG004 (egress-allowlist), MIG008 (ipv6-outbound), MIG009 (eni-security-group), MIG018 (private-backend-path), MIG019 (private-dns)",
		"DescribeVpcAccesses": "MIG004 (egress-allowlist), MIG008 (ipv6-outbound), MIG009 (eni-security-group), MIG018 (private-backend-path), MIG019 (private-dns)",
		"DescribeBackendInfo": "MIG004 (egress-allowlist), MIG008 (ipv6-outbound), MIG009 (eni-security-group), MIG018 (private-backend-path), MIG019 (private-dns)",
		"DescribeApi": "MIG004 (egress-allowlist), MIG008 (ipv6-outbound), MIG009 (eni-security-group), MIG018 (private-backend-path), MIG019 (private-dns)",
		"DescribeSecurityGroupAttribute": "MIG009 (eni-security-group)",
		"DescribeSecurityGroups": "MIG009 (eni-security-group)",
		"DescribePluginsByGroup": "MIG004 (egress-allowlist), MIG008 (ipv6-outbound), MIG009 (eni-security-group), MIG018 (private-backend-path), MIG019 (private-dns), MIG021 (plugin-backends), MIG025 (cold-cache)",
		"DescribeApiGroupVpcWhitelist": "MIG024 (vpc-clients)",
	}
	wrong := {call |
		some call, want in cases
		fs := by_key([{"call": call, "code": "InternalError"}])
		fs[call].message != sprintf("could not check %s: %s failed during collection (InternalError).", [want, call])
	}
	count(wrong) == 0
}

test_backend_info_failed if {
	rule.findings == {{
		"severity": "warning",
		"undecided": true,
		"message": "could not check MIG004 (egress-allowlist), MIG008 (ipv6-outbound), MIG009 (eni-security-group), MIG018 (private-backend-path), MIG019 (private-dns): DescribeBackendInfo failed during collection (ServiceUnavailable: The request has failed due to a temporary failure of the server.).",
		"remediation": "The error is transient (throttling or a service-side failure): wait a minute and retry, check the read works with `aliyun cloudapi DescribeBackendInfo --BackendId <backend-id>`, then collect the snapshot again so the rules can decide.",
		"resource": {"id": "523e8dc7bbe04613b5b1d726c2a7889d", "kind": "group", "name": "orders"},
		"path": ["collectionErrors", 0],
		"key": "DescribeBackendInfo",
	}} with input as with_errors([{"call": "DescribeBackendInfo", "code": "ServiceUnavailable", "message": "The request has failed due to a temporary failure of the server."}])
}

test_ecs_call_remediation if {
	f := by_key([{"call": "DescribeSecurityGroupAttribute", "code": "Forbidden.RAM"}]).DescribeSecurityGroupAttribute
	contains(f.remediation, "ecs:DescribeSecurityGroupAttribute")
	contains(f.remediation, "`aliyun ecs DescribeSecurityGroupAttribute --RegionId cn-hangzhou --SecurityGroupId <sg-id> --Direction egress`")
}

test_transient_remediation if {
	f := by_key([{"call": "DescribeApis", "code": "Throttling.User"}]).DescribeApis
	startswith(f.remediation, "The error is transient")
}

test_unknown_call if {
	f := by_key([{"call": "DescribeFoo", "code": "InvalidAction"}]).DescribeFoo
	f.message == "could not check the rules that use the data of DescribeFoo: DescribeFoo failed during collection (InvalidAction)."
}

test_call_name_any_case if {
	f := by_key([{"call": "describegroupqps", "code": "X"}]).describegroupqps
	contains(f.message, "MIG001 (rps-capacity)")
}

test_one_per_entry_with_keys if {
	fs := by_key([
		{"call": "DescribeDeployedApi", "code": "Throttling"},
		{"call": "DescribeGroupQps", "code": "Forbidden.RAM"},
		{"call": "DescribeDeployedApi", "code": "Throttling"},
		{"code": "X"},
		"not an object",
	])
	object.keys(fs) == {"DescribeDeployedApi[0]", "DescribeGroupQps", "DescribeDeployedApi[2]", "3", "4"}
	fs["4"].message == "could not check the rules that use the data of a read without a call name: a read without a call name failed during collection (no error code recorded)."
	fs["DescribeDeployedApi[2]"].path == ["collectionErrors", 2]
}

test_not_an_array_quiet if {
	run(with_errors("oops")) == set()
}

# Every entry is undecided, the whole finding included.
test_entries_are_undecided if {
	run(with_errors([{"call": "DescribeInstanceQps", "code": "Throttling"}])) == {{
		"severity": "warning",
		"undecided": true,
		"message": "could not check MIG001 (rps-capacity): DescribeInstanceQps failed during collection (Throttling).",
		"remediation": "The error is transient (throttling or a service-side failure): wait a minute and retry, check the read works with `aliyun cloudapi DescribeInstanceQps --InstanceId apigateway-hz-ab12cd34ef56 --StageName RELEASE --StartTime <start, YYYY-MM-DDThh:mm:ssZ> --EndTime 2026-11-20T08:00:00Z (and --StageName PRE, TEST)`, then collect the snapshot again so the rules can decide.",
		"resource": {"kind": "group", "id": "523e8dc7bbe04613b5b1d726c2a7889d", "name": "orders"},
		"path": ["collectionErrors", 0],
		"key": "DescribeInstanceQps",
	}}
	every f in run(with_errors([{"call": "DescribeFoo"}, "junk", {"call": "DescribeApis"}])) {
		f.undecided == true
	}
}
