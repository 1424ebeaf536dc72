# METADATA
# title: Terraform plan does not replace an API group to move it
# description: >-
#   In the alicloud provider, alicloud_api_gateway_group.instance_id is
#   ForceNew: a plan that changes it destroys the group and creates a new one
#   (a new GroupId and second-level domain; its APIs, stages and bindings
#   gone) instead of moving it. The rule reads a Terraform plan (terraform
#   show -json), not a snapshot: a resource_changes entry of type
#   alicloud_api_gateway_group whose change.actions replace it
#   (["delete","create"] or ["create","delete"]) because instance_id changes
#   (replace_paths holds ["instance_id"], before and after instance_id
#   differ, or the new one is known only after apply). Other resources, and
#   groups changed in place or replaced for another reason, are left alone.
# related_resources:
#   - ref: https://registry.terraform.io/providers/aliyun/alicloud/latest/docs/resources/api_gateway_group
#     description: alicloud_api_gateway_group (instance_id forces a new resource)
#   - ref: https://developer.hashicorp.com/terraform/internals/json-format
#     description: Terraform's JSON plan format (resource_changes, change.actions, replace_paths)
#   - ref: https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/user-guide/migrate-api-groups-between-instances
#     description: Migrate API groups between instances (ModifyApiGroupInstance)
# custom:
#   id: MIG016
#   name: terraform-replace
#   severity: error
#   remediation: >-
#     Do not apply the plan. Move the group with ModifyApiGroupInstance
#     (apigw-preflight run --group ID --to INSTANCE --migrate), then set
#     instance_id to the new instance in the configuration and refresh the
#     state (terraform apply -refresh-only), so that the plan shows no change.
#   tags: [terraform, procedure]
package apigw.terraform.terraform_replace

import data.apigw.lib

_replace_actions := {["delete", "create"], ["create", "delete"]}

# _replaced holds [index, resource change] for every API group the plan
# replaces because its instance_id changes.
_replaced contains [i, rc] if {
	some i, rc in input.resource_changes
	rc.type == "alicloud_api_gateway_group"
	object.get(rc, "mode", "managed") == "managed"
	rc.change.actions in _replace_actions
	_instance_changes(rc.change)
}

_before(change) := lib.obj(object.get(change, "before", null))

_after(change) := lib.obj(object.get(change, "after", null))

_instance_changes(change) if ["instance_id"] in object.get(change, "replace_paths", [])

_instance_changes(change) if {
	old := lib.get(_before(change), "instance_id")
	new := lib.get(_after(change), "instance_id")
	lib.set(old)
	lib.set(new)
	old != new
}

_instance_changes(change) if {
	lib.set(lib.get(_before(change), "instance_id"))
	object.get(lib.obj(object.get(change, "after_unknown", null)), "instance_id", false) == true
}

# _attr(change, key) is the attribute before the change, else after it.
_attr(change, key) := v if {
	v := lib.get(_before(change), key)
	lib.set(v)
} else := lib.get(_after(change), key)

_label(change) := sprintf(" (group %s, %s)", [_attr(change, "id"), _attr(change, "name")]) if {
	lib.set(_attr(change, "id"))
	lib.set(_attr(change, "name"))
} else := sprintf(" (group %s)", [_attr(change, "id")]) if {
	lib.set(_attr(change, "id"))
} else := ""

_to(change) := new if {
	new := lib.get(_after(change), "instance_id")
	lib.set(new)
} else := "an instance known only after apply"

_from(change) := old if {
	old := lib.get(_before(change), "instance_id")
	lib.set(old)
} else := "its current instance"

_fix(change) := sprintf(
	"Do not apply this plan. Move the group instead: apigw-preflight run --group %s --to %s --migrate (ModifyApiGroupInstance, after a passing preflight); then keep instance_id = \"%s\" in the configuration and run terraform apply -refresh-only, so that the next plan shows no change.",
	[_attr(change, "id"), new, new],
) if {
	lib.set(_attr(change, "id"))
	new := lib.get(_after(change), "instance_id")
	lib.set(new)
} else := "Do not apply this plan. Create the destination instance first, move the group to it with apigw-preflight run --group ID --to INSTANCE --migrate (ModifyApiGroupInstance), then set instance_id to that instance and run terraform apply -refresh-only, so that the plan shows no change."

_path(i, change) := ["resource_changes", i, "change", "after", "instance_id"] if {
	"instance_id" in object.keys(_after(change))
} else := ["resource_changes", i]

findings contains lib.finding({
	"message": sprintf(
		"The plan replaces %s%s: instance_id changes from %s to %s, and since it forces a new resource the provider destroys the group and creates another (a new GroupId and second-level domain; its APIs, stages and bindings gone) instead of moving it.",
		[rc.address, _label(rc.change), _from(rc.change), _to(rc.change)],
	),
	"remediation": _fix(rc.change),
	"resource": {"kind": "terraform-resource", "id": rc.address, "name": _attr(rc.change, "name")},
	"path": _path(i, rc.change),
	"key": rc.address,
}) if {
	some [i, rc] in _replaced
}
