package collector

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
)

// Page sizes of the ECS reads of a VPC integration destination.
const (
	// eniChunk is how many NetworkInterfaceId.N one DescribeNetworkInterfaces takes.
	eniChunk = 100
	// sgRulesPage is the MaxResults of DescribeSecurityGroupAttribute (the
	// API's largest; its default is 500).
	sgRulesPage = 1000
	// sgMaxPages bounds the pages of one security group's rules.
	sgMaxPages = 50
)

// securityGroups reads the ENIs of a VPC integration destination
// (DescribeNetworkInterfaces, for the security groups each carries) and
// each of their security groups once: its type (DescribeSecurityGroups)
// and its rules (DescribeSecurityGroupAttribute, every page).
func (c *collection) securityGroups(ctx context.Context, _ time.Time) error {
	if !strings.EqualFold(str(c.snap.Destination["DedicatedInstanceType"]), "vpc_connect") {
		return nil
	}
	var eniIDs, attrSGs []string
	for _, it := range list(c.snap.Destination, "NetworkInterfaceAttributes", "NetworkInterfaceAttribute") {
		m, _ := it.(map[string]any)
		if id := str(m["NetworkInterfaceId"]); id != "" && !slices.Contains(eniIDs, id) {
			eniIDs = append(eniIDs, id)
		}
		if id := str(m["SecurityGroupId"]); id != "" && !slices.Contains(attrSGs, id) {
			attrSGs = append(attrSGs, id)
		}
	}
	read, err := c.networkInterfaces(ctx, eniIDs)
	if err != nil {
		return err
	}
	// The security groups: those of every ENI read, and the one named in
	// the instance attributes (the only source for an ENI not read).
	var ids []string
	for _, eni := range c.snap.NetworkInterfaces {
		for _, it := range list(eni, "SecurityGroupIds", "SecurityGroupId") {
			if id := str(it); id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	for _, it := range list(c.snap.Destination, "NetworkInterfaceAttributes", "NetworkInterfaceAttribute") {
		m, _ := it.(map[string]any)
		if id := str(m["SecurityGroupId"]); id != "" && !slices.Contains(ids, id) && !read[str(m["NetworkInterfaceId"])] {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	types, err := c.securityGroupTypes(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		body, err := c.securityGroupRules(ctx, id)
		if err != nil {
			return err
		}
		if body == nil {
			continue
		}
		if _, has := body["SecurityGroupType"]; !has && types[id] != "" {
			body["SecurityGroupType"] = types[id]
		}
		c.snap.ENISecurityGroups = append(c.snap.ENISecurityGroups, body)
	}
	return nil
}

// networkInterfaces reads the NetworkInterfaceSet of each ENI into
// snapshot.networkInterfaces (in the order of ids) and says which were
// read. ENIs the answer lacks are recorded.
func (c *collection) networkInterfaces(ctx context.Context, ids []string) (map[string]bool, error) {
	read := map[string]bool{}
	if len(ids) == 0 {
		return read, nil
	}
	found := map[string]map[string]any{}
	for start := 0; start < len(ids); start += eniChunk {
		chunk := ids[start:min(start+eniChunk, len(ids))]
		params := map[string]string{"RegionId": c.req.RegionID, "PageSize": strconv.Itoa(eniChunk)}
		for i, id := range chunk {
			params[fmt.Sprintf("NetworkInterfaceId.%d", i+1)] = id
		}
		c.progress("reading the ENIs of instance %s", c.req.TargetInstanceID)
		body, err := c.call(ctx, cloud.ProductECS, "DescribeNetworkInterfaces", params)
		if err != nil {
			return read, c.optional("DescribeNetworkInterfaces", err)
		}
		sets, isList := lookup(body, "NetworkInterfaceSets", "NetworkInterfaceSet").([]any)
		if !isList {
			c.record("DescribeNetworkInterfaces", CodeUnreadableResponse, "the answer has no NetworkInterfaceSets.NetworkInterfaceSet list (RequestId %s)", str(body["RequestId"]))
			return read, nil
		}
		for _, it := range sets {
			if m, ok := it.(map[string]any); ok && slices.Contains(chunk, str(m["NetworkInterfaceId"])) {
				found[str(m["NetworkInterfaceId"])] = m
			}
		}
	}
	var missing []string
	for _, id := range ids {
		if m := found[id]; m != nil {
			c.snap.NetworkInterfaces = append(c.snap.NetworkInterfaces, m)
			read[id] = true
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		c.record("DescribeNetworkInterfaces", "NotFoundNetworkInterface", "ENI %s of instance %s is not in the answer, so its security groups are not known", strings.Join(missing, ", "), c.req.TargetInstanceID)
	}
	return read, nil
}

// securityGroupTypes reads SecurityGroupType of each group (normal or
// enterprise), 50 at a time.
func (c *collection) securityGroupTypes(ctx context.Context, ids []string) (map[string]string, error) {
	types := map[string]string{}
	for start := 0; start < len(ids); start += 50 {
		chunk := ids[start:min(start+50, len(ids))]
		enc, _ := json.Marshal(chunk)
		c.progress("reading security group types")
		body, err := c.call(ctx, cloud.ProductECS, "DescribeSecurityGroups", map[string]string{
			"RegionId": c.req.RegionID, "SecurityGroupIds": string(enc), "PageSize": "50",
		})
		if err != nil {
			return types, c.optional("DescribeSecurityGroups", err)
		}
		for _, it := range list(body, "SecurityGroups", "SecurityGroup") {
			m, _ := it.(map[string]any)
			if t := str(m["SecurityGroupType"]); t != "" {
				types[str(m["SecurityGroupId"])] = t
			}
		}
	}
	return types, nil
}

// securityGroupRules reads every page of one group's rules and returns the
// first page's body holding all of them (NextToken removed), or nil when
// the read failed (recorded).
func (c *collection) securityGroupRules(ctx context.Context, id string) (map[string]any, error) {
	var first map[string]any
	var perms []any
	token := ""
	seen := map[string]bool{}
	for page := 1; ; page++ {
		if page > sgMaxPages {
			c.record("DescribeSecurityGroupAttribute", CodeRepeatedPage, "the rules of security group %s did not end after %d pages; the group is not used", id, sgMaxPages)
			return nil, nil
		}
		c.progress("reading security group %s (page %d)", id, page)
		params := map[string]string{"RegionId": c.req.RegionID, "SecurityGroupId": id, "Direction": "all", "MaxResults": strconv.Itoa(sgRulesPage)}
		if token != "" {
			params["NextToken"] = token
		}
		body, err := c.call(ctx, cloud.ProductECS, "DescribeSecurityGroupAttribute", params)
		if err != nil {
			return nil, c.optional("DescribeSecurityGroupAttribute", err)
		}
		if first == nil {
			first = body
		}
		perms = append(perms, list(body, "Permissions", "Permission")...)
		token = str(body["NextToken"])
		if token == "" {
			break
		}
		if seen[token] {
			c.record("DescribeSecurityGroupAttribute", CodeRepeatedPage, "the rules of security group %s repeat NextToken %s; the group is not used", id, cloud.Truncate(token, 64))
			return nil, nil
		}
		seen[token] = true
	}
	delete(first, "NextToken")
	if perms == nil {
		perms = []any{}
	}
	first["Permissions"] = map[string]any{"Permission": perms}
	return first, nil
}
