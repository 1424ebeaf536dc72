package apigw.rules.instance_acl_test

import data.apigw.fixture
import data.apigw.rules.instance_acl

white := {"AclStatus": "on", "AclType": "white", "AclId": "acl-bp1partners", "AclName": "partners"}

black := {"AclStatus": "on", "AclType": "black", "AclId": "acl-bp1abusers", "AclName": "abusers"}

test_healthy_is_quiet if {
	instance_acl.findings == set() with input as fixture.healthy
	instance_acl.findings == set() with input as fixture.vpc_connect
	off := object.union(fixture.healthy, {"destination": {"AclStatus": "off", "AclType": "white", "AclId": "acl-x", "IPV6AclStatus": "off"}})
	instance_acl.findings == set() with input as off
}

test_destination_whitelist_fires if {
	instance_acl.findings == {{
		"message": "destination apigateway-hz-ab12cd34ef56 has IPv4 access control whitelist acl-bp1partners (partners) switched on, which source api-shared-vpc-001 does not apply (none), so Internet clients of group orders (523e8dc7bbe04613b5b1d726c2a7889d) outside it are refused after the migration",
		"remediation": "Before migrating, add every client address of group orders (523e8dc7bbe04613b5b1d726c2a7889d) to acl-bp1partners (console Access Control > acl-bp1partners > Add Entries, or `aliyun cloudapi AddAccessControlListEntry --AclId acl-bp1partners --AclEntrys '[{\"entry\":\"<cidr>\",\"comment\":\"<client>\"}]'`), or switch the list off on apigateway-hz-ab12cd34ef56 with `aliyun cloudapi DisableInstanceAccessControl --InstanceId apigateway-hz-ab12cd34ef56 --AclId acl-bp1partners --AddressIPVersion ipv4`.",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "AclStatus"],
		"key": "whitelist/IPv4",
	}} with input as object.union(fixture.healthy, {"destination": white})
}

test_same_whitelist_on_both_is_quiet if {
	s := object.union(fixture.healthy, {"source": white, "destination": object.union(white, {"AclStatus": "ON"})})
	instance_acl.findings == set() with input as s
}

test_source_blacklist_missing_warns if {
	ipv6 := {"IPV6AclStatus": "on", "IPV6AclType": "black", "IPV6AclId": "acl-bp1v6bad", "IPV6AclName": ""}
	instance_acl.findings == {{
		"severity": "warning",
		"message": "source api-shared-vpc-001 blocks clients with IPv6 access control blacklist acl-bp1v6bad, but destination apigateway-hz-ab12cd34ef56 applies none, so the blocked clients reach group orders (523e8dc7bbe04613b5b1d726c2a7889d) after the migration",
		"remediation": "Before migrating, switch the same blacklist on for apigateway-hz-ab12cd34ef56: console Instances and Clusters > Dedicated Instances > apigateway-hz-ab12cd34ef56 > Access Control, or `aliyun cloudapi EnableInstanceAccessControl --InstanceId apigateway-hz-ab12cd34ef56 --AclId acl-bp1v6bad --AclType black --AddressIPVersion ipv6`.",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "IPV6AclStatus"],
		"key": "blacklist/IPv6",
	}} with input as object.union(fixture.healthy, {"source": ipv6})
}

test_other_differences_warn if {
	# Blacklist only on the destination.
	fs := instance_acl.findings with input as object.union(fixture.healthy, {"destination": black})
	[f] := [f | some f in fs]
	f.key == "differs/IPv4"
	f.severity == "warning"
	f.message == "IPv4 access control differs: source api-shared-vpc-001 applies none, destination apigateway-hz-ab12cd34ef56 applies blacklist acl-bp1abusers (abusers), so Internet clients of group orders (523e8dc7bbe04613b5b1d726c2a7889d) are filtered differently after the migration"
	endswith(f.remediation, "to switch the destination's off run `aliyun cloudapi DisableInstanceAccessControl --InstanceId apigateway-hz-ab12cd34ef56 --AclId acl-bp1abusers --AddressIPVersion ipv4`.")

	# A whitelist only on the source: the destination lets everyone in.
	fs2 := instance_acl.findings with input as object.union(fixture.healthy, {"source": white})
	{f.key | some f in fs2} == {"differs/IPv4"}
}

test_another_whitelist_is_an_error if {
	s := object.union(fixture.healthy, {"source": white, "destination": object.union(white, {"AclId": "acl-bp1other", "AclName": "other"})})
	fs := instance_acl.findings with input as s
	[f] := [f | some f in fs]
	f.key == "whitelist/IPv4"
	not f.severity
	contains(f.message, "whitelist acl-bp1other (other) switched on, which source api-shared-vpc-001 does not apply (whitelist acl-bp1partners (partners))")
}
