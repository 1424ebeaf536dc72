package apigw.rules.data_unavailable_test

import data.apigw.rules.data_unavailable as rule

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

run(inp) := fs if {
	fs := rule.findings with input as inp
}

with_errors(errs) := object.union(healthy, {"collectionErrors": errs})

by_key(errs) := {f.key: f | some f in run(with_errors(errs))}

test_healthy_quiet if {
	count(run(healthy)) == 0
	count(run(with_errors([]))) == 0
}

test_group_qps_forbidden if {
	fs := by_key([{"call": "DescribeGroupQps", "code": "Forbidden.RAM", "message": "User not authorized to operate on the specified resource."}])
	count(fs) == 1
	f := fs.DescribeGroupQps
	f.severity == "warning"
	f.path == ["collectionErrors", 0]
	f.message == "could not check MIG001 (rps-capacity): DescribeGroupQps failed during collection (Forbidden.RAM: User not authorized to operate on the specified resource.)."
	contains(f.remediation, "apigateway:DescribeGroupQps")
	contains(f.remediation, "`aliyun cloudapi DescribeGroupQps --GroupId 523e8dc7bbe04613b5b1d726c2a7889d --StageName RELEASE")
}

test_call_table if {
	cases := {
		"DescribeInstanceQps": "MIG001 (rps-capacity)",
		"DescribeApis": "MIG004 (egress-allowlist), MIG008 (ipv6-outbound), MIG009 (eni-security-group)",
		"DescribeDeployedApi": "MIG004 (egress-allowlist), MIG008 (ipv6-outbound), MIG009 (eni-security-group)",
		"DescribeVpcAccesses": "MIG004 (egress-allowlist), MIG008 (ipv6-outbound), MIG009 (eni-security-group)",
		"DescribeSecurityGroupAttribute": "MIG009 (eni-security-group)",
		"DescribeSecurityGroups": "MIG009 (eni-security-group)",
	}
	wrong := {call |
		some call, want in cases
		fs := by_key([{"call": call, "code": "InternalError"}])
		fs[call].message != sprintf("could not check %s: %s failed during collection (InternalError).", [want, call])
	}
	count(wrong) == 0
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
	count(run(with_errors("oops"))) == 0
}

# Every entry is undecided, the whole finding included.
test_entries_are_undecided if {
	run(with_errors([{"call": "DescribeInstanceQps", "code": "Throttling"}])) == {{
		"severity": "warning",
		"undecided": true,
		"message": "could not check MIG001 (rps-capacity): DescribeInstanceQps failed during collection (Throttling).",
		"remediation": "The error is transient (throttling or a service-side failure): wait a minute and retry, check the read works with `aliyun cloudapi DescribeInstanceQps --InstanceId apigateway-hz-ab12cd34ef56 --StartTime <start, YYYY-MM-DDThh:mm:ssZ> --EndTime 2026-11-20T08:00:00Z`, then collect the snapshot again so the rules can decide.",
		"resource": {"kind": "group", "id": "523e8dc7bbe04613b5b1d726c2a7889d", "name": "orders"},
		"path": ["collectionErrors", 0],
		"key": "DescribeInstanceQps",
	}}
	every f in run(with_errors([{"call": "DescribeFoo"}, "junk", {"call": "DescribeApis"}])) {
		f.undecided == true
	}
}
