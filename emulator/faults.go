package emulator

import (
	"fmt"
	"strings"
	"time"
)

// Fault is an injected failure. It applies to requests for Action ("*" for
// every action) that passed authentication, fires with Probability (0 means
// always) and stops after firing Count times (0 means never stops).
//
// Latency is waited first (cut short when the client goes away); for
// KindSlowBody it is the stall in the middle of the body instead. Then Kind
// decides what the client gets; see the kind constants. With Apply the
// action is performed first (its effect is kept, as a write that the cloud
// carried out) and the fault's answer is given instead of the action's:
// apply-then-fail, apply-then-cut, apply-then-reset.
type Fault struct {
	Action      string        `yaml:"action" json:"action"`
	Code        string        `yaml:"code,omitempty" json:"code,omitempty"`
	Status      int           `yaml:"status,omitempty" json:"status,omitempty"`
	Probability float64       `yaml:"probability,omitempty" json:"probability,omitempty"`
	Count       int           `yaml:"count,omitempty" json:"count,omitempty"`
	Latency     time.Duration `yaml:"latency,omitempty" json:"latency,omitempty"`
	Kind        string        `yaml:"kind,omitempty" json:"kind,omitempty"`
	// Apply performs the action before the fault's answer is given.
	Apply bool `yaml:"apply,omitempty" json:"apply,omitempty"`
	// TotalCount is the TotalCount a KindTotalCount answer reports.
	TotalCount *int `yaml:"totalCount,omitempty" json:"totalCount,omitempty"`
	// Variant says how KindQpsUnreadable breaks the answer (QpsVariants).
	Variant string `yaml:"variant,omitempty" json:"variant,omitempty"`
	// Size is the body length in bytes of a KindLarge answer.
	Size int64 `yaml:"size,omitempty" json:"size,omitempty"`
}

// Fault kinds. The first group replaces the action's answer, the second
// serves the action and changes its answer.
const (
	// KindError answers with the API error JSON of Code and Status (either
	// may be left out and is derived from the other; with neither, the
	// fault only adds latency and the request is then served normally).
	KindError = ""
	// KindMalformed answers 200 with a truncated JSON body.
	KindMalformed = "malformed"
	// KindReset closes the connection without a response.
	KindReset = "reset"
	// KindCut sends the headers (200, the full Content-Length) and half of
	// the body, then closes the connection: the body breaks off while it
	// is read. The body is the action's answer with Apply, else a body
	// holding only the RequestId.
	KindCut = "cut"
	// KindSlowBody sends the headers and half of the action's answer, then
	// stalls for Latency before sending the rest. The action is always
	// performed (Apply is implied).
	KindSlowBody = "slow-body"
	// KindHTML answers Status (default 502) with an HTML error page, as a
	// proxy or load balancer in front of the API does.
	KindHTML = "html"
	// KindEcho answers the API error of Code (default
	// SignatureDoesNotMatch) and Status whose Message quotes the request:
	// the string-to-sign, as the cloud's SignatureDoesNotMatch does, and
	// the raw query string. Tokens in the request appear in the answer.
	KindEcho = "echo"
	// KindLarge answers 200 with a JSON body of Size bytes (a RequestId and
	// a long Padding string), streamed without a Content-Length.
	KindLarge = "large"

	// KindRepeatPage serves page 1 whatever PageNumber asks for, so a
	// client paging DescribeApis (or any paged action) sees the same page
	// again and again.
	KindRepeatPage = "repeat-page"
	// KindTotalCount serves the action with TotalCount replaced by the
	// fault's totalCount: a count that under- or over-reports.
	KindTotalCount = "total-count"
	// KindQpsUnreadable serves DescribeGroupQps or DescribeInstanceQps with
	// the MonitorItem list broken as Variant says.
	KindQpsUnreadable = "qps-unreadable"
)

// QpsVariants are the ways KindQpsUnreadable breaks a QPS answer.
var QpsVariants = map[string]string{
	"no-wrapper": "MonitorItem at the top level, without the GroupQps/InstanceQps object",
	"renamed":    "the GroupQps/InstanceQps key spelled groupQps/instanceQps",
	"null":       "every ItemValue null",
	"array":      "every ItemValue an array holding the value",
	"text":       "every ItemValue the string \"n/a\"",
	"empty":      "an empty MonitorItem list",
}

var kinds = []string{KindError, KindMalformed, KindReset, KindCut, KindSlowBody, KindHTML, KindEcho, KindLarge,
	KindRepeatPage, KindTotalCount, KindQpsUnreadable}

// modifiesAnswer reports whether the fault serves the action and changes
// its answer (rather than replacing it).
func (f Fault) modifiesAnswer() bool {
	return f.Kind == KindRepeatPage || f.Kind == KindTotalCount || f.Kind == KindQpsUnreadable
}

