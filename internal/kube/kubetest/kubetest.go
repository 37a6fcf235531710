// Package kubetest runs a real Kubernetes control plane for tests: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok (fake
// nodes whose pods become Ready, or crash-loop for CrashLoopImage), built
// at pinned versions by scripts/kube-tools.sh. Everything listens on free
// loopback ports with certificates and tokens generated per run, and every
// process it starts is stopped again: by Stop, and by the kernel when the
// test binary dies (each process runs in its own process group with a
// parent-death signal).
//
// The binaries are found through the environment variable BinDirEnv, which
// `make test-kube` sets; without it the tests that call Shared are skipped
// with a message saying so. One control plane serves all the tests of a
// package: call Shared from the tests and Main from TestMain.
package kubetest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slipway-paas/slipway/internal/kube"
)

// BinDirEnv names the directory holding the control plane's binaries.
const BinDirEnv = "SLIPWAY_KUBE_BIN"

// Images the fake nodes treat specially (stages.yaml): pods of
// CrashLoopImage crash-loop (CrashLoopBackOff, 5 restarts) instead of
// becoming Ready; pods of NeverReadyImage run but never become Ready; pods
// of SlowStopImage stay terminating for 4 seconds. Any other image runs
// and is Ready at once.
const (
	CrashLoopImage  = "registry.invalid/slipway/crashloop:1"
	NeverReadyImage = "registry.invalid/slipway/never-ready:1"
	SlowStopImage   = "registry.invalid/slipway/slow-stop:1"
)

// The identities of the generated tokens. PipelineUser and ScaleUser are in
// the Kubernetes groups template.yaml's access entries give the functions.
const (
	AdminUser    = "kubetest-admin"
	NoRightsUser = "kubetest-nobody"
	PipelineUser = "kubetest-pipeline-function"
	ScaleUser    = "kubetest-applications-function"
)

// NodeName is the fake node's name.
const NodeName = "kwok-node-0"

// startTimeout bounds the start of the whole control plane.
const startTimeout = 90 * time.Second

//go:embed stages.yaml
var stages []byte

// ControlPlane is a running control plane.
type ControlPlane struct {
	// Server is the API server's URL; CA the PEM of the CA its certificate
	// chains to.
	Server string
	CA     []byte
	// Tokens: AdminToken is in system:masters; NoRightsToken is
	// authenticated with no rights; PipelineToken and ScaleToken are in
	// kube.PipelineGroup and kube.ScaleGroup.
	AdminToken, NoRightsToken, PipelineToken, ScaleToken string
	// Started is how long Start took until the fake node was Ready.
	Started time.Duration
	// Kubeconfig is a kubeconfig file for the server with AdminToken.
	Kubeconfig string

	dir   string
	procs []*process
	http  *http.Client
}

type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// Config is a kube.Config for the API server, authenticated with token.
func (cp *ControlPlane) Config(token string) kube.Config {
	return kube.Config{Server: cp.Server, CAData: cp.CA, ClusterName: "kubetest", Token: kube.StaticToken(token)}
}

// Cluster is the adapter for the API server with token.
func (cp *ControlPlane) Cluster(t testing.TB, token string) *kube.Cluster {
	t.Helper()
	k, err := kube.New(cp.Config(token))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var shared struct {
	once sync.Once
	cp   *ControlPlane
	err  error
}

// Shared returns the package's control plane, starting it on first use.
// Without BinDirEnv it skips t.
func Shared(t testing.TB) *ControlPlane {
	t.Helper()
	bin := os.Getenv(BinDirEnv)
	if bin == "" {
		t.Skipf("kube tests skipped: %s is not set; `make test-kube` builds the control plane (scripts/kube-tools.sh) and runs them", BinDirEnv)
	}
	shared.once.Do(func() { shared.cp, shared.err = Start(bin) })
	if shared.err != nil {
		t.Fatalf("starting the control plane from %s: %v", bin, shared.err)
	}
	return shared.cp
}

// Main runs the package's tests and stops the shared control plane; call
// it from TestMain: os.Exit(kubetest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if shared.cp != nil {
		if testing.Verbose() {
			fmt.Printf("kubetest: control plane started in %v; RSS now %d MiB\n", shared.cp.Started.Round(time.Millisecond), shared.cp.RSS()>>20)
		}
		shared.cp.Stop()
	}
	return code
}

// Start starts a control plane from the binaries in bin. A start that
// fails on a port taken in the meantime is retried with other ports.
func Start(bin string) (*ControlPlane, error) {
	for _, b := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			return nil, fmt.Errorf("kubetest: %w (build the control plane with scripts/kube-tools.sh)", err)
		}
	}
	var err error
	for range 3 {
		var cp *ControlPlane
		if cp, err = start(bin); err == nil {
			return cp, nil
		}
	}
	return nil, err
}

