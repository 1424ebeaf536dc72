package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// API versions the emulator speaks.
const (
	CloudAPIVersion = "2016-07-14"
	ECSVersion      = "2014-05-26"
)

// Server is the emulator: an http.Handler answering RPC requests at "/".
// It is safe for concurrent use.
type Server struct {
	mu          sync.Mutex
	region      string
	creds       map[string]Credential
	instances   []map[string]any
	groups      []map[string]any
	apis        []API
	vpcAccesses []map[string]any
	backendSvcs []map[string]any
	groupQps    map[string][]map[string]any
	instanceQps map[string][]map[string]any
	qpsSeries   map[string][]float64
	sgs         []map[string]any
	enis        []map[string]any
	secondWave  secondWave
	migrations  map[string]Migration
	running     map[string]*migration
	faults      []*faultState
	rng         *rand.Rand
	calls       map[string]int
	nonces      map[string]bool
	nonceOrder  []string
	seq         uint64
	sts         stsState

	logMu sync.Mutex
	log   io.Writer
}

type migration struct {
	target    string
	pollsLeft int
	fail      bool
	err       string
}

// Option configures a Server.
type Option func(*Server)

// WithLog writes one line per request to w: time, action, access key ID,
// HTTP status and error code. Secrets, tokens and signatures are never logged.
func WithLog(w io.Writer) Option { return func(s *Server) { s.log = w } }

// WithSeed seeds the random source that decides whether a fault with a
// probability below 1 fires, so a run can be repeated exactly.
func WithSeed(seed int64) Option { return func(s *Server) { s.rng = rand.New(rand.NewSource(seed)) } }

// maxNonces bounds the memory of used SignatureNonce values.
const maxNonces = 100000

// New returns a Server serving a private copy of w (w itself is never
// modified). Faults listed in the world are active from the start.
func New(w *World, opts ...Option) *Server {
	if w == nil {
		w = &World{}
	}
	s := &Server{
		region:      w.RegionID,
		creds:       map[string]Credential{},
		groupQps:    map[string][]map[string]any{},
		instanceQps: map[string][]map[string]any{},
		qpsSeries:   map[string][]float64{},
		migrations:  map[string]Migration{},
		running:     map[string]*migration{},
		calls:       map[string]int{},
		nonces:      map[string]bool{},
		rng:         rand.New(rand.NewSource(1)),
	}
	if s.region == "" {
		s.region = "cn-hangzhou"
	}
	for _, c := range w.Credentials {
		s.creds[c.AccessKeyID] = c
	}
	s.instances = cloneList(w.Instances)
	s.groups = cloneList(w.Groups)
	s.vpcAccesses = cloneList(w.VpcAccesses)
	s.backendSvcs = cloneList(w.BackendServices)
	s.sgs = cloneList(w.SecurityGroups)
	s.enis = cloneList(w.NetworkInterfaces)
	for _, a := range w.APIs {
		c := a
		c.Fields = clone(a.Fields)
		c.Deployed = make(map[string]map[string]any, len(a.Deployed))
		for st, body := range a.Deployed {
			c.Deployed[st] = clone(body)
		}
		s.apis = append(s.apis, c)
	}
	start := time.Now().UTC().Truncate(time.Minute)
	for id, items := range w.GroupQps {
		s.groupQps[id] = resolveItems(items, start)
	}
	for id, items := range w.InstanceQps {
		s.instanceQps[id] = resolveItems(items, start)
	}
	for id, vs := range w.InstanceQpsSeries {
		s.qpsSeries[id] = append([]float64(nil), vs...)
	}
	for id, m := range w.Migrations {
		s.migrations[id] = m
	}
	s.secondWave = newSecondWave(w)
	for _, o := range opts {
		o(s)
	}
	for _, f := range w.Faults {
		s.AddFault(f)
	}
	return s
}

