package collector

import (
	"context"
	"fmt"
	"strings"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// SourceBackendService marks a backend whose address comes from a reusable
// backend service (DescribeBackendInfo) rather than the API's ServiceConfig.
const SourceBackendService = "backend-service"

// backendService is one DescribeBackendInfo answer, read once per
// collection: info is nil when the read failed (recorded once).
type backendService struct {
	info map[string]any
}

// backendBinding is the ID of the reusable backend service an API is bound
// to: BackendEnable true and BackendConfig.BackendId set, on the deployed
// API or, when the deployed answer does not say, on the API's summary.
func backendBinding(deployed, summary map[string]any) (string, bool) {
	for _, m := range []map[string]any{deployed, summary} {
		if _, ok := m["BackendEnable"]; !ok {
			continue
		}
		if !truthy(m["BackendEnable"]) {
			return "", false
		}
		cfg, _ := m["BackendConfig"].(map[string]any)
		if id := strings.TrimSpace(str(cfg["BackendId"])); id != "" {
			return id, true
		}
		return "", true // bound, but to no backend the answer names
	}
	return "", false
}

// needsDefinition reports a deployed answer that names no backend of its
// own and does not say whether the API is bound to a backend service
// (DescribeDeployedApi's documented answer has no BackendEnable): the API's
// definition (DescribeApi) says so.
func needsDefinition(deployed, summary map[string]any) bool {
	for _, m := range []map[string]any{deployed, summary} {
		if _, ok := m["BackendEnable"]; ok {
			return false
		}
	}
	sc, _ := deployed["ServiceConfig"].(map[string]any)
	if sc == nil {
		return true
	}
	vpc, _ := sc["VpcConfig"].(map[string]any)
	switch strings.ToLower(str(sc["ServiceProtocol"])) {
	case "functioncompute", "fc", "oss", "eventbridge":
		return false
	}
	return strings.TrimSpace(str(sc["ServiceAddress"])) == "" && !truthy(sc["Mock"]) && len(vpc) == 0
}

// definition reads the API's definition with DescribeApi, once per API;
// nil when the read failed (recorded) or was not needed.
func (c *collection) definition(ctx context.Context, apiID string) (map[string]any, error) {
	if d, ok := c.definitions[apiID]; ok {
		return d, nil
	}
	if c.definitions == nil {
		c.definitions = map[string]map[string]any{}
	}
	body, err := c.call(ctx, cloud.ProductCloudAPI, "DescribeApi", map[string]string{"GroupId": c.req.GroupID, "ApiId": apiID})
	if err != nil {
		c.definitions[apiID] = nil
		return nil, c.optional("DescribeApi", err)
	}
	c.definitions[apiID] = body
	return body, nil
}

// backendServiceFor reads the backend service id (once per collection).
// stop is the error that must end the collection.
func (c *collection) backendServiceFor(ctx context.Context, id string) (*backendService, error) {
	if bs, ok := c.backendServices[id]; ok {
		return bs, nil
	}
	if c.backendServices == nil {
		c.backendServices = map[string]*backendService{}
	}
	bs := &backendService{}
	c.progress("reading backend service %s", id)
	body, err := c.call(ctx, cloud.ProductCloudAPI, "DescribeBackendInfo", map[string]string{"BackendId": id})
	if err != nil {
		if stop := c.optional("DescribeBackendInfo", err); stop != nil {
			return nil, stop
		}
		c.backendServices[id] = bs
		return bs, nil
	}
	info, ok := body["BackendInfo"].(map[string]any)
	if !ok {
		c.record("DescribeBackendInfo", CodeUnreadableResponse, "the answer for backend service %s has no BackendInfo object (RequestId %s)", id, str(body["RequestId"]))
	} else {
		bs.info = info
	}
	c.backendServices[id] = bs
	return bs, nil
}

// backendModel is the BackendModels entry of stage (the list bare, as the
// SDK models it, or wrapped in BackendModel).
func backendModel(info map[string]any, stage string) map[string]any {
	models, _ := info["BackendModels"].([]any)
	if models == nil {
		models = list(info, "BackendModels", "BackendModel")
	}
	for _, it := range models {
		m, _ := it.(map[string]any)
		if strings.EqualFold(strings.TrimSpace(str(m["StageName"])), stage) {
			return m
		}
	}
	return nil
}

// backendTypes maps a backend service's Type (or BackendType) to the
// ServiceConfig spelling the backend entry is built from.
var backendTypes = map[string]string{
	"http": "HTTP", "https": "HTTPS", "vpc": "VPC", "http-vpc": "VPC",
	"fc_event": "FunctionCompute", "fc_http": "FunctionCompute", "fc_event_v3": "FunctionCompute", "fc_http_v3": "FunctionCompute",
	"functioncompute": "FunctionCompute", "oss": "OSS", "eventbridge": "EventBridge", "mock": "Mock",
}

// serviceBackend builds the backend entry of an API bound to the backend
// service id on stage: the address of the service's backend for that stage.
// ok is false when nothing should be recorded for the API (an unknown type,
// recorded as a collection error).
func (c *collection) serviceBackend(ctx context.Context, sum, deployed map[string]any, id, stage string) (snapshot.Backend, bool, error) {
	apiID := firstNonEmpty(str(deployed["ApiId"]), str(sum["ApiId"]))
	unresolved := snapshot.Backend{
		APIID:   apiID,
		APIName: firstNonEmpty(str(deployed["ApiName"]), str(sum["ApiName"])),
		Stage:   stage,
		Source:  SourceBackendService,
	}
	if id == "" {
		unresolved.Unresolved = "the API is bound to a backend service (BackendEnable) but its BackendConfig names no BackendId"
		return unresolved, true, nil
	}
	bs, err := c.backendServiceFor(ctx, id)
	if err != nil {
		return snapshot.Backend{}, false, err
	}
	if bs.info == nil {
		unresolved.Unresolved = fmt.Sprintf("backend service %s could not be read (DescribeBackendInfo failed), so its address on stage %s is unknown", id, stage)
		return unresolved, true, nil
	}
	model := backendModel(bs.info, stage)
	cfg, _ := model["BackendConfig"].(map[string]any)
	if cfg == nil {
		unresolved.Unresolved = fmt.Sprintf("backend service %s (%s) defines no backend for stage %s", id, str(bs.info["BackendName"]), stage)
		return unresolved, true, nil
	}
	raw := firstNonEmpty(str(cfg["Type"]), str(bs.info["BackendType"]))
	proto, known := backendTypes[strings.ToLower(strings.TrimSpace(raw))]
	if !known {
		c.record("DescribeBackendInfo", "UnknownBackendType", "backend service %s of API %s: type %q is not one the rules know", id, apiID, raw)
		return snapshot.Backend{}, false, nil
	}
	sc := map[string]any{"ServiceProtocol": proto, "ServiceAddress": cfg["ServiceAddress"]}
	switch proto {
	case "VPC":
		vpc, _ := cfg["VpcConfig"].(map[string]any)
		sc["ServiceVpcEnable"] = "TRUE"
		sc["VpcConfig"] = vpc
		if len(vpc) == 0 {
			unresolved.Protocol = "VPC"
			unresolved.Unresolved = fmt.Sprintf("backend service %s (%s) has no VpcConfig on stage %s", id, str(bs.info["BackendName"]), stage)
			return unresolved, true, nil
		}
	case "Mock":
		sc["Mock"] = "TRUE"
	}
	b, ok := c.backend(ctx, sum, map[string]any{"ApiId": apiID, "ApiName": unresolved.APIName, "ServiceConfig": sc}, stage)
	b.Source = SourceBackendService
	return b, ok, nil
}
