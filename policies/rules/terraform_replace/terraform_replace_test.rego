package apigw.terraform.terraform_replace_test

import data.apigw.terraform.terraform_replace as rule

group_before := {
	"id": "523e8dc7bbe04613b5b1d726c2a7889d",
	"name": "orders",
	"description": "orders API",
	"instance_id": "api-shared-vpc-001",
}

# change(actions, after, extra) is one resource change of the group.
change(actions, after, extra) := {
	"address": "alicloud_api_gateway_group.orders",
	"mode": "managed",
	"type": "alicloud_api_gateway_group",
	"name": "orders",
	"provider_name": "registry.terraform.io/aliyun/alicloud",
	"change": object.union(
		{"actions": actions, "before": group_before, "after": after, "after_unknown": {"id": true}},
		extra,
	),
}

moved_after := object.union(group_before, {"instance_id": "apigateway-hz-ab12cd34ef56"})

plan(changes) := {"format_version": "1.2", "terraform_version": "1.9.5", "resource_changes": changes}

run(inp) := fs if {
	fs := rule.findings with input as inp
}

want_replaced(i) := {{
	"message": "The plan replaces alicloud_api_gateway_group.orders (group 523e8dc7bbe04613b5b1d726c2a7889d, orders): instance_id changes from api-shared-vpc-001 to apigateway-hz-ab12cd34ef56, and since it forces a new resource the provider destroys the group and creates another (a new GroupId and second-level domain; its APIs, stages and bindings gone) instead of moving it.",
	"remediation": "Do not apply this plan. Move the group instead: apigw-preflight run --group 523e8dc7bbe04613b5b1d726c2a7889d --to apigateway-hz-ab12cd34ef56 --migrate (ModifyApiGroupInstance, after a passing preflight); then keep instance_id = \"apigateway-hz-ab12cd34ef56\" in the configuration and run terraform apply -refresh-only, so that the next plan shows no change.",
	"resource": {"kind": "terraform-resource", "id": "alicloud_api_gateway_group.orders", "name": "orders"},
	"path": ["resource_changes", i, "change", "after", "instance_id"],
	"key": "alicloud_api_gateway_group.orders",
}}

test_replace_for_instance_id if {
	run(plan([change(["delete", "create"], moved_after, {"replace_paths": [["instance_id"]]})])) == want_replaced(0)
}

test_create_before_destroy if {
	run(plan([change(["create", "delete"], moved_after, {"replace_paths": [["instance_id"]]})])) == want_replaced(0)
}

# Older Terraform writes no replace_paths: before and after differ.
test_replace_without_replace_paths if {
	other := {
		"address": "alicloud_api_gateway_instance.new", "mode": "managed", "type": "alicloud_api_gateway_instance",
		"change": {"actions": ["create"], "before": null, "after": {"instance_name": "new"}},
	}
	run(plan([other, change(["delete", "create"], moved_after, {})])) == want_replaced(1)
}

# The new instance is created in the same apply: its ID is unknown.
test_replace_to_unknown_instance if {
	after := object.remove(moved_after, ["instance_id"])
	fs := run(plan([change(["delete", "create"], after, {"after_unknown": {"id": true, "instance_id": true}})]))
	fs == {{
		"message": "The plan replaces alicloud_api_gateway_group.orders (group 523e8dc7bbe04613b5b1d726c2a7889d, orders): instance_id changes from api-shared-vpc-001 to an instance known only after apply, and since it forces a new resource the provider destroys the group and creates another (a new GroupId and second-level domain; its APIs, stages and bindings gone) instead of moving it.",
		"remediation": "Do not apply this plan. Create the destination instance first, move the group to it with apigw-preflight run --group ID --to INSTANCE --migrate (ModifyApiGroupInstance), then set instance_id to that instance and run terraform apply -refresh-only, so that the plan shows no change.",
		"resource": {"kind": "terraform-resource", "id": "alicloud_api_gateway_group.orders", "name": "orders"},
		"path": ["resource_changes", 0],
		"key": "alicloud_api_gateway_group.orders",
	}}
}

test_in_place_update_quiet if {
	after := object.union(group_before, {"description": "orders API v2"})
	run(plan([change(["update"], after, {})])) == set()
}

test_no_op_quiet if {
	run(plan([change(["no-op"], group_before, {})])) == set()
}

# A replacement for another reason (the instance stays) is not MIG016's.
test_replaced_for_other_reason_quiet if {
	after := object.union(group_before, {"name": "orders-v2"})
	run(plan([change(["delete", "create"], after, {"replace_paths": [["name"]]})])) == set()
}

test_other_resources_quiet if {
	api := {
		"address": "alicloud_api_gateway_api.get_order", "mode": "managed", "type": "alicloud_api_gateway_api",
		"change": {"actions": ["delete", "create"], "before": {"group_id": "g"}, "after": {"group_id": "g2"}, "replace_paths": [["group_id"]]},
	}
	source := object.union(change(["delete", "create"], moved_after, {"replace_paths": [["instance_id"]]}), {"mode": "data"})
	run(plan([api, source])) == set()
}

test_destroy_or_create_only_quiet if {
	run(plan([
		change(["delete"], null, {}),
		object.union(change(["create"], moved_after, {}), {"change": {"actions": ["create"], "before": null, "after": moved_after}}),
	])) == set()
}

test_empty_plan_quiet if {
	run({"format_version": "1.2", "planned_values": {}}) == set()
}
