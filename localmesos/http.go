package localmesos

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/flink-mesos/flink-mesos/localmesos/internal/wire"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// maxBodySize bounds a call body. Mesos sets no limit; no real call comes
// near it.
const maxBodySize = 64 << 20

// schedulerRealm is the basic-auth realm of the scheduler endpoint.
const schedulerRealm = "mesos-master-scheduler"

// response is an answer decided away from the ResponseWriter.
type response struct {
	status  int
	body    string
	headers map[string]string
}

func (r response) write(w http.ResponseWriter) {
	for k, v := range r.headers {
		w.Header().Set(k, v)
	}
	if r.body != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(r.body)))
	w.WriteHeader(r.status)
	io.WriteString(w, r.body)
}

func accepted() response { return response{status: http.StatusAccepted} }

func badRequest(msg string) response { return response{status: http.StatusBadRequest, body: msg} }

func forbidden(msg string) response { return response{status: http.StatusForbidden, body: msg} }

func (m *Master) handler(inst *instance) http.Handler {
	mux := http.NewServeMux()
	scheduler := func(w http.ResponseWriter, r *http.Request) { m.scheduler(inst, w, r) }
	mux.HandleFunc("/api/v1/scheduler", scheduler)
	mux.HandleFunc("/master/api/v1/scheduler", scheduler)
	redirect := func(w http.ResponseWriter, r *http.Request) { m.redirectEndpoint(w, r) }
	mux.HandleFunc("/redirect", redirect)
	mux.HandleFunc("/master/redirect", redirect)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		response{status: http.StatusNotFound, body: "404 Not Found."}.write(w)
	})
	return mux
}

// redirectEndpoint is GET /redirect: a 307 to the leader's base URL
// (src/master/http.cpp Master::Http::redirect).
func (m *Master) redirectEndpoint(w http.ResponseWriter, r *http.Request) {
	if m.leaderless.Load() {
		response{status: http.StatusServiceUnavailable, body: "No leader elected"}.write(w)
		return
	}
	response{status: http.StatusTemporaryRedirect, headers: map[string]string{
		"Location": "//" + m.leader.Load().hostPort,
	}}.write(w)
}