func start(bin string) (cp *ControlPlane, err error) {
	began := time.Now()
	dir, err := os.MkdirTemp("", "kubetest-")
	if err != nil {
		return nil, err
	}
	cp = &ControlPlane{dir: dir}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w%s", err, cp.logTails())
			cp.Stop()
		}
	}()
	creds, err := writeCredentials(dir)
	if err != nil {
		return cp, err
	}
	cp.CA = creds.caPEM
	cp.AdminToken, cp.NoRightsToken, cp.PipelineToken, cp.ScaleToken = creds.tokens[0], creds.tokens[1], creds.tokens[2], creds.tokens[3]
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(creds.caPEM)
	cp.http = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	ports, err := freePorts(3)
	if err != nil {
		return cp, err
	}
	etcdClient, etcdPeer, apiPort := ports[0], ports[1], ports[2]
	cp.Server = "https://127.0.0.1:" + strconv.Itoa(apiPort)
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()

	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdClient)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(etcdPeer)
	if err := cp.run(bin, "etcd", "--name=kubetest", "--data-dir="+filepath.Join(dir, "etcd"), "--unsafe-no-fsync",
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL, "--initial-cluster=kubetest="+peerURL,
		"--log-level=warn"); err != nil {
		return cp, err
	}
	if err := cp.waitFor(ctx, "etcd", func() bool {
		resp, err := http.Get(etcdURL + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}); err != nil {
		return cp, err
	}
	if err := cp.run(bin, "kube-apiserver", "--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+strconv.Itoa(apiPort),
		"--endpoint-reconciler-type=none", "--cert-dir="+dir,
		"--tls-cert-file="+creds.serverCert, "--tls-private-key-file="+creds.serverKey,
		"--token-auth-file="+creds.tokenFile, "--authorization-mode=RBAC", "--anonymous-auth=false",
		"--service-account-issuer=https://kubernetes.default.svc", "--service-account-key-file="+creds.saPub,
		"--service-account-signing-key-file="+creds.saKey, "--service-cluster-ip-range=10.96.0.0/16",
		"--allow-privileged=true",
		// No not-ready taint on the fake node (see the wait for it below).
		"--disable-admission-plugins=TaintNodesByCondition", "--profiling=false", "--enable-priority-and-fairness=false", "--v=0"); err != nil {
		return cp, err
	}
	if err := cp.waitFor(ctx, "kube-apiserver", func() bool {
		code, _, err := cp.Do(context.Background(), cp.AdminToken, http.MethodGet, "/readyz", nil)
		return err == nil && code == http.StatusOK
	}); err != nil {
		return cp, err
	}
	kubeconfig, err := cp.writeKubeconfig(creds.caFile)
	if err != nil {
		return cp, err
	}
	cp.Kubeconfig = kubeconfig
	stagesFile := filepath.Join(dir, "kwok-stages.yaml")
	if err := os.WriteFile(stagesFile, stages, 0o600); err != nil {
		return cp, err
	}
	for _, p := range [][]string{
		// --use-service-account-credentials: under RBAC the Deployment controller
		// does nothing without it. No node lifecycle controller: kwok's nodes
		// send no heartbeats, and nothing here needs evictions.
		{"kube-controller-manager", "--kubeconfig=" + kubeconfig, "--use-service-account-credentials=true", "--leader-elect=false",
			"--secure-port=0", "--root-ca-file=" + creds.caFile, "--service-account-private-key-file=" + creds.saKey,
			"--controllers=deployment-controller,replicaset-controller,garbage-collector-controller,namespace-controller," +
				"resourcequota-controller,serviceaccount-controller,serviceaccount-token-controller,job-controller"},
		{"kube-scheduler", "--kubeconfig=" + kubeconfig, "--leader-elect=false", "--secure-port=0"},
		{"kwok", "--kubeconfig=" + kubeconfig, "--config=" + stagesFile, "--manage-all-nodes=false",
			"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake"},
	} {
		if err := cp.run(bin, p[0], p[1:]...); err != nil {
			return cp, err
		}
	}
	node := map[string]any{"apiVersion": "v1", "kind": "Node", "metadata": map[string]any{
		"name": NodeName, "annotations": map[string]string{"kwok.x-k8s.io/node": "fake"}, "labels": map[string]string{"type": "kwok", "kubernetes.io/hostname": NodeName},
	}}
	if code, body, err := cp.Do(ctx, cp.AdminToken, http.MethodPost, "/api/v1/nodes", node); err != nil || code != http.StatusCreated {
		return cp, fmt.Errorf("kubetest: creating the fake node: %d %s %v", code, body, err)
	}
	// Ready and untainted: the scheduler places no pod on a tainted node. The
	// TaintNodesByCondition admission plugin (disabled above) would taint the
	// new node node.kubernetes.io/not-ready:NoSchedule, and only the node
	// lifecycle controller (not run: kwok's nodes send no heartbeats) lifts it.
	if err := cp.waitFor(ctx, "the fake node to be Ready and untainted (kwok)", func() bool {
		var n struct {
			Spec struct {
				Taints []json.RawMessage `json:"taints"`
			} `json:"spec"`
			Status struct {
				Conditions []kube.Condition `json:"conditions"`
			} `json:"status"`
		}
		if cp.getJSON(cp.AdminToken, "/api/v1/nodes/"+NodeName, &n) != nil || len(n.Spec.Taints) > 0 {
			return false
		}
		for _, c := range n.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				return true
			}
		}
		return false
	}); err != nil {
		return cp, err
	}
	if err := cp.waitFor(ctx, "the default service account (kube-controller-manager)", func() bool {
		return cp.getJSON(cp.AdminToken, "/api/v1/namespaces/default/serviceaccounts/default", &struct{}{}) == nil
	}); err != nil {
		return cp, err
	}
	cp.Started = time.Since(began)
	return cp, nil
}

