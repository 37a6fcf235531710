//go:build linux

package smoke

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"
)

// function is one Lambda function of template.yaml as `sam local invoke`
// runs it: its bootstrap and the environment SAM gives it.
type function struct {
	ID        string // logical id
	Bootstrap string
	Env       map[string]string
	Timeout   time.Duration
	MemoryMB  int
}

// loadFunction reads the function's environment as SAM computes it: every
// variable declared in Globals or in the function's own Environment (the
// function winning), with template literals as defaults (intrinsics such as
// !Ref resolve to ""), overridden by env.json's Parameters and then by its
// section for the function. Keys the template does not declare are dropped,
// as SAM drops them. Timeout and MemorySize come from the same two places.
func loadFunction(root, id, bootstrap string) (function, error) {
	tpl, err := readTemplate(filepath.Join(root, "template.yaml"))
	if err != nil {
		return function{}, err
	}
	res := lookup(tpl, "Resources", id)
	if res == nil || scalar(lookup(res, "Type")) != "AWS::Serverless::Function" {
		return function{}, fmt.Errorf("template.yaml has no function %s", id)
	}
	globals, props := lookup(tpl, "Globals", "Function"), lookup(res, "Properties")
	env := map[string]string{}
	for _, scope := range []*yaml.Node{globals, props} {
		vars := lookup(scope, "Environment", "Variables")
		for i := 0; vars != nil && i+1 < len(vars.Content); i += 2 {
			env[vars.Content[i].Value] = scalar(vars.Content[i+1])
		}
	}
	raw, err := os.ReadFile(filepath.Join(root, "env.json"))
	if err != nil {
		return function{}, err
	}
	var overrides map[string]map[string]string
	if err := json.Unmarshal(raw, &overrides); err != nil {
		return function{}, fmt.Errorf("env.json: %w", err)
	}
	for _, section := range []string{"Parameters", id} {
		for k, v := range overrides[section] {
			if _, declared := env[k]; declared {
				env[k] = v
			}
		}
	}
	fn := function{ID: id, Bootstrap: bootstrap, Env: env, Timeout: 3 * time.Second, MemoryMB: 128} // SAM's defaults
	for _, scope := range []*yaml.Node{globals, props} {
		if n, err := strconv.Atoi(scalar(lookup(scope, "Timeout"))); err == nil {
			fn.Timeout = time.Duration(n) * time.Second
		}
		if n, err := strconv.Atoi(scalar(lookup(scope, "MemorySize"))); err == nil {
			fn.MemoryMB = n
		}
	}
	return fn, nil
}

func readTemplate(path string) (*yaml.Node, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s is empty", path)
	}
	return doc.Content[0], nil
}

// lookup follows mapping keys from n; nil when one is missing.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, key := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// scalar is a plain scalar's value; "" for intrinsics (!Ref, !Sub…), which
// only CloudFormation resolves, and for anything else.
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return ""
	}
	return n.Value
}

