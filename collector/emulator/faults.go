package emulator

import (
	"fmt"
	"time"
)

// Fault is an injected failure. It applies to requests for Action ("*" for
// every action) that passed authentication, fires with Probability (0 means
// always) and stops after firing Count times (0 means never stops).
//
// Latency is waited first (cut short when the client goes away). Then Kind
// decides: "" answers with the API error JSON of Code and Status (either may
// be left out and is derived from the other; with neither, the fault only
// adds latency and the request is then served normally), "malformed"
// answers 200 with a truncated JSON body, "reset" closes the connection
// without a response.
type Fault struct {
	Action      string        `yaml:"action" json:"action"`
	Code        string        `yaml:"code,omitempty" json:"code,omitempty"`
	Status      int           `yaml:"status,omitempty" json:"status,omitempty"`
	Probability float64       `yaml:"probability,omitempty" json:"probability,omitempty"`
	Count       int           `yaml:"count,omitempty" json:"count,omitempty"`
	Latency     time.Duration `yaml:"latency,omitempty" json:"latency,omitempty"`
	Kind        string        `yaml:"kind,omitempty" json:"kind,omitempty"`
}

// Fault kinds.
const (
	KindError     = ""
	KindMalformed = "malformed"
	KindReset     = "reset"
)

func (f Fault) validate() error {
	if f.Action == "" {
		return fmt.Errorf("action is required (an action name or \"*\")")
	}
	switch f.Kind {
	case KindError, KindMalformed, KindReset:
	default:
		return fmt.Errorf("kind %q: want \"\" (API error), %q or %q", f.Kind, KindMalformed, KindReset)
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
	return nil
}

// latencyOnly reports whether the fault only delays the request.
func (f Fault) latencyOnly() bool {
	return f.Kind == KindError && f.Code == "" && f.Status == 0
}

// errorCodeStatus fills in the code or status the fault left out.
func (f Fault) errorCodeStatus() (string, int) {
	code, status := f.Code, f.Status
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
	default:
		return "Injected fault " + code + "."
	}
}

type faultState struct {
	Fault
	fired int
}
