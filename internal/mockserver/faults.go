package mockserver

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	mrand "math/rand/v2"
)

// Faults make the server misbehave, to test the provider's retries and error
// handling. Faulted requests still count under their route name.
type Faults struct {
	Latency           time.Duration // added to every request; ends early if the client gives up
	ThrottleRate      float64       // share of requests answered 429 with Retry-After
	RetryAfterSeconds int           // default 1
	ServerErrorRate   float64       // share of requests answered with ServerErrorStatus
	ServerErrorStatus int           // default 503
	Seed              int64         // seeds the random source, so rates are reproducible

	// FailNext maps a route name to statuses for its next calls, consumed in order,
	// e.g. {"list_keys": {502, 503}}.
	FailNext map[string][]int
	// DropCreateResponses: the next N create_key calls create the key and then close
	// the connection without answering, like a response lost on the network.
	DropCreateResponses int
	// Override maps a route name to a fixed raw answer (HTML, truncated JSON, wrong shape).
	Override map[string]Response
}

// Response is a raw answer. An empty ContentType lets net/http sniff one; Status 0 means 200.
type Response struct {
	Status      int
	ContentType string
	Body        string
}

// SetFaults replaces the active faults; SetFaults(Faults{}) turns them all off.
func (s *Server) SetFaults(f Faults) {
	if f.RetryAfterSeconds <= 0 {
		f.RetryAfterSeconds = 1
	}
	if f.ServerErrorStatus == 0 {
		f.ServerErrorStatus = http.StatusServiceUnavailable
	}
	// Own copies: FailNext is consumed in place, and callers may reuse their maps.
	next := make(map[string][]int, len(f.FailNext))
	for route, statuses := range f.FailNext {
		next[route] = slices.Clone(statuses)
	}
	f.FailNext = next
	f.Override = maps.Clone(f.Override)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.rng = mrand.New(mrand.NewPCG(uint64(f.Seed), 0))
}

// delay waits out the injected latency; false means the request was cancelled.
func (s *Server) delay(r *http.Request) bool {
	s.mu.Lock()
	d := s.faults.Latency
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// injectFault picks the fault, if any, that answers this call of route. Caller holds s.mu.
func (s *Server) injectFault(route string) (reply, bool) {
	f := &s.faults
	if q := f.FailNext[route]; len(q) > 0 {
		f.FailNext[route] = q[1:]
		return s.faultReply(q[0]), true
	}
	// Draw only when a rate is set, so one kind of fault does not shift the other's sequence.
	if f.ThrottleRate > 0 && s.rng.Float64() < f.ThrottleRate {
		return s.faultReply(http.StatusTooManyRequests), true
	}
	if f.ServerErrorRate > 0 && s.rng.Float64() < f.ServerErrorRate {
		return s.faultReply(f.ServerErrorStatus), true
	}
	if o, ok := f.Override[route]; ok {
		return reply{raw: &o}, true
	}
	return reply{}, false
}

func (s *Server) faultReply(status int) reply {
	switch {
	case status == http.StatusTooManyRequests:
		s.counts["throttled"]++
		rep := apiError(status, "server.throttled", "Too many requests")
		rep.header = http.Header{"Retry-After": {strconv.Itoa(s.faults.RetryAfterSeconds)}}
		return rep
	case status >= 500:
		s.counts["server_error"]++
	}
	return apiError(status, "server.injectedFault", http.StatusText(status))
}

// dropConnection closes the connection without a response. Without a hijackable
// connection (HTTP/2, ResponseRecorder) it aborts the handler, which net/http
// turns into a reset stream or closed connection.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}
