package emulator

// requiredParams lists, per action, the parameters the API reference marks
// required. A request without one (absent or empty) is answered
// MissingParameter (400) before the action runs and before any fault, as the
// cloud checks its input first. An action's handler may check more (values,
// formats); the table is the one place that says what must be present.
//
// Sources: the CloudAPI 2016-07-14, ECS 2014-05-26 and STS 2015-04-01 API references (the
// request models mark each "This parameter is required").
var requiredParams = map[string][]string{
	// CloudAPI
	"DescribeApiGroup":             {"GroupId"},
	"DescribeInstances":            {},
	"DescribeApis":                 {},
	"DescribeApi":                  {"ApiId"},
	"DescribeDeployedApi":          {"GroupId", "ApiId", "StageName"},
	"DescribeBackendInfo":          {"BackendId"},
	"DescribeVpcAccesses":          {},
	"DescribeGroupQps":             {"GroupId", "StageName", "StartTime", "EndTime"},
	"DescribeInstanceQps":          {"InstanceId", "StageName", "StartTime", "EndTime"},
	"DescribePluginsByGroup":       {"GroupId", "StageName"},
	"DescribeApiGroupVpcWhitelist": {"GroupId"},
	"DescribeApiGroups":            {},
	"ModifyApiGroupInstance":       {"GroupId", "TargetInstanceId"},
	// ECS
	"DescribeSecurityGroupAttribute": {"RegionId", "SecurityGroupId"},
	"DescribeSecurityGroups":         {"RegionId"},
	"DescribeNetworkInterfaces":      {"RegionId"},
	// STS 2015-04-01
	"AssumeRole":         {"RoleArn", "RoleSessionName"},
	"AssumeRoleWithOIDC": {"OIDCProviderArn", "RoleArn", "OIDCToken"},
}

// RequiredParams returns the parameters the emulator requires for action
// (nil for an action it does not know).
func RequiredParams(action string) []string {
	p, ok := requiredParams[action]
	if !ok {
		return nil
	}
	return append([]string{}, p...)
}

// checkRequired answers MissingParameter for the first required parameter
// of the call's action that is absent or empty.
func checkRequired(c *call) *apiError {
	for _, name := range requiredParams[c.action] {
		if c.params[name] == "" {
			return missing(name)
		}
	}
	return nil
}
