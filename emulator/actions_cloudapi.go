package emulator

import (
	"strconv"
	"strings"
	"time"
)

// The handlers below run with s.mu held.

// Stages an API can be deployed to.
var stageNames = map[string]bool{"RELEASE": true, "PRE": true, "TEST": true}

// inRegion reports whether obj lives in the region the call names (an
// object without RegionId lives in the world's region; a call without
// RegionId sees every region).
func (s *Server) inRegion(obj map[string]any, c *call) bool {
	want := c.params["RegionId"]
	if want == "" {
		return true
	}
	have := str(obj["RegionId"])
	if have == "" {
		have = s.region
	}
	return have == want
}

func (s *Server) findGroup(id string) map[string]any {
	for _, g := range s.groups {
		if g["GroupId"] == id {
			return g
		}
	}
	return nil
}

func (s *Server) findInstance(id string) map[string]any {
	for _, in := range s.instances {
		if in["InstanceId"] == id {
			return in
		}
	}
	return nil
}

// group returns the group named by the GroupId parameter.
func (s *Server) group(c *call) (map[string]any, *apiError) {
	id, ok := c.params["GroupId"]
	if !ok || id == "" {
		return nil, missing("GroupId")
	}
	g := s.findGroup(id)
	if g == nil || !s.inRegion(g, c) {
		return nil, errorf(404, "NotFoundApiGroup", "Cannot find the API group %q in region %s.", truncate(id, 64), s.regionOf(c))
	}
	return g, nil
}

// instance returns the instance named by parameter name.
func (s *Server) instance(c *call, name string) (map[string]any, *apiError) {
	id, ok := c.params[name]
	if !ok || id == "" {
		return nil, missing(name)
	}
	in := s.findInstance(id)
	if in == nil || !s.inRegion(in, c) {
		return nil, errorf(404, "NotFoundInstance", "Cannot find the instance %q in region %s.", truncate(id, 64), s.regionOf(c))
	}
	return in, nil
}

func (s *Server) regionOf(c *call) string {
	if r := c.params["RegionId"]; r != "" {
		return truncate(r, 32)
	}
	return s.region
}

// paging reads PageNumber and PageSize.
func paging(c *call, defSize, maxSize int) (page, size int, e *apiError) {
	page, size = 1, defSize
	if v, ok := c.params["PageNumber"]; ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, invalid("PageNumber", v)
		}
		page = n
	}
	if v, ok := c.params["PageSize"]; ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSize {
			return 0, 0, errorf(400, "InvalidParameter", "The specified parameter \"PageSize\" is not valid: %q (1 to %d).", truncate(v, 16), maxSize)
		}
		size = n
	}
	return page, size, nil
}

func pageOf[T any](all []T, page, size int) []T {
	from := (page - 1) * size
	if from >= len(all) {
		return []T{}
	}
	return all[from:min(from+size, len(all))]
}

func (s *Server) describeAPIGroup(c *call) (map[string]any, *apiError) {
	g, e := s.group(c)
	if e != nil {
		return nil, e
	}
	s.poll(str(g["GroupId"]))
	return clone(g), nil
}

// poll advances the running migration of a group by one DescribeApiGroup.
func (s *Server) poll(groupID string) {
	m := s.running[groupID]
	if m == nil {
		return
	}
	if m.pollsLeft > 0 {
		m.pollsLeft--
		return
	}
	delete(s.running, groupID)
	g := s.findGroup(groupID)
	if m.fail {
		g["MigrationStatus"] = "Failed"
		msg := m.err
		if msg == "" {
			msg = "The migration of the group to instance " + m.target + " failed."
		}
		g["MigrationError"] = msg
		return
	}
	g["InstanceId"] = m.target
	if t := s.findInstance(m.target); t != nil {
		g["InstanceType"] = t["InstanceType"]
		if d, ok := t["DedicatedInstanceType"]; ok {
			g["DedicatedInstanceType"] = d
		} else {
			delete(g, "DedicatedInstanceType")
		}
	}
	g["MigrationStatus"] = "Success"
	g["MigrationError"] = ""
}

func (s *Server) modifyAPIGroupInstance(c *call) (map[string]any, *apiError) {
	g, e := s.group(c)
	if e != nil {
		return nil, e
	}
	target, e := s.instance(c, "TargetInstanceId")
	if e != nil {
		return nil, e
	}
	id, targetID := str(g["GroupId"]), str(target["InstanceId"])
	if s.running[id] != nil {
		return nil, errorf(400, "MigrationInProgress", "The group %s is already being migrated to instance %s; wait until MigrationStatus is no longer Running.", id, s.running[id].target)
	}
	if str(g["InstanceId"]) == targetID {
		return nil, errorf(400, "InvalidParameter.TargetInstanceId", "The group %s is already deployed on instance %s.", id, targetID)
	}
	cfg, ok := s.migrations[id]
	if !ok {
		cfg = Migration{Polls: DefaultMigrationPolls}
	}
	s.running[id] = &migration{target: targetID, pollsLeft: cfg.Polls, fail: cfg.Fail, err: cfg.Error}
	g["MigrationStatus"] = "Running"
	g["MigrationError"] = ""
	return map[string]any{}, nil
}

