package platformtest

import (
	"encoding/json"
	"time"
)

// What follows is what the test servers (tgtest, slacktest) do the same
// way because the platforms do: record the API calls they received, read a
// JSON body's parameters, and shut down once. Wire formats, signatures and
// errors, which differ, stay in each server.

// Call is one API request a test server received, with its parameters.
type Call struct {
	Method string
	Params map[string]string
	At     time.Time
}

// CallLog is the calls a server received, in order. The server's lock
// guards it.
type CallLog []Call

// Of returns the calls of one method (all calls if method is empty).
func (l CallLog) Of(method string) []Call {
	var out []Call
	for _, c := range l {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// JSONParams reads the parameters of a JSON object body into out: a string
// as itself, any other value as its JSON text, as both platforms accept
// them. An empty body has no parameters.
func JSONParams(body []byte, out map[string]string) error {
	var m map[string]json.RawMessage
	if len(body) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			return err
		}
	}
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return nil
}

// CloseOnce closes ch unless it is closed already. The caller holds the
// lock that guards ch, so that two Closes cannot both close it.
func CloseOnce(ch chan struct{}) {
	select {
	case <-ch:
	default:
		close(ch)
	}
}
