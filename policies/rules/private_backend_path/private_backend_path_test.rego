package apigw.rules.private_backend_path_test

import data.apigw.fixture
import data.apigw.rules.private_backend_path

private_backend := {
	"apiId": "a9", "apiName": "Inventory", "stage": "PRE", "protocol": "HTTP",
	"address": "http://10.0.1.5:8080", "host": "10.0.1.5", "port": 8080,
	"ips": ["10.0.1.5"], "allowlist": null,
}

with_private := fixture.patched({"backends": array.concat(fixture.healthy.backends, [private_backend])})

test_healthy_is_quiet if {
	private_backend_path.findings == set() with input as fixture.healthy
	private_backend_path.findings == set() with input as fixture.vpc_connect
}

test_private_backend_to_a_conventional_instance_fires if {
	private_backend_path.findings == {{
		"message": "backend http://10.0.1.5:8080 (API Inventory, stage PRE) is addressed by private IP 10.0.1.5 without a VPC channel, which only a VPC integration instance's ENI reaches, but destination apigateway-hz-ab12cd34ef56 is a conventional dedicated instance, so the backend becomes unreachable after the migration of group orders (523e8dc7bbe04613b5b1d726c2a7889d)",
		"remediation": "Before migrating, either pick a VPC integration instance connected to the backend's VPC as the destination, or give the API a VPC channel: create a VPC access authorization (console APIs > VPC Access Authorizations > Create, or `aliyun cloudapi SetVpcAccess --Name <name> --VpcId <backend VPC> --InstanceId <ECS or SLB of 10.0.1.5> --Port 8080`), switch the API's backend to it and deploy the API again.",
		"resource": {"id": "523e8dc7bbe04613b5b1d726c2a7889d", "kind": "group", "name": "orders"},
		"path": ["backends", 2],
		"key": "not-vpc-connect/2",
	}} with input as with_private
}

test_carrier_grade_nat_and_vpc_channels_are_not_bare_private if {
	cgn := object.union(private_backend, {"address": "http://100.100.1.5:80", "host": "100.100.1.5", "ips": ["100.100.1.5"]})
	private_backend_path.findings == set() with input as fixture.patched({"backends": [cgn]})
	vpc := object.union(private_backend, {"protocol": "VPC", "vpcAccess": {"VpcId": "vpc-1", "InstanceId": "i-1", "Port": 8080}})
	private_backend_path.findings == set() with input as fixture.patched({"backends": [vpc]})
}

test_resolved_name_and_mapped_address_count if {
	named := object.union(private_backend, {"address": "http://inv.corp:8080", "host": "inv.corp", "ips": ["::ffff:192.168.4.4"]})
	fs := private_backend_path.findings with input as fixture.patched({"backends": [named]})
	[f] := [f | some f in fs]
	f.key == "not-vpc-connect/0"
	contains(f.message, "backend http://inv.corp:8080 (API Inventory, stage PRE) is addressed by private IP 192.168.4.4 without")
}

test_plugin_backend_is_named_by_its_plugin if {
	pb := object.union(private_backend, {"source": "plugin", "plugin": {"pluginId": "p1", "pluginName": "blue-green", "route": "canary"}, "stage": "RELEASE"})
	fs := private_backend_path.findings with input as fixture.patched({"backends": [pb]})
	[f] := [f | some f in fs]
	startswith(f.message, "backend http://10.0.1.5:8080 (plug-in blue-green route canary) is addressed by private IP 10.0.1.5")
}

connect_src := {
	"InstanceId": "apigateway-hz-src0connect01", "InstanceType": "VPC_DEDICATED",
	"DedicatedInstanceType": "vpc_connect", "ConnectVpcId": "vpc-bp1legacy000001",
}

