package emulator

import (
	"encoding/json"
	"strings"
)

// The handlers below run with s.mu held.

func (s *Server) ecsRegion(c *call) *apiError {
	if r, ok := c.params["RegionId"]; !ok || r == "" {
		return missing("RegionId")
	}
	return nil
}

func (s *Server) describeSecurityGroupAttribute(c *call) (map[string]any, *apiError) {
	if e := s.ecsRegion(c); e != nil {
		return nil, e
	}
	id, ok := c.params["SecurityGroupId"]
	if !ok || id == "" {
		return nil, missing("SecurityGroupId")
	}
	direction := strings.ToLower(c.params["Direction"])
	switch direction {
	case "", "all", "ingress", "egress":
	default:
		return nil, errorf(400, "InvalidDirection.Malformed", "The specified Direction %q is not valid (all, ingress or egress).", truncate(c.params["Direction"], 16))
	}
	for _, sg := range s.sgs {
		if sg["SecurityGroupId"] != id || !s.inRegion(sg, c) {
			continue
		}
		out := clone(sg)
		delete(out, "SecurityGroupType") // DescribeSecurityGroups says it, not this call
		setDefault(out, "RegionId", s.region)
		perms := []any{}
		if pm, ok := out["Permissions"].(map[string]any); ok {
			list, _ := pm["Permission"].([]any)
			for _, p := range list {
				pmap, _ := p.(map[string]any)
				if direction == "" || direction == "all" || strings.EqualFold(str(pmap["Direction"]), direction) {
					perms = append(perms, p)
				}
			}
		}
		page, next, e := pagePermissions(c, perms)
		if e != nil {
			return nil, e
		}
		out["Permissions"] = map[string]any{"Permission": page}
		out["NextToken"] = next
		return out, nil
	}
	return nil, errorf(404, "InvalidSecurityGroupId.NotFound", "The specified SecurityGroupId %q does not exist.", truncate(id, 64))
}

func (s *Server) describeSecurityGroups(c *call) (map[string]any, *apiError) {
	if e := s.ecsRegion(c); e != nil {
		return nil, e
	}
	page, size, e := paging(c, 10, 50)
	if e != nil {
		return nil, e
	}
	var ids map[string]bool
	if raw := c.params["SecurityGroupIds"]; raw != "" {
		var list []string
		if err := json.Unmarshal([]byte(raw), &list); err != nil {
			return nil, errorf(400, "InvalidSecurityGroupIds.Malformed", "The specified SecurityGroupIds is not a JSON array of strings.")
		}
		if len(list) > 100 {
			return nil, errorf(400, "InvalidSecurityGroupIds.Malformed", "The specified SecurityGroupIds holds more than 100 IDs.")
		}
		ids = map[string]bool{}
		for _, id := range list {
			ids[id] = true
		}
	}
	var all []any
	for _, sg := range s.sgs {
		id := str(sg["SecurityGroupId"])
		switch {
		case !s.inRegion(sg, c),
			ids != nil && !ids[id],
			c.params["SecurityGroupId"] != "" && id != c.params["SecurityGroupId"],
			c.params["VpcId"] != "" && str(sg["VpcId"]) != c.params["VpcId"],
			c.params["SecurityGroupName"] != "" && str(sg["SecurityGroupName"]) != c.params["SecurityGroupName"],
			c.params["SecurityGroupType"] != "" && str(sg["SecurityGroupType"]) != c.params["SecurityGroupType"]:
			continue
		}
		out := clone(sg)
		delete(out, "Permissions")
		delete(out, "RegionId")
		setDefault(out, "SecurityGroupType", "normal")
		all = append(all, out)
	}
	return map[string]any{
		"RegionId":       c.params["RegionId"],
		"PageNumber":     page,
		"PageSize":       size,
		"TotalCount":     len(all),
		"SecurityGroups": map[string]any{"SecurityGroup": pageOf(all, page, size)},
	}, nil
}