// AddFault injects f. It panics when f is invalid (see Fault).
func (s *Server) AddFault(f Fault) {
	if err := f.validate(); err != nil {
		panic("emulator: AddFault: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f})
}

// Calls returns how many requests named action were received, whatever
// their outcome (faults and authentication failures included).
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

// Group returns a copy of the current state of a group, or nil when the
// world has no such group. Reading it does not count as a migration poll.
func (s *Server) Group(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.findGroup(id); g != nil {
		return clone(g)
	}
	return nil
}

// UpdateGroup changes the current state of a group in place: f gets the
// group's fields (the DescribeApiGroup body) and may change them. It
// reports whether the group exists. Tests use it to change the cloud
// between two reads, as another operator would.
func (s *Server) UpdateGroup(id string, f func(g map[string]any)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.findGroup(id)
	if g == nil {
		return false
	}
	f(g)
	if v, err := jsonable(g); err == nil {
		for k := range g {
			delete(g, k)
		}
		for k, e := range v.(map[string]any) {
			g[k] = e
		}
	}
	return true
}

// apiError is an error answer of the cloud.
type apiError struct {
	status  int
	code    string
	message string
}

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func missing(name string) *apiError {
	return errorf(400, "MissingParameter", "The input parameter %q that is mandatory for processing this request is not supplied.", name)
}

func invalid(name, value string) *apiError {
	return errorf(400, "InvalidParameter", "The specified parameter %q is not valid: %q.", name, truncate(value, 64))
}

// call is one request being served.
type call struct {
	method    string
	params    map[string]string
	action    string
	product   *product
	requestID string
}

type handler func(s *Server, c *call) (map[string]any, *apiError)

type product struct {
	name    string
	version string
	host    string
	actions map[string]handler
}

var (
	cloudAPI   = &product{name: "CloudAPI", version: CloudAPIVersion, host: "apigateway.%s.aliyuncs.com"}
	ecsProduct = &product{name: "Ecs", version: ECSVersion, host: "ecs.%s.aliyuncs.com"}
	products   = []*product{cloudAPI, ecsProduct}
)

func init() {
	cloudAPI.actions = map[string]handler{
		"DescribeApiGroup":       (*Server).describeAPIGroup,
		"DescribeApiGroups":      (*Server).describeAPIGroups,
		"DescribeInstances":      (*Server).describeInstances,
		"DescribeApis":           (*Server).describeAPIs,
		"DescribeDeployedApi":    (*Server).describeDeployedAPI,
		"DescribeBackendInfo":    (*Server).describeBackendInfo,
		"DescribeApi":            (*Server).describeAPI,
		"DescribeVpcAccesses":    (*Server).describeVpcAccesses,
		"DescribeGroupQps":       (*Server).describeGroupQps,
		"DescribeInstanceQps":    (*Server).describeInstanceQps,
		"ModifyApiGroupInstance": (*Server).modifyAPIGroupInstance,
		// actions_second_wave.go
		"DescribePluginsByGroup":       (*Server).describePluginsByGroup,
		"DescribeApiGroupVpcWhitelist": (*Server).describeAPIGroupVpcWhitelist,
	}
	ecsProduct.actions = map[string]handler{
		"DescribeSecurityGroupAttribute": (*Server).describeSecurityGroupAttribute,
		"DescribeSecurityGroups":         (*Server).describeSecurityGroups,
		"DescribeNetworkInterfaces":      (*Server).describeNetworkInterfaces,
	}
}

// ServeHTTP answers one RPC request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.mu.Lock()
	s.seq++
	c := &call{method: r.Method, requestID: fmt.Sprintf("5E1F0C3A-%04X-4A7D-9C2B-%012X", s.seq>>48, s.seq&0xFFFFFFFFFFFF)}
	s.mu.Unlock()

	params, perr := readParams(r)
	c.params = params
	c.action = params["Action"]
	c.product = productOf(c.action, params["Version"])
	s.mu.Lock()
	s.calls[c.action]++
	s.mu.Unlock()

	logStatus := func(status int, code string) {
		s.logLine(start, c.action, params["AccessKeyId"], status, code)
	}
	fail := func(e *apiError) {
		s.writeError(w, c, e)
		logStatus(e.status, e.code)
	}

	switch {
	case r.URL.Path != "/":
		fail(errorf(404, "InvalidUri", "The RPC endpoint is \"/\"; %q is not served.", truncate(r.URL.Path, 64)))
		return
	case r.Method != http.MethodGet && r.Method != http.MethodPost:
		fail(errorf(405, "UnsupportedHTTPMethod", "Specified HTTP method %s is not supported; use GET or POST.", truncate(r.Method, 16)))
		return
	case perr != nil:
		fail(errorf(400, "InvalidParameter", "The request parameters could not be read: %v.", perr))
		return
	}
	s.mu.Lock()
	e := s.authenticate(c)
	s.mu.Unlock()
	if e != nil {
		fail(e)
		return
	}
	s.recordIdentity(c)
	h, e := route(c)
	if e != nil {
		fail(e)
		return
	}

	f := s.pickFault(c.action)
	if f != nil {
		if f.Latency > 0 && f.Kind != KindSlowBody && !sleep(r.Context(), f.Latency) {
			logStatus(0, "ClientGone")
			return
		}
		if f.Kind == KindRepeatPage {
			c.params["PageNumber"] = "1"
		}
		if !f.modifiesAnswer() && !f.latencyOnly() {
			s.answerFault(w, r, c, h, f, logStatus)
			return
		}
	}

	s.mu.Lock()
	body, e := h(s, c)
	s.mu.Unlock()
	if e != nil {
		fail(e)
		return
	}
	if body == nil {
		body = map[string]any{}
	}
	if f != nil {
		switch f.Kind {
		case KindTotalCount:
			body["TotalCount"] = *f.TotalCount
		case KindQpsUnreadable:
			breakQps(body, f.Variant)
		}
	}
	body["RequestId"] = c.requestID
	s.writeJSON(w, c, http.StatusOK, body)
	logStatus(200, "-")
}

// answerFault gives the answer of a fault that replaces the action's. With
// Apply (and always for KindSlowBody) the action is performed first; an
// action that rejects the request is then answered as usual.
func (s *Server) answerFault(w http.ResponseWriter, r *http.Request, c *call, h handler, f *faultState, logStatus func(int, string)) {
	var real []byte
	if f.Apply || f.Kind == KindSlowBody {
		s.mu.Lock()
		body, e := h(s, c)
		s.mu.Unlock()
		if e != nil {
			s.writeError(w, c, e)
			logStatus(e.status, e.code)
			return
		}
		if body == nil {
			body = map[string]any{}
		}
		body["RequestId"] = c.requestID
		real, _ = json.Marshal(body)
	}
	if real == nil {
		real = []byte(fmt.Sprintf(`{"RequestId":%q}`, c.requestID))
	}
	switch f.Kind {
	case KindReset:
		logStatus(0, "ConnectionReset")
		resetConnection(w)
	case KindMalformed:
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(http.StatusOK)
		fmt.Fprintf(w, `{"RequestId":"%s","Truncat`, c.requestID)
		logStatus(200, "MalformedBody")
	case KindCut:
		s.writeHead(w, c, len(real))
		_, _ = w.Write(real[:len(real)/2])
		flush(w)
		logStatus(200, "BodyCut")
		panic(http.ErrAbortHandler) // closes the connection mid-body
	case KindSlowBody:
		s.writeHead(w, c, len(real))
		_, _ = w.Write(real[:len(real)/2])
		flush(w)
		if !sleep(r.Context(), f.Latency) {
			logStatus(200, "ClientGone")
			return
		}
		_, _ = w.Write(real[len(real)/2:])
		logStatus(200, "SlowBody")
	case KindHTML:
		status := f.Status
		if status == 0 {
			status = http.StatusBadGateway
		}
		text := fmt.Sprintf("%d %s", status, http.StatusText(status))
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n", text, text)
		logStatus(status, "HTML")
	case KindEcho:
		code, status := f.errorCodeStatus()
		msg := messageOf(code) + " server string to sign is:" + StringToSign(c.method, c.params) + " request: " + r.URL.RawQuery
		s.writeError(w, c, &apiError{status: status, code: code, message: msg})
		logStatus(status, code)
	case KindLarge:
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(http.StatusOK)
		head := fmt.Sprintf(`{"RequestId":%q,"Padding":"`, c.requestID)
		left := f.Size - int64(len(head)) - 2
		_, _ = io.WriteString(w, head)
		chunk := []byte(strings.Repeat("x", 64<<10))
		for left > 0 {
			n := min(left, int64(len(chunk)))
			if _, err := w.Write(chunk[:n]); err != nil {
				logStatus(200, "ClientGone")
				return
			}
			left -= n
		}
		_, _ = io.WriteString(w, `"}`)
		logStatus(200, "LargeBody")
	default:
		code, status := f.errorCodeStatus()
		s.writeError(w, c, &apiError{status: status, code: code, message: messageOf(code)})
		logStatus(status, code)
	}
}

// writeHead sends the headers of a JSON answer of n bytes.
func (s *Server) writeHead(w http.ResponseWriter, c *call, n int) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(n))
	w.Header().Set("x-acs-request-id", c.requestID)
	w.WriteHeader(http.StatusOK)
}

