# METADATA
# title: Internal domain for calls from API Gateway enabled on the destination
# description: >-
#   The group uses the internal domain for calls from API Gateway (the
#   self-calling domain; group.VpcSlbIntranetDomain is non-empty). It only
#   keeps working after the migration when the destination has it enabled
#   (destination.VpcSlbIntranetEnable true; the string "false", null or a
#   missing field count as not enabled). Enable it on the destination first.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances (enable the internal domain name for API Gateway API calls on the destination first)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/developer-reference/api-cloudapi-2016-07-14-modifyinstanceattribute
#     description: ModifyInstanceAttribute (VpcSlbIntranetEnable)
# custom:
#   id: MIG006
#   name: internal-domain
#   severity: error
#   remediation: >-
#     Enable the internal domain for calls from API Gateway on the destination
#     before migrating: console Instances and Clusters > Dedicated Instances >
#     instance, or
#     `aliyun cloudapi ModifyInstanceAttribute --InstanceId <destination> --VpcSlbIntranetEnable true`.
#   tags: [network, vpc, feature]
package apigw.rules.internal_domain

import data.apigw.lib

_internal_domain := trim_space(lib.get(lib.group, "VpcSlbIntranetDomain"))

findings contains lib.finding({
	"message": sprintf(
		"group %s is called through the internal domain %s but destination %s does not have the internal domain for calls from API Gateway enabled (VpcSlbIntranetEnable is %v), so those calls fail after the migration",
		[lib.label_group, _internal_domain, lib.destination_id, object.get(lib.destination, "VpcSlbIntranetEnable", null)],
	),
	"remediation": sprintf(
		"Before migrating, enable the internal domain for calls from API Gateway on %s: in the API Gateway console choose Instances and Clusters > Dedicated Instances and enable it on %s, or run `aliyun cloudapi ModifyInstanceAttribute --InstanceId %s --VpcSlbIntranetEnable true`; then check that %s answers after the migration.",
		[lib.destination_id, lib.destination_id, lib.destination_id, _internal_domain],
	),
	"resource": lib.destination_resource,
	"path": ["destination", "VpcSlbIntranetEnable"],
}) if {
	_internal_domain != ""
	not lib.truthy(object.get(lib.destination, "VpcSlbIntranetEnable", false))
}
