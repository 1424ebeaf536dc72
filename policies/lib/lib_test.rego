package apigw.lib_test

import data.apigw.fixture
import data.apigw.lib

test_truthy_accepts_true_and_loose_true if {
	lib.truthy(true)
	lib.truthy("true")
	lib.truthy(" TRUE ")
}

test_truthy_rejects_false_and_other_values if {
	not lib.truthy(false)
	not lib.truthy("false")
	not lib.truthy("yes")
	not lib.truthy(1)
	not lib.truthy(null)
}

test_num_reads_numbers_and_numeric_strings if {
	lib.num(2500) == 2500
	lib.num("2500") == 2500
	lib.num(" 2.5 ") == 2.5
}

test_num_is_undefined_for_non_numbers if {
	not lib.num("abc")
	not lib.num("")
	not lib.num(null)
	not lib.num(true)
}

test_list_reads_every_form if {
	lib.list("a, b,,c") == ["a", "b", "c"]
	lib.list(["a", " b ", 3, ""]) == ["a", "b"]
	lib.list("[\"10.0.0.0/16\", \"172.16.0.0/12\"]") == ["10.0.0.0/16", "172.16.0.0/12"]
	lib.list(null) == []
	lib.list("") == []
}

test_thousands if {
	lib.thousands(0) == "0"
	lib.thousands(999) == "999"
	lib.thousands(3100) == "3,100"
	lib.thousands(1234567) == "1,234,567"
	lib.thousands(-2500) == "-2,500"
}

test_obj_and_get_tolerate_non_objects if {
	lib.obj(null) == {}
	lib.obj("x") == {}
	lib.obj({"a": 1}) == {"a": 1}
	lib.get(null, "a") == ""
	lib.get({"a": 1}, "a") == ""
	lib.get({"a": "x"}, "a") == "x"
}

test_in_any_skips_invalid_entries if {
	lib.in_any(["not-a-cidr", "47.96.0.0/16"], "47.96.7.7")
	lib.in_any(["47.96.7.7"], "47.96.7.7")
	not lib.in_any(["47.96.0.0/16"], "47.97.7.7")
	not lib.in_any(["47.96.0.0/16"], "not-an-ip")
	not lib.in_any([null, 5], "47.96.7.7")
}

test_private_ranges if {
	lib.private("10.0.1.5")
	lib.private("172.16.8.20")
	lib.private("100.104.1.1")
	not lib.private("47.97.3.3")
	not lib.private("bogus")
}

test_unmap_ipv4_mapped_addresses if {
	lib.unmap("::ffff:10.0.0.1") == "10.0.0.1"
	lib.unmap(" ::FFFF:10.0.0.1 ") == "10.0.0.1"
	lib.unmap("0:0:0:0:0:ffff:47.97.3.3") == "47.97.3.3"
	lib.unmap("::0:ffff:47.97.3.3") == "47.97.3.3"
	lib.unmap("2408:4005:3a0::10") == "2408:4005:3a0::10"
	lib.unmap("::ffff:10.0.0.1/128") == "::ffff:10.0.0.1/128"
	lib.unmap("10.0.0.1") == "10.0.0.1"
	lib.unmap(5) == 5
	lib.ips(["::ffff:10.0.0.1", "fd00::1", 3]) == ["10.0.0.1", "fd00::1"]
}

test_mapped_addresses_are_ipv4 if {
	not lib.ipv6("::ffff:10.0.0.1")
	lib.ipv6("fd00::1")
	lib.private("::ffff:10.0.0.1")
	not lib.private("::ffff:47.97.3.3")
	lib.in_any(["10.0.0.0/8"], "::ffff:10.0.0.1")
	lib.in_any(["::ffff:10.0.0.1"], "10.0.0.1")
	lib.valid_addr("::ffff:10.0.0.1")
}

test_finding_is_decided_and_keeps_the_rest if {
	lib.finding({"message": "m", "path": ["group"], "undecided": true}) == {"message": "m", "path": ["group"]}
	lib.finding({"message": "m", "severity": "note"}) == {"message": "m", "severity": "note"}
}

test_accessors_read_the_snapshot_objects if {
	lib.group_id == "523e8dc7bbe04613b5b1d726c2a7889d" with input as fixture.healthy
	lib.destination_id == "apigateway-hz-ab12cd34ef56" with input as fixture.healthy
	lib.source_id == "api-shared-vpc-001" with input as fixture.healthy
	lib.destination == fixture.healthy.destination with input as fixture.healthy
	lib.source == fixture.healthy.source with input as fixture.healthy
	lib.group == fixture.healthy.group with input as fixture.healthy
}

test_accessors_tolerate_missing_and_junk_objects if {
	lib.destination == {} with input as fixture.replaced("destination", null)
	lib.destination_id == "" with input as fixture.replaced("destination", "junk")
	lib.source_id == "" with input as fixture.absent({"source"})
	lib.group_id == "" with input as fixture.replaced("group", {"GroupId": 5})
}

test_network_backend if {
	lib.network_backend({"protocol": "HTTP"})
	lib.network_backend({"protocol": "websocket"})
	lib.network_backend({})
	not lib.network_backend({"protocol": " FunctionCompute "})
	not lib.network_backend({"protocol": "MOCK"})
	not lib.network_backend("HTTP")
}
