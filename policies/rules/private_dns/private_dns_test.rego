package apigw.rules.private_dns_test

import data.apigw.fixture
import data.apigw.rules.private_dns

dedicated_src := {
	"InstanceId": "apigateway-hz-src000000001", "InstanceName": "orders-old", "InstanceType": "VPC_DEDICATED",
	"DedicatedInstanceType": "normal", "PrivateDnsList": {"PrivateDns": ["inventory.corp.internal", "*.ledger.internal"]},
}

inventory := {
	"apiId": "a9", "apiName": "Inventory", "protocol": "HTTP", "address": "http://inventory.corp.internal:8080",
	"host": "inventory.corp.internal", "port": 8080, "ips": null, "allowlist": null,
	"unresolved": "resolving inventory.corp.internal failed: no such host",
}

ledger := {
	"apiId": "a8", "apiName": "Ledger", "stage": "TEST", "protocol": "HTTP", "address": "http://eu.ledger.internal",
	"host": "eu.ledger.internal", "port": 80, "ips": ["10.8.0.4"], "allowlist": null,
}

snap(dest_dns) := object.union(fixture.healthy, {
	"group": {"InstanceId": "apigateway-hz-src000000001", "InstanceType": "VPC_DEDICATED"},
	"source": dedicated_src,
	"destination": {"PrivateDnsList": {"PrivateDns": dest_dns}},
	"backends": array.concat(fixture.healthy.backends, [inventory, ledger]),
})

test_healthy_is_quiet if {
	private_dns.findings == set() with input as fixture.healthy
	private_dns.findings == set() with input as fixture.vpc_connect
}

test_names_bound_on_both_are_quiet if {
	private_dns.findings == set() with input as snap(["inventory.corp.internal", "*.ledger.internal"])
	private_dns.findings == set() with input as snap(["INVENTORY.corp.internal", "*.ledger.internal", "other.internal"])
}

test_missing_name_on_conventional_destination_fires if {
	private_dns.findings == {{
		"message": "backend host name eu.ledger.internal (http://eu.ledger.internal (API Ledger, stage TEST)) resolves through private DNS record *.ledger.internal bound to source apigateway-hz-src000000001, but destination apigateway-hz-ab12cd34ef56 (a conventional dedicated instance) does not have *.ledger.internal bound, so the backend stops resolving after the migration",
		"remediation": "Before migrating, bind *.ledger.internal to apigateway-hz-ab12cd34ef56: console Instances and Clusters > Dedicated Instances > apigateway-hz-ab12cd34ef56 > Internal Domain Name Resolution, or `aliyun cloudapi AssociateInstanceWithPrivateDNS --InstanceId apigateway-hz-ab12cd34ef56 --IntranetDomains '[\"*.ledger.internal\"]'`.",
		"resource": {"id": "apigateway-hz-ab12cd34ef56", "kind": "instance", "name": "orders-dedicated"},
		"path": ["destination", "PrivateDnsList"],
		"key": "missing/*.ledger.internal",
	}} with input as snap(["inventory.corp.internal"])
}

test_vpc_integration_destination_needs_an_a_record if {
	s := object.union(snap([]), {"destination": {"DedicatedInstanceType": "vpc_connect"}})
	fs := private_dns.findings with input as s
	{f.key | some f in fs} == {"missing/inventory.corp.internal", "missing/*.ledger.internal"}
	some f in fs
	f.key == "missing/inventory.corp.internal"
	f.message == "backend host name inventory.corp.internal (http://inventory.corp.internal:8080 (API Inventory)) resolves through private DNS record inventory.corp.internal bound to source apigateway-hz-src000000001, but destination apigateway-hz-ab12cd34ef56 (a VPC integration instance) does not have inventory.corp.internal bound, so the backend stops resolving after the migration"
	startswith(f.remediation, "Before migrating, create a A-type record for inventory.corp.internal (the source's record is VPC-type, which a VPC integration instance cannot take) with `aliyun cloudapi CreatePrivateDNS --IntranetDomain inventory.corp.internal --Type A")
}

test_destination_without_records_is_undecided if {
	s := object.union(snap([]), {"destination": {"PrivateDnsList": null}})
	fs := private_dns.findings with input as s
	{f.key | some f in fs} == {"destination-unknown/inventory.corp.internal", "destination-unknown/*.ledger.internal"}
	every f in fs {
		f.undecided
		f.severity == "warning"
		startswith(f.message, "could not check whether destination apigateway-hz-ab12cd34ef56 has private DNS record ")
	}
}

test_internal_host_without_source_records_is_undecided if {
	s := object.union(snap(["x"]), {"source": {"PrivateDnsList": null}})
	private_dns.findings == {
		{
			"severity": "warning",
			"undecided": true,
			"message": "could not check whether backend http://inventory.corp.internal:8080 (API Inventory) resolves through private DNS records of source apigateway-hz-src000000001: its host inventory.corp.internal looks internal and the source reports no PrivateDnsList",
			"remediation": "Look up the source's Internal Domain Name Resolution (console, or `aliyun cloudapi DescribeInstances --InstanceId apigateway-hz-src000000001`, field PrivateDnsList); if inventory.corp.internal is bound there, bind it to apigateway-hz-ab12cd34ef56 too, then re-collect the snapshot.",
			"resource": {"id": "apigateway-hz-src000000001", "kind": "instance", "name": "orders-old"},
			"path": ["backends", 2, "host"],
			"key": "source-unknown/2",
		},
		{
			"severity": "warning",
			"undecided": true,
			"message": "could not check whether backend http://eu.ledger.internal (API Ledger, stage TEST) resolves through private DNS records of source apigateway-hz-src000000001: its host eu.ledger.internal looks internal and the source reports no PrivateDnsList",
			"remediation": "Look up the source's Internal Domain Name Resolution (console, or `aliyun cloudapi DescribeInstances --InstanceId apigateway-hz-src000000001`, field PrivateDnsList); if eu.ledger.internal is bound there, bind it to apigateway-hz-ab12cd34ef56 too, then re-collect the snapshot.",
			"resource": {"id": "apigateway-hz-src000000001", "kind": "instance", "name": "orders-old"},
			"path": ["backends", 3, "host"],
			"key": "source-unknown/3",
		},
	} with input as s
}

test_public_host_names_are_not_internal if {
	pub := object.union(inventory, {"ips": ["47.97.3.9"], "unresolved": ""})
	s := object.union(snap([]), {"source": {"PrivateDnsList": null}, "backends": [pub]})
	private_dns.findings == set() with input as s
}

test_serverless_destination_fires if {
	s := object.union(snap([]), {"destination": {"InstanceType": "VPC_SHARED", "PrivateDnsList": null}})
	fs := private_dns.findings with input as s
	count(fs) == 2
	some f in fs
	f.key == "missing/inventory.corp.internal"
	contains(f.message, "(a serverless instance) cannot hold private DNS records")
}

test_failed_read_is_undecided if {
	s := fixture.patched({"collectionErrors": [{"call": "DescribeApis", "code": "InternalError", "message": "boom"}]})
	fs := private_dns.findings with input as s with data.apigw.calls as {"DescribeApis": {"rules": ["MIG019"]}}
	[f] := [f | some f in fs]
	f.key == "collection-errors"
}