// run starts one binary with its log in the temp dir.
func (cp *ControlPlane) run(bin, name string, args ...string) error {
	logPath := filepath.Join(cp.dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(bin, name), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = cp.dir
	// Its own process group (Stop kills it whole); SIGKILL when the test binary dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("kubetest: starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	cp.procs = append(cp.procs, p)
	return nil
}

// waitFor polls ready every 100 ms until it holds, a process exits, or ctx ends.
func (cp *ControlPlane) waitFor(ctx context.Context, what string, ready func() bool) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if ready() {
			return nil
		}
		for _, p := range cp.procs {
			select {
			case <-p.done:
				return fmt.Errorf("kubetest: %s exited (%v) while waiting for %s", p.name, p.err, what)
			default:
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kubetest: waiting for %s: %w", what, ctx.Err())
		case <-tick.C:
		}
	}
}

// Stop stops every process (SIGTERM to its group, SIGKILL after 5 s) and
// removes the temp dir.
func (cp *ControlPlane) Stop() {
	for i := len(cp.procs) - 1; i >= 0; i-- {
		p := cp.procs[i]
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	}
	cp.procs = nil
	if cp.dir != "" {
		_ = os.RemoveAll(cp.dir)
	}
}

// RSS is the resident memory of all the control plane's processes, in bytes.
func (cp *ControlPlane) RSS() int64 {
	var total int64
	for _, p := range cp.procs {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				total += kb << 10
			}
		}
	}
	return total
}

func (cp *ControlPlane) logTails() string {
	var b strings.Builder
	for _, p := range cp.procs {
		data, _ := os.ReadFile(p.log)
		if len(data) > 2000 {
			data = data[len(data)-2000:]
		}
		fmt.Fprintf(&b, "\n--- %s log (tail) ---\n%s", p.name, data)
	}
	return b.String()
}

// Do sends a request to the API server with token (body marshalled as JSON
// unless it is []byte) and returns the status code and body.
func (cp *ControlPlane) Do(ctx context.Context, token, method, path string, body any) (int, []byte, error) {
	var r io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(data)
	}
	if method == http.MethodPatch {
		contentType = "application/apply-patch+yaml"
	}
	req, err := http.NewRequestWithContext(ctx, method, cp.Server+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	resp, err := cp.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// getJSON GETs path and decodes a 200 answer into out.
func (cp *ControlPlane) getJSON(token, path string, out any) error {
	code, body, err := cp.Do(context.Background(), token, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, code, body)
	}
	return json.Unmarshal(body, out)
}

// Get GETs path as admin and decodes the answer into out, failing t on any
// error.
func (cp *ControlPlane) Get(t testing.TB, path string, out any) {
	t.Helper()
	if err := cp.getJSON(cp.AdminToken, path, out); err != nil {
		t.Fatal(err)
	}
}

// MustDo sends a request as admin and fails t unless the answer is a 2xx.
func (cp *ControlPlane) MustDo(t testing.TB, method, path string, body any) []byte {
	t.Helper()
	code, data, err := cp.Do(context.Background(), cp.AdminToken, method, path, body)
	if err != nil || code/100 != 2 {
		t.Fatalf("%s %s: %d %s %v", method, path, code, data, err)
	}
	return data
}

// Eventually calls check every 100 ms until it returns nil, failing t with
// its last error after timeout.
func Eventually(t testing.TB, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(100 * time.Millisecond) // waiting on the cluster's controllers, which run in real time
	}
}

func (cp *ControlPlane) writeKubeconfig(caFile string) (string, error) {
	path := filepath.Join(cp.dir, "admin.kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kubetest
  cluster: {server: %q, certificate-authority: %q}
users:
- name: admin
  user: {token: %q}
contexts:
- name: kubetest
  context: {cluster: kubetest, user: admin}
current-context: kubetest
`, cp.Server, caFile, cp.AdminToken)
	return path, os.WriteFile(path, []byte(cfg), 0o600)
}

// freePorts picks n distinct free loopback ports below the ephemeral range
// (32768+), so that no outgoing connection takes one before its server binds.
func freePorts(n int) ([]int, error) {
	seen := map[int]bool{}
	var out []int
	for tries := 0; len(out) < n; tries++ {
		if tries > 500 {
			return nil, errors.New("kubetest: no free loopback port")
		}
		p := 20000 + rand.IntN(12000)
		if seen[p] {
			continue
		}
		seen[p] = true
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		l.Close()
		out = append(out, p)
	}
	return out, nil
}