// scheduler serves /api/v1/scheduler with the checks of src/master/http.cpp
// Master::Http::scheduler, in its order.
func (m *Master) scheduler(inst *instance, w http.ResponseWriter, r *http.Request) {
	// 0. libprocess authenticates before the handler runs.
	principal := ""
	if m.cfg.Credentials != nil {
		p, ok := m.authenticate(r)
		if !ok {
			m.reject(w, nil, response{status: http.StatusUnauthorized, body: "401 Unauthorized.",
				headers: map[string]string{"WWW-Authenticate": `Basic realm="` + schedulerRealm + `"`}})
			return
		}
		principal = p
	}
	// 2. Not the leader: redirect, or 503 when no leader is known.
	if m.leaderless.Load() {
		m.reject(w, nil, response{status: http.StatusServiceUnavailable, body: "No leader elected"})
		return
	}
	if leader := m.leader.Load(); leader.instance != inst.n {
		// The delegate rewrites /api/v1/scheduler to /master/api/v1/scheduler
		// before the handler builds the Location from the request URL.
		loc := "//" + leader.hostPort + "/master/api/v1/scheduler"
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		m.reject(w, nil, response{status: http.StatusTemporaryRedirect, headers: map[string]string{"Location": loc}})
		return
	}
	// 3. Registry recovery.
	if m.recovering.Load() {
		m.reject(w, nil, response{status: http.StatusServiceUnavailable, body: "Master has not finished recovery"})
		return
	}
	// 4. Method.
	if r.Method != http.MethodPost {
		m.reject(w, nil, response{status: http.StatusMethodNotAllowed,
			body:    "405 Method Not Allowed. Expecting one of { 'POST' }, but received '" + r.Method + "'.",
			headers: map[string]string{"Allow": "POST"}})
		return
	}
	// 5, 6. Content-Type and body.
	if len(r.Header.Values("Content-Type")) == 0 {
		m.reject(w, nil, badRequest("Expecting 'Content-Type' to be present"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodySize+1))
	if err != nil {
		// The client went away mid-request; nobody reads an answer.
		return
	}
	if len(body) > maxBodySize {
		m.reject(w, nil, response{status: http.StatusRequestEntityTooLarge,
			body: "Request body larger than " + strconv.Itoa(maxBodySize) + " bytes"})
		return
	}
	call, err := wire.DecodeCall(r.Header.Get("Content-Type"), body)
	if err != nil {
		var de *wire.DecodeError
		if errors.As(err, &de) {
			m.reject(w, nil, response{status: de.Status, body: de.Msg})
			return
		}
		m.reject(w, nil, badRequest(err.Error()))
		return
	}
	// 7. Call validation.
	if msg := validateCall(call, principal, m.cfg.Credentials != nil); msg != "" {
		m.reject(w, call, badRequest("Failed to validate scheduler::Call: "+msg))
		return
	}
	// 8. Accept negotiation, only where the answer has a body.
	mediaType := ""
	if t := call.GetType(); t == mesospb.Call_SUBSCRIBE || t == mesospb.Call_RECONCILE_OPERATIONS {
		acceptHeader, present := joinedHeader(r, "Accept")
		switch {
		case acceptsMediaType(acceptHeader, present, wire.JSON):
			mediaType = wire.JSON
		case acceptsMediaType(acceptHeader, present, wire.Protobuf):
			mediaType = wire.Protobuf
		default:
			m.reject(w, call, response{status: http.StatusNotAcceptable,
				body: "Expecting 'Accept' to allow '" + wire.Protobuf + "' or '" + wire.JSON + "'"})
			return
		}
	}
	// 9. SUBSCRIBE.
	if call.GetType() == mesospb.Call_SUBSCRIBE {
		if len(r.Header.Values("Mesos-Stream-Id")) > 0 {
			m.reject(w, call, badRequest("Subscribe calls should not include the 'Mesos-Stream-Id' header"))
			return
		}
		m.subscribeHTTP(w, r, call, principal, mediaType)
		return
	}
	// 10, 11. Every other call is checked against the framework and
	// applied on the loop.
	streamID, hasStreamID := "", len(r.Header.Values("Mesos-Stream-Id")) > 0
	if hasStreamID {
		streamID = r.Header.Get("Mesos-Stream-Id")
	}
	var resp response
	if err := m.do(func(s *state) {
		s.recordCall(call)
		resp = s.dispatch(call, principal, m.cfg.Credentials != nil, hasStreamID, streamID)
		if resp.status >= 400 {
			s.recordProtocolError(protocolError(call, resp))
		}
	}); err != nil {
		resp = response{status: http.StatusServiceUnavailable, body: "Master is shutting down"}
	}
	resp.write(w)
}

// reject answers with an error response and records it (and the call, if
// one was parsed).
func (m *Master) reject(w http.ResponseWriter, call *mesospb.Call, resp response) {
	m.do(func(s *state) {
		if call != nil {
			s.recordCall(call)
		}
		s.recordProtocolError(protocolError(call, resp))
	})
	resp.write(w)
}

func protocolError(call *mesospb.Call, resp response) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(resp.status))
	if call != nil && call.Type != nil {
		b.WriteString(" " + call.GetType().String())
	}
	if resp.body != "" {
		b.WriteString(": " + resp.body)
	}
	if loc, ok := resp.headers["Location"]; ok {
		b.WriteString(" Location: " + loc)
	}
	return b.String()
}

// authenticate checks HTTP basic credentials as libprocess'
// BasicAuthenticatorProcess does: "Basic" and one token, a base64 value
// with exactly one ':'.
func (m *Master) authenticate(r *http.Request) (string, bool) {
	h := r.Header.Values("Authorization")
	if len(h) == 0 {
		return "", false
	}
	parts := strings.Split(h[0], " ")
	if len(parts) != 2 || parts[0] != "Basic" {
		return "", false
	}
	decoded, err := wire.Base64Decode(parts[1])
	if err != nil {
		return "", false
	}
	cred := bytes.Split(decoded, []byte(":"))
	if len(cred) != 2 {
		return "", false
	}
	secret, ok := m.cfg.Credentials[string(cred[0])]
	if !ok || secret != string(cred[1]) {
		return "", false
	}
	return string(cred[0]), true
}

func joinedHeader(r *http.Request, name string) (string, bool) {
	v := r.Header.Values(name)
	if len(v) == 0 {
		return "", false
	}
	return strings.Join(v, ","), true
}

