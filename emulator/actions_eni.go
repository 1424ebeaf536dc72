package emulator

import (
	"fmt"
	"strconv"
	"strings"
)

// The handlers below run with s.mu held.

// maxNetworkInterfaceIDs is how many NetworkInterfaceId.N one
// DescribeNetworkInterfaces takes.
const maxNetworkInterfaceIDs = 100

// describeNetworkInterfaces answers ECS DescribeNetworkInterfaces:
// NetworkInterfaceSets.NetworkInterfaceSet[] filtered by
// NetworkInterfaceId.N, SecurityGroupId, VpcId, VSwitchId and ZoneId, paged
// by PageNumber and PageSize (10, at most 100).
func (s *Server) describeNetworkInterfaces(c *call) (map[string]any, *apiError) {
	page, size, e := paging(c, 10, 100)
	if e != nil {
		return nil, e
	}
	var ids map[string]bool
	for k, v := range c.params {
		n, ok := strings.CutPrefix(k, "NetworkInterfaceId.")
		if !ok {
			continue
		}
		if i, err := strconv.Atoi(n); err != nil || i < 1 || i > maxNetworkInterfaceIDs {
			return nil, errorf(400, "InvalidParameter", "The specified parameter %q is not valid: NetworkInterfaceId.N takes N from 1 to %d.", truncate(k, 40), maxNetworkInterfaceIDs)
		}
		if ids == nil {
			ids = map[string]bool{}
		}
		ids[v] = true
	}
	var all []any
	for _, eni := range s.enis {
		switch {
		case !s.inRegion(eni, c),
			ids != nil && !ids[str(eni["NetworkInterfaceId"])],
			c.params["SecurityGroupId"] != "" && !hasSecurityGroup(eni, c.params["SecurityGroupId"]),
			c.params["VpcId"] != "" && str(eni["VpcId"]) != c.params["VpcId"],
			c.params["VSwitchId"] != "" && str(eni["VSwitchId"]) != c.params["VSwitchId"],
			c.params["ZoneId"] != "" && str(eni["ZoneId"]) != c.params["ZoneId"]:
			continue
		}
		out := clone(eni)
		delete(out, "RegionId")
		all = append(all, out)
	}
	return map[string]any{
		"PageNumber":           page,
		"PageSize":             size,
		"TotalCount":           len(all),
		"NetworkInterfaceSets": map[string]any{"NetworkInterfaceSet": pageOf(all, page, size)},
	}, nil
}

func hasSecurityGroup(eni map[string]any, id string) bool {
	for _, sg := range securityGroupIDs(eni) {
		if sg == id {
			return true
		}
	}
	return false
}

// securityGroupIDs reads SecurityGroupIds.SecurityGroupId[] of a
// NetworkInterfaceSet.
func securityGroupIDs(eni map[string]any) []string {
	w, _ := eni["SecurityGroupIds"].(map[string]any)
	list, _ := w["SecurityGroupId"].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		out = append(out, str(v))
	}
	return out
}

// Permission paging of DescribeSecurityGroupAttribute: MaxResults 10 to
// 1000, default 500; NextToken is the opaque token of the next page ("" on
// the last).
const (
	defaultMaxResults = 500
	maxMaxResults     = 1000
)

// pagePermissions cuts perms to the page the call's NextToken and
// MaxResults ask for and returns the next page's token.
func pagePermissions(c *call, perms []any) (page []any, next string, e *apiError) {
	size := defaultMaxResults
	if v := c.params["MaxResults"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 || n > maxMaxResults {
			return nil, "", errorf(400, "InvalidParameter", "The specified parameter \"MaxResults\" is not valid: %q (10 to %d).", truncate(v, 16), maxMaxResults)
		}
		size = n
	}
	from := 0
	if v := c.params["NextToken"]; v != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(v, "sgr-page-"))
		if !strings.HasPrefix(v, "sgr-page-") || err != nil || n < 0 || n > len(perms) {
			return nil, "", errorf(400, "InvalidNextToken.Malformed", "The specified NextToken %q is not valid.", truncate(v, 40))
		}
		from = n
	}
	to := min(from+size, len(perms))
	if to < len(perms) {
		next = fmt.Sprintf("sgr-page-%d", to)
	}
	return perms[from:to], next, nil
}
