package emulator

import (
	"fmt"
	"strings"
)

// The handlers below run with s.mu held.

// describeBackendInfo answers DescribeBackendInfo: the BackendInfo of the
// reusable backend service BackendId names (BackendId, BackendName,
// BackendType, BackendModels[] with each stage's BackendConfig), verbatim
// from the world's backendServices. An unknown ID is NotFoundBackend (404).
func (s *Server) describeBackendInfo(c *call) (map[string]any, *apiError) {
	id := c.params["BackendId"]
	for _, b := range s.backendSvcs {
		if str(b["BackendId"]) == id && s.inRegion(b, c) {
			out := clone(b)
			delete(out, "RegionId")
			return map[string]any{"BackendInfo": out}, nil
		}
	}
	return nil, errorf(404, "NotFoundBackend", "Cannot find the backend service %q in region %s.", truncate(id, 64), s.regionOf(c))
}

// describeAPI answers DescribeApi: the API's definition, i.e. its
// DescribeApis summary fields (BackendEnable and BackendConfig among them
// when the world gives them) and the ServiceConfig of its RELEASE stage
// when the fields have none. GroupId is optional; an unknown API is
// NotFoundApi (404).
func (s *Server) describeAPI(c *call) (map[string]any, *apiError) {
	groupID := c.params["GroupId"]
	if groupID != "" {
		if _, e := s.group(c); e != nil {
			return nil, e
		}
	}
	for _, a := range s.apis {
		g := s.findGroup(a.GroupID)
		if a.APIID != c.params["ApiId"] || (groupID != "" && a.GroupID != groupID) || !s.inRegion(g, c) {
			continue
		}
		out := s.apiSummary(a, g)
		if rel := a.Deployed["RELEASE"]; rel != nil {
			setDefault(out, "ServiceConfig", clone(rel)["ServiceConfig"])
		}
		return out, nil
	}
	return nil, errorf(404, "NotFoundApi", "Cannot find the API %q.", truncate(c.params["ApiId"], 64))
}

// validateBackendServices checks the world's backendServices: a BackendId
// each, listed once, and BackendModels a list of objects whose StageName
// is RELEASE, PRE or TEST, each stage once.
func validateBackendServices(list []map[string]any) error {
	if _, err := indexBy(list, "backendServices", "BackendId"); err != nil {
		return err
	}
	for i, b := range list {
		raw, ok := b["BackendModels"]
		if !ok {
			continue
		}
		models, ok := raw.([]any)
		if !ok {
			return fmt.Errorf("backendServices[%d] (%s): BackendModels: want a list of stage backends", i, b["BackendId"])
		}
		seen := map[string]bool{}
		for j, it := range models {
			m, ok := it.(map[string]any)
			if !ok {
				return fmt.Errorf("backendServices[%d] (%s): BackendModels[%d]: want an object with StageName and BackendConfig", i, b["BackendId"], j)
			}
			st := strings.ToUpper(str(m["StageName"]))
			if !stageNames[st] {
				return fmt.Errorf("backendServices[%d] (%s): BackendModels[%d]: StageName %q: want RELEASE, PRE or TEST", i, b["BackendId"], j, m["StageName"])
			}
			if seen[st] {
				return fmt.Errorf("backendServices[%d] (%s): BackendModels[%d]: stage %s is listed twice", i, b["BackendId"], j, st)
			}
			seen[st] = true
		}
	}
	return nil
}