// acceptsMediaType is libprocess' Request::_acceptsMediaType: no header
// accepts everything; otherwise the first of "type/subtype", "type/*",
// "*/*" found in the list decides, accepted unless its q is 0 (or not a
// number). q-values never rank.
func acceptsMediaType(header string, present bool, mediaType string) bool {
	typ, _, ok := strings.Cut(mediaType, "/")
	if !ok {
		return false
	}
	if !present {
		return true
	}
	header = strings.NewReplacer(" ", "", "\t", "", "\n", "").Replace(header)
	for _, candidate := range []string{mediaType, typ + "/*", "*/*"} {
		for _, entry := range tokenize(header, ",") {
			params := tokenize(entry, ";")
			if len(params) == 0 || !strings.EqualFold(params[0], candidate) {
				continue
			}
			var qs []string
			for _, p := range params {
				kv := tokenize(p, "=")
				if len(kv) == 2 && kv[0] == "q" {
					qs = append(qs, kv[1])
				}
			}
			if len(qs) != 1 {
				return true
			}
			q, err := strconv.ParseFloat(qs[0], 64)
			return err == nil && q > 0
		}
	}
	return false
}

// validateCall is validation::scheduler::call::validate
// (src/master/validation.cpp) after decoding; it returns the message or "".
func validateCall(call *mesospb.Call, principal string, authenticated bool) string {
	if call.Type == nil {
		return "Expecting 'type' to be present"
	}
	if call.GetType() == mesospb.Call_SUBSCRIBE {
		if call.Subscribe == nil {
			return "Expecting 'subscribe' to be present"
		}
		info := call.Subscribe.GetFrameworkInfo()
		if info.GetId().GetValue() != call.GetFrameworkId().GetValue() {
			return "'framework_id' differs from 'subscribe.framework_info.id'"
		}
		if authenticated && info.Principal != nil && info.GetPrincipal() != principal {
			return "Authenticated principal '" + principal + "' does not match principal '" + info.GetPrincipal() + "' set in `FrameworkInfo`"
		}
		return ""
	}
	if call.FrameworkId == nil {
		return "Expecting 'framework_id' to be present"
	}
	present := map[mesospb.Call_Type]struct {
		set  bool
		name string
	}{
		mesospb.Call_ACCEPT:                       {call.Accept != nil, "accept"},
		mesospb.Call_DECLINE:                      {call.Decline != nil, "decline"},
		mesospb.Call_ACCEPT_INVERSE_OFFERS:        {call.AcceptInverseOffers != nil, "accept_inverse_offers"},
		mesospb.Call_DECLINE_INVERSE_OFFERS:       {call.DeclineInverseOffers != nil, "decline_inverse_offers"},
		mesospb.Call_KILL:                         {call.Kill != nil, "kill"},
		mesospb.Call_SHUTDOWN:                     {call.Shutdown != nil, "shutdown"},
		mesospb.Call_ACKNOWLEDGE:                  {call.Acknowledge != nil, "acknowledge"},
		mesospb.Call_ACKNOWLEDGE_OPERATION_STATUS: {call.AcknowledgeOperationStatus != nil, "acknowledge_operation_status"},
		mesospb.Call_RECONCILE:                    {call.Reconcile != nil, "reconcile"},
		mesospb.Call_RECONCILE_OPERATIONS:         {call.ReconcileOperations != nil, "reconcile_operations"},
		mesospb.Call_MESSAGE:                      {call.Message != nil, "message"},
		mesospb.Call_REQUEST:                      {call.Request != nil, "request"},
		mesospb.Call_UPDATE_FRAMEWORK:             {call.UpdateFramework != nil, "update_framework"},
	}
	if p, ok := present[call.GetType()]; ok && !p.set {
		return "Expecting '" + p.name + "' to be present"
	}
	switch call.GetType() {
	case mesospb.Call_ACKNOWLEDGE:
		if !validUUID(call.Acknowledge.GetUuid()) {
			return "Not a valid UUID"
		}
	case mesospb.Call_ACKNOWLEDGE_OPERATION_STATUS:
		if !validUUID(call.AcknowledgeOperationStatus.GetUuid()) {
			return "Not a valid UUID"
		}
		if call.AcknowledgeOperationStatus.AgentId == nil {
			return "Expecting 'agent_id' to be present"
		}
	case mesospb.Call_UPDATE_FRAMEWORK:
		if call.GetFrameworkId().GetValue() != call.UpdateFramework.GetFrameworkInfo().GetId().GetValue() {
			return "'framework_id' differs from 'update_framework.framework_info.id'"
		}
	}
	return ""
}

// validUUID is stout's UUID::fromBytes test: 16 bytes whose version
// nibble (byte 6) is one boost knows, 1 to 5.
func validUUID(b []byte) bool {
	if len(b) != 16 {
		return false
	}
	v := b[6] >> 4
	return v >= 1 && v <= 5
}