func (s *Server) describeInstances(c *call) (map[string]any, *apiError) {
	want := c.params["InstanceId"]
	list := []any{}
	for _, in := range s.instances {
		if (want == "" || in["InstanceId"] == want) && s.inRegion(in, c) {
			list = append(list, clone(in))
		}
	}
	return map[string]any{
		"Instances":  map[string]any{"InstanceAttribute": list},
		"TotalCount": len(list),
		"PageNumber": 1,
		"PageSize":   max(len(list), 10),
	}, nil
}

// describeAPIGroups lists the groups of the region, paged (PageSize up to
// 50), optionally filtered by GroupId or a GroupName substring.
func (s *Server) describeAPIGroups(c *call) (map[string]any, *apiError) {
	page, size, e := paging(c, 10, 50)
	if e != nil {
		return nil, e
	}
	var all []any
	for _, g := range s.groups {
		switch {
		case !s.inRegion(g, c),
			c.params["GroupId"] != "" && str(g["GroupId"]) != c.params["GroupId"],
			c.params["GroupName"] != "" && !strings.Contains(str(g["GroupName"]), c.params["GroupName"]):
			continue
		}
		attr := map[string]any{}
		for _, k := range []string{"GroupId", "GroupName", "InstanceId", "InstanceType", "RegionId", "BasePath", "Description"} {
			if v, ok := g[k]; ok {
				attr[k] = v
			}
		}
		setDefault(attr, "RegionId", s.regionOfObject(g))
		all = append(all, attr)
	}
	return map[string]any{
		"PageNumber":         page,
		"PageSize":           size,
		"TotalCount":         len(all),
		"ApiGroupAttributes": map[string]any{"ApiGroupAttribute": pageOf(all, page, size)},
	}, nil
}

func (s *Server) describeAPIs(c *call) (map[string]any, *apiError) {
	groupID := c.params["GroupId"]
	if groupID != "" {
		if _, e := s.group(c); e != nil {
			return nil, e
		}
	}
	page, size, e := paging(c, 10, 100)
	if e != nil {
		return nil, e
	}
	stage := c.params["StageName"]
	var all []any
	for _, a := range s.apis {
		g := s.findGroup(a.GroupID)
		switch {
		case groupID != "" && a.GroupID != groupID,
			!s.inRegion(g, c),
			c.params["ApiId"] != "" && a.APIID != c.params["ApiId"],
			c.params["ApiName"] != "" && !strings.Contains(a.APIName, c.params["ApiName"]),
			c.params["Visibility"] != "" && a.Visibility != c.params["Visibility"],
			stage != "" && a.Deployed[stage] == nil:
			continue
		}
		sum := s.apiSummary(a, g)
		// The summary does not say whether the API is bound to a backend
		// service; DescribeApi does.
		delete(sum, "BackendEnable")
		delete(sum, "BackendConfig")
		all = append(all, sum)
	}
	return map[string]any{
		"PageNumber":  page,
		"PageSize":    size,
		"TotalCount":  len(all),
		"ApiSummarys": map[string]any{"ApiSummary": pageOf(all, page, size)},
	}, nil
}

func (s *Server) apiSummary(a API, g map[string]any) map[string]any {
	sum := clone(a.Fields)
	if sum == nil {
		sum = map[string]any{}
	}
	sum["GroupId"], sum["ApiId"], sum["ApiName"] = a.GroupID, a.APIID, a.APIName
	if a.Visibility != "" {
		sum["Visibility"] = a.Visibility
	}
	setDefault(sum, "GroupName", g["GroupName"])
	setDefault(sum, "RegionId", s.regionOfObject(g))
	if _, ok := sum["DeployedInfos"]; !ok {
		infos := []any{}
		for _, st := range sortedKeys(a.Deployed) {
			infos = append(infos, map[string]any{"StageName": st, "DeployedStatus": "DEPLOYED", "EffectiveVersion": ""})
		}
		sum["DeployedInfos"] = map[string]any{"DeployedInfo": infos}
	}
	return sum
}

func (s *Server) regionOfObject(o map[string]any) string {
	if r := str(o["RegionId"]); r != "" {
		return r
	}
	return s.region
}

func setDefault(m map[string]any, key string, v any) {
	if _, ok := m[key]; !ok && v != nil {
		m[key] = v
	}
}

