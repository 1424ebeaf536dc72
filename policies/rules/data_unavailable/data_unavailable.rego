# METADATA
# title: Cloud reads that failed while collecting the snapshot
# description: >-
#   The collector records every read that failed in collectionErrors and still
#   writes the snapshot. Each entry is a warning naming the failed call, its
#   error code and message, and the rules whose data it would have supplied,
#   so that a quiet rule is not mistaken for a passed one: DescribeGroupQps and
#   DescribeInstanceQps feed MIG001; DescribeApis, DescribeDeployedApi,
#   DescribeVpcAccesses, DescribeApi and DescribeBackendInfo (reusable backend
#   services) feed MIG004, MIG008, MIG009, MIG018 and MIG019;
#   DescribeNetworkInterfaces, DescribeSecurityGroupAttribute and
#   DescribeSecurityGroups feed MIG009; DescribePluginsByGroup feeds those
#   backend rules and MIG021 and MIG025; DescribeApiGroupVpcWhitelist feeds
#   MIG024 (the call registry says). An
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

_rule_names := {
	"MIG001": "rps-capacity",
	"MIG004": "egress-allowlist",
	"MIG008": "ipv6-outbound",
	"MIG009": "eni-security-group",
	"MIG018": "private-backend-path",
	"MIG019": "private-dns",
	"MIG021": "plugin-backends",
	"MIG024": "vpc-clients",
	"MIG025": "cold-cache",
}

_ecs_calls := {"DescribeSecurityGroupAttribute", "DescribeSecurityGroups", "DescribeNetworkInterfaces"}

_region := r if {
	r := lib.get(input, "regionId")
	lib.set(r)
} else := lib.get(lib.group, "RegionId")

_collected_at := lib.get(input, "collectedAt")

_call_of(e) := trim_space(lib.get(lib.obj(e), "call"))

# The table's spelling of a call, matched case-insensitively.
_canonical(call) := lib.canonical_call(call)

_rules_text(call) := concat(", ", [sprintf("%s (%s)", [id, _rule_names[id]]) | some id in ids]) if {
	ids := lib.call_rules[_canonical(call)]
}

_rules_text(call) := sprintf("the rules that use the data of %s", [_call_text(call)]) if not _canonical(call)

_call_text(call) := call if lib.set(call)

_call_text(call) := "a read without a call name" if not lib.set(call)

_code_text(e) := sprintf("%s: %s", [code, msg]) if {
	code := trim_space(lib.get(lib.obj(e), "code"))
	msg := trim_space(lib.get(lib.obj(e), "message"))
	lib.set(code)
	lib.set(msg)
} else := code if {
	code := trim_space(lib.get(lib.obj(e), "code"))
	lib.set(code)
} else := msg if {
	msg := trim_space(lib.get(lib.obj(e), "message"))
	lib.set(msg)
} else := "no error code recorded"

# ---- remediation ------------------------------------------------------------------

_ram_action(call) := sprintf("ecs:%s", [_canonical(call)]) if _canonical(call) in _ecs_calls

_ram_action(call) := sprintf("apigateway:%s", [_canonical(call)]) if {
	_canonical(call)
	not _canonical(call) in _ecs_calls
}

_ram_action(call) := sprintf("the action behind %s", [_call_text(call)]) if not _canonical(call)

_code_lower(e) := lower(trim_space(lib.get(lib.obj(e), "code")))

_transient(e) if startswith(_code_lower(e), "throttling")

_transient(e) if _code_lower(e) in {"serviceunavailable", "internalerror", "serviceunavailable.timeout"}

_forbidden(e) if startswith(_code_lower(e), "forbidden")

_forbidden(e) if startswith(_code_lower(e), "nopermission")

_cause_fix(e, call) := sprintf("Grant the collector's RAM identity the read action %s (RAM console > Identities > the user or role > Grant Permission, or a policy with \"Action\": [\"%s\"])", [_ram_action(call), _ram_action(call)]) if _forbidden(e)