func (f Fault) validate() error {
	if f.Action == "" {
		return fmt.Errorf("action is required (an action name or \"*\")")
	}
	known := false
	for _, k := range kinds {
		known = known || f.Kind == k
	}
	if !known {
		quoted := make([]string, 0, len(kinds))
		for _, k := range kinds[1:] {
			quoted = append(quoted, fmt.Sprintf("%q", k))
		}
		return fmt.Errorf("kind %q: want \"\" (API error) or one of %s", f.Kind, strings.Join(quoted, ", "))
	}
	if f.Probability < 0 || f.Probability > 1 {
		return fmt.Errorf("probability %v: want 0 (always) to 1", f.Probability)
	}
	if f.Count < 0 {
		return fmt.Errorf("count %d: want 0 (unlimited) or more", f.Count)
	}
	if f.Latency < 0 {
		return fmt.Errorf("latency %v: must not be negative", f.Latency)
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		return fmt.Errorf("status %d: want an HTTP error status (400-599)", f.Status)
	}
	switch {
	case f.Kind == KindSlowBody && f.Latency <= 0:
		return fmt.Errorf("kind %q: give the stall as latency (e.g. \"30s\")", f.Kind)
	case f.Kind == KindTotalCount && f.TotalCount == nil:
		return fmt.Errorf("kind %q: give the count to report as totalCount", f.Kind)
	case f.TotalCount != nil && f.Kind != KindTotalCount:
		return fmt.Errorf("totalCount is only for kind %q", KindTotalCount)
	case f.TotalCount != nil && *f.TotalCount < 0:
		return fmt.Errorf("totalCount %d: must not be negative", *f.TotalCount)
	case f.Kind == KindQpsUnreadable && QpsVariants[f.Variant] == "":
		return fmt.Errorf("kind %q: variant %q: want one of %s", f.Kind, f.Variant, strings.Join(sortedKeys(QpsVariants), ", "))
	case f.Variant != "" && f.Kind != KindQpsUnreadable:
		return fmt.Errorf("variant is only for kind %q", KindQpsUnreadable)
	case f.Kind == KindLarge && f.Size <= 0:
		return fmt.Errorf("kind %q: give the body length in bytes as size", f.Kind)
	case f.Size != 0 && f.Kind != KindLarge:
		return fmt.Errorf("size is only for kind %q", KindLarge)
	case f.Apply && f.modifiesAnswer():
		return fmt.Errorf("apply: kind %q always serves the action", f.Kind)
	case f.Apply && f.latencyOnly():
		return fmt.Errorf("apply: a fault with no code, status or kind only adds latency and always serves the action")
	}
	return nil
}

// latencyOnly reports whether the fault only delays the request.
func (f Fault) latencyOnly() bool {
	return f.Kind == KindError && f.Code == "" && f.Status == 0
}

// errorCodeStatus fills in the code or status the fault left out.
func (f Fault) errorCodeStatus() (string, int) {
	code, status := f.Code, f.Status
	if code == "" && status == 0 && f.Kind == KindEcho {
		code = "SignatureDoesNotMatch"
	}
	if status == 0 {
		status = statusOf(code)
	}
	if code == "" {
		switch status {
		case 500:
			code = "InternalError"
		case 503:
			code = "ServiceUnavailable"
		case 403:
			code = "Forbidden"
		case 404:
			code = "NotFound"
		default:
			code = "Throttling"
		}
	}
	return code, status
}

// statusOf is the HTTP status the cloud uses for a well-known error code.
func statusOf(code string) int {
	switch {
	case code == "ServiceUnavailable":
		return 503
	case code == "InternalError":
		return 500
	case len(code) >= 9 && code[:9] == "Forbidden":
		return 403
	default:
		return 400
	}
}

// messageOf is the cloud's message for well-known error codes.
func messageOf(code string) string {
	switch code {
	case "Throttling":
		return "Request was denied due to request throttling."
	case "Throttling.User":
		return "Request was denied due to user flow control."
	case "Throttling.Api":
		return "Request was denied due to api flow control."
	case "ServiceUnavailable":
		return "The request has failed due to a temporary failure of the server."
	case "InternalError":
		return "The request processing has failed due to some unknown error, exception or failure."
	case "Forbidden.RAM":
		return "User not authorized to operate on the specified resource, or this API doesn't support RAM."
	case "SignatureDoesNotMatch":
		return "Specified signature is not matched with our calculation."
	default:
		return "Injected fault " + code + "."
	}
}

// breakQps changes a QPS answer as variant says.
func breakQps(body map[string]any, variant string) {
	for _, key := range []string{"GroupQps", "InstanceQps"} {
		wrapper, ok := body[key].(map[string]any)
		if !ok {
			continue
		}
		items, _ := wrapper["MonitorItem"].([]any)
		switch variant {
		case "no-wrapper":
			delete(body, key)
			body["MonitorItem"] = items
		case "renamed":
			delete(body, key)
			body[strings.ToLower(key[:1])+key[1:]] = wrapper
		case "empty":
			wrapper["MonitorItem"] = []any{}
		default:
			for _, it := range items {
				m, ok := it.(map[string]any)
				if !ok {
					continue
				}
				switch variant {
				case "null":
					m["ItemValue"] = nil
				case "array":
					m["ItemValue"] = []any{m["ItemValue"]}
				case "text":
					m["ItemValue"] = "n/a"
				}
			}
		}
	}
}

type faultState struct {
	Fault
	fired int
}