func (s *Server) describeDeployedAPI(c *call) (map[string]any, *apiError) {
	g, e := s.group(c)
	if e != nil {
		return nil, e
	}
	apiID, ok := c.params["ApiId"]
	if !ok || apiID == "" {
		return nil, missing("ApiId")
	}
	stage, e := stageParam(c)
	if e != nil {
		return nil, e
	}
	for _, a := range s.apis {
		if a.GroupID != str(g["GroupId"]) || a.APIID != apiID {
			continue
		}
		body := a.Deployed[stage]
		if body == nil {
			return nil, errorf(404, "NotFoundDeployedApi", "The API %s is not deployed to stage %s.", a.APIID, stage)
		}
		out := clone(body)
		setDefault(out, "ApiId", a.APIID)
		setDefault(out, "ApiName", a.APIName)
		setDefault(out, "GroupId", a.GroupID)
		setDefault(out, "GroupName", g["GroupName"])
		setDefault(out, "StageName", stage)
		setDefault(out, "RegionId", s.regionOfObject(g))
		if a.Visibility != "" {
			setDefault(out, "Visibility", a.Visibility)
		}
		return out, nil
	}
	return nil, errorf(404, "NotFoundApi", "Cannot find the API %q in group %s.", truncate(apiID, 64), str(g["GroupId"]))
}

func (s *Server) describeVpcAccesses(c *call) (map[string]any, *apiError) {
	page, size, e := paging(c, 10, 100)
	if e != nil {
		return nil, e
	}
	var all []any
	for _, v := range s.vpcAccesses {
		match := s.inRegion(v, c)
		for _, f := range []string{"VpcId", "InstanceId", "Port", "Name", "VpcAccessId"} {
			if want := c.params[f]; want != "" && str(v[f]) != want {
				match = false
			}
		}
		if match {
			out := clone(v)
			setDefault(out, "RegionId", s.region)
			all = append(all, out)
		}
	}
	return map[string]any{
		"PageNumber":          page,
		"PageSize":            size,
		"TotalCount":          len(all),
		"VpcAccessAttributes": map[string]any{"VpcAccessAttribute": pageOf(all, page, size)},
	}, nil
}

// window reads StartTime and EndTime.
func window(c *call) (from, to time.Time, e *apiError) {
	for _, name := range []string{"StartTime", "EndTime"} {
		v, ok := c.params[name]
		if !ok || v == "" {
			return from, to, missing(name)
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return from, to, errorf(400, "InvalidParameter", "The specified parameter %q is not valid: %q (want UTC like 2026-11-19T10:00:00Z).", name, truncate(v, 32))
		}
		if name == "StartTime" {
			from = t
		} else {
			to = t
		}
	}
	if to.Before(from) {
		return from, to, errorf(400, "InvalidParameter", "EndTime %s is before StartTime %s.", c.params["EndTime"], c.params["StartTime"])
	}
	return from, to, nil
}

func itemsIn(items []map[string]any, from, to time.Time) []any {
	out := []any{}
	for _, it := range items {
		t, err := time.Parse(time.RFC3339, str(it["ItemTime"]))
		if err != nil || t.Before(from) || t.After(to) {
			continue
		}
		out = append(out, clone(it))
	}
	return out
}

func (s *Server) describeGroupQps(c *call) (map[string]any, *apiError) {
	g, e := s.group(c)
	if e != nil {
		return nil, e
	}
	stage, e := stageParam(c)
	if e != nil {
		return nil, e
	}
	from, to, e := window(c)
	if e != nil {
		return nil, e
	}
	items := stageItemsIn(s.groupQps[str(g["GroupId"])], stage, from, to)
	return map[string]any{"GroupQps": map[string]any{"MonitorItem": items}}, nil
}

func (s *Server) describeInstanceQps(c *call) (map[string]any, *apiError) {
	in, e := s.instance(c, "InstanceId")
	if e != nil {
		return nil, e
	}
	stage, e := stageParam(c)
	if e != nil {
		return nil, e
	}
	from, to, e := window(c)
	if e != nil {
		return nil, e
	}
	id := str(in["InstanceId"])
	items := stageItemsIn(s.instanceQps[id], stage, from, to)
	if series := s.qpsSeries[id]; len(series) > 0 && stage == "RELEASE" {
		v := series[0]
		if len(series) > 1 {
			s.qpsSeries[id] = series[1:]
		}
		items = itemsIn([]map[string]any{{
			"ItemTime":  time.Now().UTC().Truncate(time.Minute).Format("2006-01-02T15:04:05Z"),
			"ItemValue": v,
		}}, from, to)
	}
	return map[string]any{"InstanceQps": map[string]any{"MonitorItem": items}}, nil
}