func flush(w http.ResponseWriter) {
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

// readParams merges the query string and a form body; a body value wins,
// as the SDK merges them when it signs.
func readParams(r *http.Request) (map[string]string, error) {
	params := map[string]string{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	if r.Method != http.MethodPost {
		return params, nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return params, err
	}
	for k, v := range r.PostForm {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	return params, nil
}

// authenticate checks the access key, security token and signature. Called
// with s.mu held.
func (s *Server) authenticate(c *call) *apiError {
	p := c.params
	if unsignedActions[c.action] {
		return nil
	}
	for _, name := range []string{"AccessKeyId", "Signature", "SignatureMethod", "SignatureNonce", "Timestamp"} {
		if _, ok := p[name]; !ok {
			return missing(name)
		}
	}
	cred, ok := s.creds[p["AccessKeyId"]]
	if !ok {
		return errorf(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	token, hasToken := p["SecurityToken"]
	switch {
	case cred.SecurityToken != "" && !hasToken:
		return errorf(400, "MissingSecurityToken", "SecurityToken is mandatory for this access key (an STS credential).")
	case cred.SecurityToken != "" && token != cred.SecurityToken,
		cred.SecurityToken == "" && token != "":
		return errorf(400, "InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey.")
	}
	if p["SignatureMethod"] != "HMAC-SHA1" {
		return errorf(400, "InvalidSignatureMethod", "Specified signature method %q is not supported; use HMAC-SHA1.", truncate(p["SignatureMethod"], 32))
	}
	if v, ok := p["SignatureVersion"]; ok && v != "1.0" {
		return errorf(400, "InvalidSignatureVersion", "Specified signature version %q is not supported; use 1.0.", truncate(v, 16))
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", p["Timestamp"]); err != nil {
		return errorf(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted (want 2006-01-02T15:04:05Z).")
	}
	if !signatureMatches(c.method, p, cred.AccessKeySecret, p["Signature"]) {
		// As the cloud does, the answer quotes the string-to-sign it
		// computed, security token included.
		return errorf(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation. server string to sign is:%s", StringToSign(c.method, p))
	}
	nonce := p["SignatureNonce"]
	if s.nonces[nonce] {
		return errorf(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
	}
	s.nonces[nonce] = true
	s.nonceOrder = append(s.nonceOrder, nonce)
	if len(s.nonceOrder) > maxNonces {
		delete(s.nonces, s.nonceOrder[0])
		s.nonceOrder = s.nonceOrder[1:]
	}
	return nil
}

func productOf(action, version string) *product {
	for _, p := range products {
		if _, ok := p.actions[action]; ok && p.version == version {
			return p
		}
	}
	for _, p := range products {
		if _, ok := p.actions[action]; ok {
			return p
		}
	}
	return nil
}

// route finds the handler of the call's action and checks its version.
func route(c *call) (handler, *apiError) {
	if c.action == "" {
		return nil, missing("Action")
	}
	if c.product == nil {
		return nil, errorf(404, "InvalidApi.NotFound", "Specified api %q is not found, please check your url and method.", truncate(c.action, 64))
	}
	v, ok := c.params["Version"]
	if !ok {
		return nil, missing("Version")
	}
	if v != c.product.version {
		return nil, errorf(400, "InvalidVersion", "Specified parameter Version %q is not valid for %s (want %s).", truncate(v, 16), c.action, c.product.version)
	}
	if e := checkRequired(c); e != nil {
		return nil, e
	}
	return c.product.actions[c.action], nil
}

// pickFault returns the first fault of action that fires now, if any.
func (s *Server) pickFault(action string) *faultState {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Action != action && f.Action != "*" {
			continue
		}
		if f.Count > 0 && f.fired >= f.Count {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && s.rng.Float64() >= f.Probability {
			continue
		}
		f.fired++
		copied := *f
		return &copied
	}
	return nil
}

// sleep waits d; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// resetConnection closes the client's connection without an answer.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

func (s *Server) hostID(c *call) string {
	p := c.product
	if p == nil {
		p = cloudAPI
	}
	return fmt.Sprintf(p.host, s.region)
}

func (s *Server) writeError(w http.ResponseWriter, c *call, e *apiError) {
	prod := "CloudAPI"
	if c.product != nil {
		prod = c.product.name
	}
	s.writeJSON(w, c, e.status, map[string]any{
		"RequestId": c.requestID,
		"HostId":    s.hostID(c),
		"Code":      e.code,
		"Message":   e.message,
		"Recommend": fmt.Sprintf("https://api.aliyun.com/troubleshoot?q=%s&product=%s", e.code, prod),
	})
}

func (s *Server) writeJSON(w http.ResponseWriter, c *call, status int, body map[string]any) {
	data, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(fmt.Sprintf(`{"RequestId":%q,"Code":"InternalError","Message":"emulator could not encode the answer"}`, c.requestID))
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("x-acs-request-id", c.requestID)
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func (s *Server) logLine(start time.Time, action, key string, status int, code string) {
	if s.log == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.log, "%s action=%s key=%s status=%d code=%s took=%s\n",
		start.UTC().Format("2006-01-02T15:04:05.000Z"), safe(action), safe(key), status, code,
		time.Since(start).Round(time.Microsecond))
}

// safe keeps a client-supplied value on one short, harmless log field.
func safe(v string) string {
	if v == "" {
		return "-"
	}
	v = truncate(v, 64)
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-:*", r) {
			return r
		}
		return '?'
	}, v)
}

func truncate(v string, n int) string {
	if len(v) > n {
		return v[:n] + "..."
	}
	return v
}

func clone(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	v, _ := jsonable(m)
	return v.(map[string]any)
}

func cloneList(list []map[string]any) []map[string]any {
	out := make([]map[string]any, 0, len(list))
	for _, m := range list {
		out = append(out, clone(m))
	}
	return out
}

// resolveItems copies MonitorItems with relative ItemTimes made absolute,
// sorted by time.
func resolveItems(items []map[string]any, start time.Time) []map[string]any {
	out := cloneList(items)
	at := make(map[int]time.Time, len(out))
	for i, it := range out {
		t, err := itemTime(str(it["ItemTime"]), start)
		if err == nil {
			it["ItemTime"] = t.UTC().Format("2006-01-02T15:04:05Z")
		}
		at[i] = t
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return at[idx[a]].Before(at[idx[b]]) })
	sorted := make([]map[string]any, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted
}

// str renders a loose scalar ("80", 80, true) as the API's string form.
func str(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	default:
		return fmt.Sprint(t)
	}
}