// environ is the process environment of the emulator, which passes all of
// it on to the function: the function's variables and what the Lambda
// service itself sets (region, credentials, name, memory, timeout). Nothing
// is inherited from the test's own environment.
func (f function) environ() []string {
	env := map[string]string{
		"PATH": "/usr/local/bin:/usr/bin:/bin", "TZ": ":UTC", "LANG": "en_US.UTF-8",
		"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "smoke", "AWS_SECRET_ACCESS_KEY": "smoke", "AWS_SESSION_TOKEN": "smoke",
		"AWS_LAMBDA_FUNCTION_NAME": f.ID, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "_HANDLER": "bootstrap",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.MemoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     strconv.Itoa(int(f.Timeout / time.Second)),
	}
	for k, v := range f.Env {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// emulator is a running aws-lambda-rie serving one function.
type emulator struct {
	fn      function
	url     string
	cmd     *exec.Cmd
	exited  chan struct{}
	reports chan report

	mu  sync.Mutex
	log bytes.Buffer // the emulator's and the function's output
}

// report is what the emulator prints about one invocation, in ms: its
// REPORT line (Duration; Init Duration on the first after a start) and, on
// the first, the runtime's init as its "INIT REPORT" log line measures it.
// The REPORT line's Init Duration times only the emulator's asynchronous
// Init call (hundredths of a ms); INIT REPORT runs from the bootstrap's
// start to its first request for an invocation, which is Lambda's Init
// Duration.
type report struct {
	Duration, InitDuration, RuntimeInit float64
}

var (
	reportRe     = regexp.MustCompile(`^REPORT RequestId: \S+\s+(?:Init Duration: ([0-9.]+) ms\s+)?Duration: ([0-9.]+) ms`)
	initReportRe = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
)

// startEmulator runs fn's bootstrap under the emulator at rie, listening on
// free ports of 127.0.0.1 only (invocations and the Runtime API), and waits
// until it accepts connections.
func startEmulator(rie string, fn function, stop *stopper) (*emulator, error) {
	invokeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	runtimeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(rie, "--log-level", "info", // info: its INIT REPORT line
		"--runtime-interface-emulator-address", invokeAddr, "--runtime-api-address", runtimeAddr, fn.Bootstrap)
	cmd.Dir = filepath.Dir(fn.Bootstrap) // /var/task
	cmd.Env = fn.environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // dies with the test
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	e := &emulator{fn: fn, url: "http://" + invokeAddr + "/2015-03-31/functions/function/invocations", cmd: cmd,
		exited: make(chan struct{}), reports: make(chan report, 64)}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop.add(fn.ID+" emulator", e.stop)
	go e.read(out)
	if err := waitListening(invokeAddr, e.exited, 10*time.Second); err != nil {
		return nil, fmt.Errorf("%s: the emulator %w; its output:\n%s", fn.ID, err, e.output())
	}
	return e, nil
}

func (e *emulator) read(out io.Reader) {
	defer close(e.exited)
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var runtimeInit float64
	for sc.Scan() {
		line := sc.Text()
		e.mu.Lock()
		e.log.WriteString(line + "\n")
		e.mu.Unlock()
		if m := initReportRe.FindStringSubmatch(line); m != nil {
			runtimeInit, _ = strconv.ParseFloat(m[1], 64)
		}
		if m := reportRe.FindStringSubmatch(line); m != nil {
			r := report{RuntimeInit: runtimeInit}
			r.InitDuration, _ = strconv.ParseFloat(m[1], 64)
			r.Duration, _ = strconv.ParseFloat(m[2], 64)
			runtimeInit = 0
			e.reports <- r
		}
	}
	_ = e.cmd.Wait()
}

func (e *emulator) output() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.log.String()
}

// invoke sends one event, as `sam local invoke` does, and returns the
// emulator's HTTP status, the function's answer and the invocation's
// REPORT line (the emulator prints it before it answers).
func (e *emulator) invoke(ctx context.Context, event []byte) (int, []byte, report, error) {
	ctx, cancel := context.WithTimeout(ctx, e.fn.Timeout+5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(event))
	if err != nil {
		return 0, nil, report{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, report{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, report{}, err
	}
	select {
	case r := <-e.reports:
		return resp.StatusCode, body, r, nil
	case <-e.exited:
		return resp.StatusCode, body, report{}, errors.New("the emulator exited before printing its REPORT line")
	case <-ctx.Done():
		return resp.StatusCode, body, report{}, errors.New("no REPORT line from the emulator")
	}
}

// stop ends the emulator and the function it started. On SIGTERM the
// emulator kills the runtime itself; if it does not exit in time, its
// children (the bootstrap, in a process group of its own) and it are
// killed.
func (e *emulator) stop() {
	if e.cmd.Process == nil {
		return
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.exited:
		return
	case <-time.After(2 * time.Second):
	}
	for _, pid := range children(e.cmd.Process.Pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	_ = e.cmd.Process.Kill()
	select {
	case <-e.exited:
	case <-time.After(5 * time.Second):
	}
}

// children lists the processes whose parent is pid (from /proc).
func children(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		rest := string(raw[bytes.LastIndexByte(raw, ')')+1:])
		fields := strings.Fields(rest)
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			child, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
			out = append(out, child)
		}
	}
	return out
}

// freeAddr is a loopback address with a port the kernel just handed out.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitListening polls addr until it accepts a connection, the process
// exits (exited closes) or the deadline passes.
func waitListening(addr string, exited <-chan struct{}, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-exited:
			return errors.New("exited before listening on " + addr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("did not listen on %s within %s", addr, within)
		}
	}
}

// stopper stops what the test started, in reverse order, once: at the
// test's end or on SIGINT/SIGTERM (go test's interrupt).
type stopper struct {
	mu    sync.Mutex
	stops []func()
}

// add registers stop; name says what it stops (for the reader).
func (s *stopper) add(_ string, stop func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stops = append(s.stops, stop)
}

func (s *stopper) stopAll() {
	s.mu.Lock()
	stops := s.stops
	s.stops = nil
	s.mu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
}
