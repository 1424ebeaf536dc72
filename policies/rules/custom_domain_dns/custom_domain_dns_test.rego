package apigw.rules.custom_domain_dns_test

import data.apigw.fixture
import data.apigw.rules.custom_domain_dns

domains(items) := object.union(fixture.healthy, {"group": {"CustomDomains": {"DomainItem": items}}})

resolved := {"DomainName": "api.orders.example.com", "DomainCNAMEStatus": "RESOLVED", "CertificateId": "cert-7c1d9e"}

unresolved := {"DomainName": "legacy.orders.example.com", "DomainCNAMEStatus": "UNRESOLVED"}

test_resolved_domains_are_quiet if {
	custom_domain_dns.findings == set() with input as domains([resolved, object.union(resolved, {"DomainCNAMEStatus": "resolved"})])
	custom_domain_dns.findings == set() with input as domains([])
	custom_domain_dns.findings == set() with input as object.union(fixture.healthy, {"group": {"CustomDomains": null}})
}

test_unresolved_domain_warns if {
	custom_domain_dns.findings == {{
		"message": "custom domain legacy.orders.example.com of group orders (523e8dc7bbe04613b5b1d726c2a7889d) has DomainCNAMEStatus UNRESOLVED: its DNS does not point at 523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou.alicloudapi.com, so its clients keep reaching source api-shared-vpc-001 (or nothing) after the migration",
		"remediation": "Before migrating, make legacy.orders.example.com a CNAME of 523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou.alicloudapi.com at its DNS provider (for Alibaba Cloud DNS `aliyun alidns AddDomainRecord --DomainName example.com --RR legacy.orders --Type CNAME --Value 523e8dc7bbe04613b5b1d726c2a7889d-cn-hangzhou.alicloudapi.com`), check it with `dig CNAME legacy.orders.example.com`, wait until API Groups > orders > Group Details > Custom Domain Names shows it resolved, and re-collect the snapshot.",
		"resource": {"id": "523e8dc7bbe04613b5b1d726c2a7889d", "kind": "group", "name": "orders"},
		"path": ["group", "CustomDomains", "DomainItem", 1, "DomainCNAMEStatus"],
		"key": "domain/legacy.orders.example.com",
	}} with input as domains([resolved, unresolved])
}

test_missing_status_is_undecided if {
	fs := custom_domain_dns.findings with input as domains([{"DomainName": "Api.Example.com"}])
	[f] := [f | some f in fs]
	f.undecided
	f.severity == "warning"
	f.message == "could not check whether custom domain api.example.com of group orders (523e8dc7bbe04613b5b1d726c2a7889d) follows the group: DescribeApiGroup gave no DomainCNAMEStatus for it"
	f.path == ["group", "CustomDomains", "DomainItem", 0]
}

test_any_other_status_warns if {
	fs := custom_domain_dns.findings with input as domains([object.union(unresolved, {"DomainCNAMEStatus": "PENDING"})])
	[f] := [f | some f in fs]
	not f.undecided
	contains(f.message, "has DomainCNAMEStatus PENDING")
}