_cause_fix(e, _) := "The error is transient (throttling or a service-side failure): wait a minute and retry" if {
	not _forbidden(e)
	_transient(e)
}

_cause_fix(e, call) := sprintf("Fix the cause reported for %s", [_call_text(call)]) if {
	not _forbidden(e)
	not _transient(e)
}

_cli(call) := sprintf("aliyun cloudapi DescribeGroupQps --GroupId %s --StageName RELEASE --StartTime <start, YYYY-MM-DDThh:mm:ssZ> --EndTime %s", [lib.group_id, _collected_at]) if _canonical(call) == "DescribeGroupQps"

_cli(call) := sprintf("aliyun cloudapi DescribeInstanceQps --InstanceId %s --StageName RELEASE --StartTime <start, YYYY-MM-DDThh:mm:ssZ> --EndTime %s (and --StageName PRE, TEST)", [lib.destination_id, _collected_at]) if _canonical(call) == "DescribeInstanceQps"

_cli(call) := sprintf("aliyun cloudapi DescribeApis --GroupId %s", [lib.group_id]) if _canonical(call) == "DescribeApis"

_cli(call) := sprintf("aliyun cloudapi DescribeDeployedApi --GroupId %s --ApiId <api-id> --StageName RELEASE", [lib.group_id]) if _canonical(call) == "DescribeDeployedApi"

_cli(call) := "aliyun cloudapi DescribeVpcAccesses" if _canonical(call) == "DescribeVpcAccesses"

_cli(call) := "aliyun cloudapi DescribeBackendInfo --BackendId <backend-id>" if _canonical(call) == "DescribeBackendInfo"

_cli(call) := sprintf("aliyun cloudapi DescribeApi --GroupId %s --ApiId <api-id>", [lib.group_id]) if _canonical(call) == "DescribeApi"

_cli(call) := sprintf("aliyun ecs DescribeSecurityGroupAttribute --RegionId %s --SecurityGroupId <sg-id> --Direction egress", [_region]) if _canonical(call) == "DescribeSecurityGroupAttribute"

_cli(call) := sprintf("aliyun ecs DescribeSecurityGroups --RegionId %s", [_region]) if _canonical(call) == "DescribeSecurityGroups"

_cli(call) := sprintf("aliyun ecs DescribeNetworkInterfaces --RegionId %s --NetworkInterfaceId.1 <eni-id>", [_region]) if _canonical(call) == "DescribeNetworkInterfaces"

_cli(call) := sprintf("aliyun cloudapi DescribePluginsByGroup --GroupId %s --StageName RELEASE", [lib.group_id]) if _canonical(call) == "DescribePluginsByGroup"

_cli(call) := sprintf("aliyun cloudapi DescribeApiGroupVpcWhitelist --GroupId %s", [lib.group_id]) if _canonical(call) == "DescribeApiGroupVpcWhitelist"

_retry_text(call) := sprintf("check the read works with `%s`", [_cli(call)]) if _canonical(call)

_retry_text(call) := sprintf("repeat %s with the same parameters", [_call_text(call)]) if not _canonical(call)

# ---- findings ---------------------------------------------------------------------

_count_call(call) := count([i | some i, e in lib.collection_errors; _call_of(e) == call])

_key_of(_, call) := call if {
	lib.set(call)
	_count_call(call) == 1
}

_key_of(i, call) := sprintf("%s[%d]", [call, i]) if {
	lib.set(call)
	_count_call(call) > 1
}

_key_of(i, call) := sprintf("%d", [i]) if not lib.set(call)

findings contains lib.undecided({
	"check": sprintf("%s: %s failed during collection (%s).", [_rules_text(call), _call_text(call), _code_text(e)]),
	"remediation": sprintf("%s, %s, then collect the snapshot again so the rules can decide.", [_cause_fix(e, call), _retry_text(call)]),
	"resource": lib.group_resource,
	"path": ["collectionErrors", i],
	"key": _key_of(i, call),
}) if {
	some i, e in lib.collection_errors
	call := _call_of(e)
}
