# METADATA
# title: VPC second-level domain enabled on the destination
# description: >-
#   The group is reached over VPC through its second-level domain for VPC
#   access (group.VpcDomain is non-empty). That domain only keeps working after
#   the migration when the destination has VPC intranet domains enabled
#   (destination.VpcIntranetEnable true; the string "false", null or a missing
#   field count as not enabled). Enable it on the destination first.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances (enable the second-level domain for VPC access on the destination first)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/access-api-gateway-over-a-vpc
#     description: Access API Gateway over a VPC (VPC second-level domains)
# custom:
#   id: MIG005
#   name: vpc-domain
#   severity: error
#   remediation: >-
#     Before migrating, enable VPC access on the destination instance (console
#     Instances and Clusters > Dedicated Instances > instance > VPC access:
#     bind the VPC the group's clients call from); then keep the group's VPC
#     second-level domain enabled with the group-level call
#     `aliyun cloudapi ModifyIntranetDomainPolicy --GroupId <group> --VpcIntranetEnable true`
#     (it takes no InstanceId).
#   tags: [network, vpc, feature]
package apigw.rules.vpc_domain

import data.apigw.lib

_vpc_domain := trim_space(lib.get(lib.group, "VpcDomain"))

findings contains lib.finding({
	"message": sprintf(
		"group %s is reached over VPC at %s but destination %s does not have the VPC second-level domain enabled (VpcIntranetEnable is %v), so VPC clients lose the group after the migration",
		[lib.label_group, _vpc_domain, lib.destination_id, object.get(lib.destination, "VpcIntranetEnable", null)],
	),
	"remediation": sprintf(
		"Before migrating, enable VPC access on %s: in the API Gateway console choose Instances and Clusters > Dedicated Instances, open %s and under VPC access bind the VPC that the group's clients call from (an instance-level setting; no OpenAPI call for it is documented). Then keep the group's VPC second-level domain enabled with the group-level call `aliyun cloudapi ModifyIntranetDomainPolicy --GroupId %s --VpcIntranetEnable true` (it takes no InstanceId), and check that %s still resolves from the VPC after the migration.",
		[lib.destination_id, lib.destination_id, lib.group_id, _vpc_domain],
	),
	"resource": lib.destination_resource,
	"path": ["destination", "VpcIntranetEnable"],
}) if {
	_vpc_domain != ""
	not lib.truthy(object.get(lib.destination, "VpcIntranetEnable", false))
}
