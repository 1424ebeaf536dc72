package emulator

import "fmt"

// The reads added for the second wave of rules: the plug-ins bound to a
// group per stage, and a group's VPC whitelist.

// secondWave is the Server's copy of the world's second-wave state.
type secondWave struct {
	plugins    map[string]map[string][]map[string]any // GroupId -> stage -> PluginAttribute
	whitelists map[string]string                      // GroupId -> VpcIds
}

func newSecondWave(w *World) secondWave {
	sw := secondWave{plugins: map[string]map[string][]map[string]any{}, whitelists: map[string]string{}}
	for id, stages := range w.GroupPlugins {
		sw.plugins[id] = map[string][]map[string]any{}
		for st, list := range stages {
			sw.plugins[id][st] = cloneList(list)
		}
	}
	for id, v := range w.GroupVpcWhitelists {
		sw.whitelists[id] = v
	}
	return sw
}

func (w *World) normalizeSecondWave(fix func(map[string]any) map[string]any) {
	for _, stages := range w.GroupPlugins {
		for _, list := range stages {
			for i := range list {
				list[i] = fix(list[i])
			}
		}
	}
}

func (w *World) validateSecondWave(groups map[string]bool) error {
	for _, id := range sortedKeys(w.GroupPlugins) {
		if !groups[id] {
			return fmt.Errorf("groupPlugins[%s]: not a GroupId in groups", id)
		}
		for _, st := range sortedKeys(w.GroupPlugins[id]) {
			if !stageNames[st] {
				return fmt.Errorf("groupPlugins[%s][%s]: want stage RELEASE, PRE or TEST", id, st)
			}
			seen := map[string]bool{}
			for i, p := range w.GroupPlugins[id][st] {
				pid, _ := p["PluginId"].(string)
				if pid == "" {
					return fmt.Errorf("groupPlugins[%s][%s][%d]: PluginId is required (a string)", id, st, i)
				}
				if seen[pid] {
					return fmt.Errorf("groupPlugins[%s][%s][%d]: PluginId %q is bound twice to the stage", id, st, i, pid)
				}
				seen[pid] = true
				if _, ok := p["PluginData"].(string); !ok {
					return fmt.Errorf("groupPlugins[%s][%s][%d]: PluginData is required (the definition as a YAML or JSON string)", id, st, i)
				}
			}
		}
	}
	for _, id := range sortedKeys(w.GroupVpcWhitelists) {
		if !groups[id] {
			return fmt.Errorf("groupVpcWhitelists[%s]: not a GroupId in groups", id)
		}
	}
	return nil
}

// describePluginsByGroup answers DescribePluginsByGroup: GroupId and
// StageName are both required (as the API reference marks them), paged with
// PageNumber and PageSize (default 10, at most 100).
func (s *Server) describePluginsByGroup(c *call) (map[string]any, *apiError) {
	g, e := s.group(c)
	if e != nil {
		return nil, e
	}
	stage, ok := c.params["StageName"]
	if !ok || stage == "" {
		return nil, missing("StageName")
	}
	if !stageNames[stage] {
		return nil, errorf(400, "InvalidParameter.StageName", "The specified StageName %q is not valid (RELEASE, PRE or TEST).", truncate(stage, 16))
	}
	page, size, e := paging(c, 10, 100)
	if e != nil {
		return nil, e
	}
	all := []any{}
	for _, p := range s.secondWave.plugins[str(g["GroupId"])][stage] {
		out := clone(p)
		setDefault(out, "RegionId", s.regionOfObject(g))
		all = append(all, out)
	}
	return map[string]any{
		"PageNumber": page,
		"PageSize":   size,
		"TotalCount": len(all),
		"Plugins":    map[string]any{"PluginAttribute": pageOf(all, page, size)},
	}, nil
}

// describeAPIGroupVpcWhitelist answers DescribeApiGroupVpcWhitelist
// (GroupId required): VpcIds, "" when the group has no whitelist.
func (s *Server) describeAPIGroupVpcWhitelist(c *call) (map[string]any, *apiError) {
	g, e := s.group(c)
	if e != nil {
		return nil, e
	}
	return map[string]any{"VpcIds": s.secondWave.whitelists[str(g["GroupId"])]}, nil
}
