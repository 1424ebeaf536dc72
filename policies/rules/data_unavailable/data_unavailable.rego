# METADATA
# title: Cloud reads that failed while collecting the snapshot
# description: >-
#   The collector records every read that failed in collectionErrors and still
#   writes the snapshot. Each entry is a warning naming the failed call, its
#   error code and message, and the rules whose data it would have supplied,
#   so that a quiet rule is not mistaken for a passed one: DescribeGroupQps and
#   DescribeInstanceQps feed MIG001; DescribeApis, DescribeDeployedApi and
#   DescribeVpcAccesses feed MIG004, MIG008 and MIG009;
#   DescribeSecurityGroupAttribute and DescribeSecurityGroups feed MIG009. An
#   unknown call is reported against the rules that use its data. The key is
#   the call name, with the entry's index when the call failed more than once.
#   Each entry is undecided (could not check), and the rules it names report
#   themselves undecided too, so a gate that refuses undecided error rules
#   refuses them.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/developer-reference/api-cloudapi-2016-07-14-ram
#     description: API Gateway RAM authorization (the apigateway:Describe* read actions the collector needs)
#   - ref: https://www.alibabacloud.com/help/en/ram/developer-reference/aliyunapigatewayreadonlyaccess
#     description: AliyunApiGatewayReadOnlyAccess system policy
# custom:
#   id: MIG015
#   name: data-unavailable
#   severity: warning
#   remediation: >-
#     Fix the cause of the failed read (grant the missing RAM action for
#     Forbidden.RAM, retry later for Throttling, ServiceUnavailable or
#     InternalError) and collect the snapshot again.
#   tags: [data]
package apigw.rules.data_unavailable

import data.apigw.lib

rule_names := {
	"MIG001": "rps-capacity",
	"MIG004": "egress-allowlist",
	"MIG008": "ipv6-outbound",
	"MIG009": "eni-security-group",
}

# Which rules need the data of which call: the lib's table, which the rules
# themselves read to say they could not decide.
call_rules := lib.call_rules

ecs_calls := {"DescribeSecurityGroupAttribute", "DescribeSecurityGroups"}

group_id := lib.get(input.group, "GroupId")

dest_id := lib.get(input.destination, "InstanceId")

region := r if {
	r := lib.get(input, "regionId")
	lib.set(r)
} else := lib.get(input.group, "RegionId")

collected_at := lib.get(input, "collectedAt")

errors := input.collectionErrors if is_array(input.collectionErrors)

entry_obj(e) := e if is_object(e)

entry_obj(e) := {} if not is_object(e)

call_of(e) := trim_space(lib.get(entry_obj(e), "call"))

# The table's spelling of a call, matched case-insensitively.
canonical(call) := lib.canonical_call(call)

rules_text(call) := concat(", ", [sprintf("%s (%s)", [id, rule_names[id]]) | some id in ids]) if {
	ids := call_rules[canonical(call)]
}

rules_text(call) := sprintf("the rules that use the data of %s", [call_text(call)]) if not canonical(call)

call_text(call) := call if lib.set(call)

call_text(call) := "a read without a call name" if not lib.set(call)

code_text(e) := sprintf("%s: %s", [code, msg]) if {
	code := trim_space(lib.get(entry_obj(e), "code"))
	msg := trim_space(lib.get(entry_obj(e), "message"))
	lib.set(code)
	lib.set(msg)
} else := code if {
	code := trim_space(lib.get(entry_obj(e), "code"))
	lib.set(code)
} else := msg if {
	msg := trim_space(lib.get(entry_obj(e), "message"))
	lib.set(msg)
} else := "no error code recorded"

# ---- remediation ------------------------------------------------------------------

ram_action(call) := sprintf("ecs:%s", [canonical(call)]) if canonical(call) in ecs_calls

ram_action(call) := sprintf("apigateway:%s", [canonical(call)]) if {
	canonical(call)
	not canonical(call) in ecs_calls
}

ram_action(call) := sprintf("the action behind %s", [call_text(call)]) if not canonical(call)

code_lower(e) := lower(trim_space(lib.get(entry_obj(e), "code")))

transient(e) if startswith(code_lower(e), "throttling")

transient(e) if code_lower(e) in {"serviceunavailable", "internalerror", "serviceunavailable.timeout"}

forbidden(e) if startswith(code_lower(e), "forbidden")

forbidden(e) if startswith(code_lower(e), "nopermission")

cause_fix(e, call) := sprintf("Grant the collector's RAM identity the read action %s (RAM console > Identities > the user or role > Grant Permission, or a policy with \"Action\": [\"%s\"])", [ram_action(call), ram_action(call)]) if forbidden(e)

cause_fix(e, _) := "The error is transient (throttling or a service-side failure): wait a minute and retry" if {
	not forbidden(e)
	transient(e)
}

cause_fix(e, call) := sprintf("Fix the cause reported for %s", [call_text(call)]) if {
	not forbidden(e)
	not transient(e)
}

cli(call) := sprintf("aliyun cloudapi DescribeGroupQps --GroupId %s --StageName RELEASE --StartTime <start, YYYY-MM-DDThh:mm:ssZ> --EndTime %s", [group_id, collected_at]) if canonical(call) == "DescribeGroupQps"

cli(call) := sprintf("aliyun cloudapi DescribeInstanceQps --InstanceId %s --StartTime <start, YYYY-MM-DDThh:mm:ssZ> --EndTime %s", [dest_id, collected_at]) if canonical(call) == "DescribeInstanceQps"

cli(call) := sprintf("aliyun cloudapi DescribeApis --GroupId %s", [group_id]) if canonical(call) == "DescribeApis"

cli(call) := sprintf("aliyun cloudapi DescribeDeployedApi --GroupId %s --ApiId <api-id> --StageName RELEASE", [group_id]) if canonical(call) == "DescribeDeployedApi"

cli(call) := "aliyun cloudapi DescribeVpcAccesses" if canonical(call) == "DescribeVpcAccesses"

cli(call) := sprintf("aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId <sg-id> --Direction egress", [region]) if canonical(call) == "DescribeSecurityGroupAttribute"

cli(call) := sprintf("aliyun ecs DescribeSecurityGroups --RegionId %s", [region]) if canonical(call) == "DescribeSecurityGroups"

retry_text(call) := sprintf("check the read works with `%s`", [cli(call)]) if canonical(call)

retry_text(call) := sprintf("repeat %s with the same parameters", [call_text(call)]) if not canonical(call)

# ---- findings ---------------------------------------------------------------------

count_call(call) := count([i | some i, e in errors; call_of(e) == call])

key_of(_, call) := call if {
	lib.set(call)
	count_call(call) == 1
}

key_of(i, call) := sprintf("%s[%d]", [call, i]) if {
	lib.set(call)
	count_call(call) > 1
}

key_of(i, call) := sprintf("%d", [i]) if not lib.set(call)

findings contains lib.undecided({
	"check": sprintf("%s: %s failed during collection (%s).", [rules_text(call), call_text(call), code_text(e)]),
	"remediation": sprintf("%s, %s, then collect the snapshot again so the rules can decide.", [cause_fix(e, call), retry_text(call)]),
	"resource": lib.group_resource,
	"path": ["collectionErrors", i],
	"key": key_of(i, call),
}) if {
	some i, e in errors
	call := call_of(e)
}
