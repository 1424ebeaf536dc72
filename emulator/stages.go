package emulator

import "time"

// itemStageKey is the world-only key of a QPS MonitorItem naming the stage
// it was measured on (RELEASE when absent). The cloud's MonitorItem has no
// such field: the key is dropped from answers.
const itemStageKey = "stage"

// stageParam reads the StageName parameter (required on the QPS calls and
// on DescribeDeployedApi) and checks its value.
func stageParam(c *call) (string, *apiError) {
	stage := c.params["StageName"]
	if stage == "" {
		return "", missing("StageName")
	}
	if !stageNames[stage] {
		return "", errorf(400, "InvalidParameter.StageName", "The specified StageName %q is not valid (RELEASE, PRE or TEST).", truncate(stage, 32))
	}
	return stage, nil
}

// itemStage is the stage a world MonitorItem belongs to.
func itemStage(it map[string]any) string {
	if s := str(it[itemStageKey]); s != "" {
		return s
	}
	return "RELEASE"
}

// stageItemsIn is itemsIn for the items of one stage, the world-only
// stage key removed.
func stageItemsIn(items []map[string]any, stage string, from, to time.Time) []any {
	var of []map[string]any
	for _, it := range items {
		if itemStage(it) == stage {
			of = append(of, it)
		}
	}
	out := itemsIn(of, from, to)
	for _, it := range out {
		delete(it.(map[string]any), itemStageKey)
	}
	return out
}