test_vpc_integration_to_another_vpc_fires if {
	snap := object.union(fixture.vpc_connect, {
		"source": connect_src,
		"group": {"InstanceId": "apigateway-hz-src0connect01", "InstanceType": "VPC_DEDICATED"},
	})
	private_backend_path.findings == {
		{
			"message": "backend http://10.0.1.5:8080 (API GetOrder) is addressed by private IP 10.0.1.5 in VPC vpc-bp1legacy000001, which source apigateway-hz-src0connect01 is connected to, but destination apigateway-hz-vc7788aa99bb is connected to VPC vpc-bp1orders0000001, so the address would reach another VPC (or nothing) after the migration of group orders (523e8dc7bbe04613b5b1d726c2a7889d)",
			"remediation": "Migrate to a VPC integration instance connected to vpc-bp1legacy000001, or connect the two VPCs yourself (a VPC integration instance reaches one VPC only) and re-run the preflight; alternatively give the API a VPC channel (`aliyun cloudapi SetVpcAccess --Name <name> --VpcId <backend VPC> --InstanceId <ECS or SLB of 10.0.1.5> --Port 8080`).",
			"resource": {"id": "523e8dc7bbe04613b5b1d726c2a7889d", "kind": "group", "name": "orders"},
			"path": ["backends", 0],
			"key": "other-vpc/0",
		},
		{
			"message": "backend https://billing.internal.example.com:443 (API ListInvoices) is addressed by private IP 172.16.8.20, 172.16.8.21 in VPC vpc-bp1legacy000001, which source apigateway-hz-src0connect01 is connected to, but destination apigateway-hz-vc7788aa99bb is connected to VPC vpc-bp1orders0000001, so the address would reach another VPC (or nothing) after the migration of group orders (523e8dc7bbe04613b5b1d726c2a7889d)",
			"remediation": "Migrate to a VPC integration instance connected to vpc-bp1legacy000001, or connect the two VPCs yourself (a VPC integration instance reaches one VPC only) and re-run the preflight; alternatively give the API a VPC channel (`aliyun cloudapi SetVpcAccess --Name <name> --VpcId <backend VPC> --InstanceId <ECS or SLB of 172.16.8.20> --Port 443`).",
			"resource": {"id": "523e8dc7bbe04613b5b1d726c2a7889d", "kind": "group", "name": "orders"},
			"path": ["backends", 1],
			"key": "other-vpc/1",
		},
	} with input as snap

	# Same VPC: quiet.
	same := object.union(snap, {"source": {"ConnectVpcId": "vpc-bp1orders0000001"}})
	private_backend_path.findings == set() with input as same
}

test_vpc_integration_without_connect_vpc_is_undecided if {
	snap := object.union(fixture.vpc_connect, {"source": connect_src, "destination": {"ConnectVpcId": ""}})
	fs := private_backend_path.findings with input as snap
	[f] := [f | some f in fs]
	f.undecided
	f.severity == "warning"
	f.message == "could not check whether private backends of group orders (523e8dc7bbe04613b5b1d726c2a7889d) stay in reach: apigateway-hz-vc7788aa99bb does not report its ConnectVpcId, so the VPCs of apigateway-hz-src0connect01 and apigateway-hz-vc7788aa99bb cannot be compared"
}

test_vpc_channel_into_another_vpc_warns if {
	vpc := {
		"apiId": "a3", "apiName": "Ledger", "protocol": "VPC", "address": "http://ledger-slb", "host": "ledger-slb", "port": 80, "ips": [],
		"vpcAccess": {"Name": "ledger-slb", "VpcId": "vpc-bp1finance00001", "InstanceId": "lb-bp1ledger", "Port": 80}, "allowlist": null,
	}
	private_backend_path.findings == {{
		"severity": "warning",
		"message": "backend http://ledger-slb (API Ledger) is reached through VPC access authorization ledger-slb in VPC vpc-bp1finance00001, but destination apigateway-hz-vc7788aa99bb is a VPC integration instance connected to VPC vpc-bp1orders0000001; whether its VPC channels reach another VPC is not documented",
		"remediation": "Test an API of group orders (523e8dc7bbe04613b5b1d726c2a7889d) on apigateway-hz-vc7788aa99bb through the VPC channel before moving traffic, or migrate to a VPC integration instance connected to vpc-bp1finance00001.",
		"resource": {"id": "523e8dc7bbe04613b5b1d726c2a7889d", "kind": "group", "name": "orders"},
		"path": ["backends", 3, "vpcAccess", "VpcId"],
		"key": "vpc-channel/3",
	}} with input as object.union(fixture.vpc_connect, {"backends": array.concat(fixture.vpc_connect.backends, [vpc])})
}

test_backends_missing_is_undecided if {
	fs := private_backend_path.findings with input as fixture.absent({"backends"})
	[f] := [f | some f in fs]
	f.undecided
	f.key == "backends-missing"
	f.message == "could not check whether the backends of group orders (523e8dc7bbe04613b5b1d726c2a7889d) stay reachable from destination apigateway-hz-ab12cd34ef56: backends were not collected"
}

test_failed_plugin_read_is_undecided if {
	snap := fixture.patched({"collectionErrors": [{"call": "DescribePluginsByGroup", "code": "InternalError", "message": "boom"}]})
	fs := private_backend_path.findings with input as snap with data.apigw.calls as {"DescribePluginsByGroup": {"rules": ["MIG018"]}}
	[f] := [f | some f in fs]
	f.undecided
	f.key == "collection-errors"
	f.path == ["collectionErrors", 0]
}
