# METADATA
# title: Custom domains follow the group
# description: >-
#   The switch to the destination happens in the DNS of the group's
#   second-level domain (group.SubDomain). A custom domain follows only when
#   it is a CNAME of that domain; DescribeApiGroup says so per domain in
#   CustomDomains.DomainItem[].DomainCNAMEStatus. A domain whose status is not
#   RESOLVED (an A record to an instance IP, or no record) keeps sending its
#   clients to the old instance, or nowhere: warning. A domain without the
#   field is reported as "could not check". Clients or firewalls pinned to the
#   source's inbound IPs break the same way; this rule cannot see them.
# related_resources:
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/support/domain-name-issues
#     description: Domain name issues (resolve a custom domain as a CNAME of the second-level domain)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances (the switch happens in DNS, 1 to 10 minutes)
# custom:
#   id: MIG023
#   name: custom-domain-dns
#   severity: warning
#   remediation: >-
#     Point the custom domain at the group's second-level domain with a CNAME
#     record at its DNS provider (for Alibaba Cloud DNS:
#     `aliyun alidns AddDomainRecord --DomainName <zone> --RR <host> --Type CNAME --Value <SubDomain>`),
#     wait until the console shows it resolved (API Groups > group > Group
#     Details > Custom Domain Names) and re-collect the snapshot.
#   tags: [dns, domains]
package apigw.rules.custom_domain_dns

import data.apigw.lib

_sub_domain := trim_space(lib.get(lib.group, "SubDomain"))

_domains := [d | some d in object.get(lib.obj(object.get(lib.group, "CustomDomains", null)), "DomainItem", []); is_object(d)] if {
	is_array(object.get(lib.obj(object.get(lib.group, "CustomDomains", null)), "DomainItem", null))
} else := []

_status(d) := upper(trim_space(lib.get(d, "DomainCNAMEStatus")))

# zone and host of a domain name, split before the last two labels.
_zone(name) := concat(".", array.slice(labels, count(labels) - 2, count(labels))) if {
	labels := split(name, ".")
	count(labels) > 2
} else := name

_rr(name) := concat(".", array.slice(labels, 0, count(labels) - 2)) if {
	labels := split(name, ".")
	count(labels) > 2
} else := "@"

_target := _sub_domain if _sub_domain != ""

else := "the group's second-level domain"

findings contains lib.finding({
	"message": sprintf(
		"custom domain %s of group %s has DomainCNAMEStatus %s: its DNS does not point at %s, so its clients keep reaching source %s (or nothing) after the migration",
		[name, lib.label_group, lib.get(d, "DomainCNAMEStatus"), _target, lib.source_id],
	),
	"remediation": sprintf(
		"Before migrating, make %s a CNAME of %s at its DNS provider (for Alibaba Cloud DNS `aliyun alidns AddDomainRecord --DomainName %s --RR %s --Type CNAME --Value %s`), check it with `dig CNAME %s`, wait until API Groups > %s > Group Details > Custom Domain Names shows it resolved, and re-collect the snapshot.",
		[name, _target, _zone(name), _rr(name), _target, name, lib.get(lib.group, "GroupName")],
	),
	"resource": lib.group_resource,
	"path": ["group", "CustomDomains", "DomainItem", i, "DomainCNAMEStatus"],
	"key": sprintf("domain/%s", [name]),
}) if {
	some i, d in _domains
	name := lower(trim_space(lib.get(d, "DomainName")))
	name != ""
	_status(d) != ""
	_status(d) != "RESOLVED"
}

findings contains lib.undecided({
	"check": sprintf(
		"whether custom domain %s of group %s follows the group: DescribeApiGroup gave no DomainCNAMEStatus for it",
		[name, lib.label_group],
	),
	"remediation": sprintf(
		"Check that %s is a CNAME of %s (`dig CNAME %s`, or the Custom Domain Names list of the group in the console) and re-collect the snapshot.",
		[name, _target, name],
	),
	"resource": lib.group_resource,
	"path": ["group", "CustomDomains", "DomainItem", i],
	"key": sprintf("domain/%s", [name]),
}) if {
	some i, d in _domains
	name := lower(trim_space(lib.get(d, "DomainName")))
	name != ""
	_status(d) == ""
}
