package apigw.lib.backends_test

import data.apigw.fixture
import data.apigw.lib

test_backends_collected_only_for_a_list if {
	lib.backends_collected with input as fixture.healthy
	not lib.backends_collected with input as fixture.absent({"backends"})
	lib.backends == [] with input as fixture.absent({"backends"})
	count(lib.backends) == count(fixture.healthy.backends) with input as fixture.healthy
}

test_backend_stage_defaults_to_release if {
	lib.backend_stage({"address": "http://10.0.1.5:8080"}) == "RELEASE"
	lib.backend_stage({"stage": " pre "}) == "PRE"
	lib.backend_stage({"stage": ""}) == "RELEASE"
}

test_backend_label_names_address_origin_and_stage if {
	lib.backend_label({"address": "http://10.0.1.5:8080", "apiName": "GetOrder"}) == "http://10.0.1.5:8080 (API GetOrder)"
	lib.backend_label({"address": "http://10.9.0.7", "source": "plugin", "stage": "PRE", "plugin": {"pluginId": "p1", "pluginName": "blue-green", "route": "canary"}}) == "http://10.9.0.7 (plug-in blue-green route canary, stage PRE)"
}

test_vpc_channel if {
	lib.vpc_channel({"protocol": "vpc"})
	lib.vpc_channel({"protocol": "HTTP", "vpcAccess": {"Name": "orders"}})
	not lib.vpc_channel({"protocol": "HTTP"})
}

test_backend_addrs_are_ips_and_ip_hosts if {
	lib.backend_addrs({"host": "10.0.1.5", "ips": ["10.0.1.6", "not-an-ip"]}) == {"10.0.1.5", "10.0.1.6"}
	lib.backend_addrs({"host": "api.example.com", "ips": ["::ffff:10.0.0.1"]}) == {"10.0.0.1"}
	lib.backend_addrs({"host": "api.example.com"}) == set()
}

test_rfc1918_excludes_carrier_grade_nat if {
	lib.rfc1918("10.1.2.3")
	lib.rfc1918("172.31.255.255")
	lib.rfc1918("192.168.0.1")
	not lib.rfc1918("100.64.0.1")
	not lib.rfc1918("172.32.0.1")
	not lib.rfc1918("47.96.1.1")
	not lib.rfc1918("not-an-ip")
}

test_instance_kind if {
	lib.instance_kind({"InstanceType": "VPC_SHARED"}) == "serverless"
	lib.instance_kind({"InstanceType": "VPC_DEDICATED", "DedicatedInstanceType": "vpc_connect"}) == "vpc_connect"
	lib.instance_kind({"InstanceType": "VPC_DEDICATED", "DedicatedInstanceType": "normal"}) == "normal"
	lib.instance_kind_text[lib.instance_kind({"InstanceType": "VPC_SHARED"})] == "a serverless instance"
}
