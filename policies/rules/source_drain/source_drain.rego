# METADATA
# title: Drain the dedicated source instance before releasing it
# description: >-
#   After the switch, clients keep reaching the old instance for 1 to 10
#   minutes because of DNS caching. When the source is a dedicated instance
#   (source.InstanceType VPC_DEDICATED), which the customer can release, it
#   must not be released until its traffic has drained. A serverless source is
#   shared and needs no action. No finding when the source is the destination
#   or the group is already on the destination (nothing switches). This is a
#   note: it does not fail the gate.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances (DNS caching, release the old instance only after traffic moved)
# custom:
#   id: MIG013
#   name: source-drain
#   severity: note
#   remediation: >-
#     After the migration, watch the source instance's traffic with aliyun
#     cloudapi DescribeInstanceQps and release it only when requests have
#     stopped.
#   tags: [procedure, dns]
package apigw.rules.source_drain

import data.apigw.lib

findings contains lib.finding({
	"message": sprintf("Source %s is a dedicated instance that keeps receiving requests for group %s for 1 to 10 minutes after the switch to %s because of DNS caching, so do not release it until its traffic has drained.", [lib.source_id, lib.label_group, lib.destination_id]),
	"remediation": sprintf("After the migration, watch the source's traffic with `aliyun cloudapi DescribeInstanceQps --InstanceId %s --StageName RELEASE --StartTime <switch time, YYYY-MM-DDThh:mm:ssZ> --EndTime <now, YYYY-MM-DDThh:mm:ssZ>`, and the same with --StageName PRE and TEST (or `apigw-preflight run --migrate --watch-drain`; API Gateway console > Instances > %s > Monitoring) and release or downgrade it only after the QPS has stayed at zero for at least 10 minutes.", [lib.source_id, lib.source_id]),
	"resource": lib.source_resource,
	"path": ["source", "InstanceType"],
	"key": "drain",
}) if {
	upper(trim_space(lib.get(lib.source, "InstanceType"))) == "VPC_DEDICATED"
	trim_space(lib.source_id) != trim_space(lib.destination_id)
	not lib.already_migrated
}
