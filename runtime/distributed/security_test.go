package distributed

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/client"
)

// selfSigned writes a CA-capable certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sluice-test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:        true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestForwardOverTLSWithAuth: workers serving HTTPS with basic auth
// advertise https URLs; a write sent to a follower with the user's
// credentials is forwarded to the leader over TLS with those credentials
// and applied; without credentials the follower answers 401.
func TestForwardOverTLSWithAuth(t *testing.T) {
	addr := startBroker(t)
	cert, key := selfSigned(t)
	creds := filepath.Join(t.TempDir(), "creds")
	if err := os.WriteFile(creds, []byte("alice:s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	props := []string{"listeners", "https://127.0.0.1:%s", "rest.tls.cert.file", cert, "rest.tls.key.file", key,
		"rest.tls.ca.file", cert, "rest.auth.credentials.file", creds}
	w0 := startRESTWorkerProps(t, addr, props)
	eventually(t, "w0 ready", ready(w0.node))
	w1 := startRESTWorkerProps(t, addr, props)
	eventually(t, "both ready", func() bool { return ready(w0.node)() && ready(w1.node)() })
	if w0.url[:8] != "https://" {
		t.Fatalf("advertised URL %s is not https", w0.url)
	}
	hc, err := w1.cfg.HTTPClient(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	follower, leader := w1, w0
	if ws, _ := w1.Worker(ctx); ws.IsLeader {
		follower, leader = w0, w1
	}
	anon := client.New(follower.url, client.WithHTTPClient(hc))
	var ce *client.Error
	if _, err := anon.CreateConnector(ctx, api.CreateConnectorRequest{Name: "a", Config: connConfig("a", 1)}); !errors.As(err, &ce) || ce.StatusCode != http.StatusUnauthorized {
		t.Fatalf("create without credentials: %v", err)
	}
	alice := client.New(follower.url, client.WithHTTPClient(hc), client.WithBasicAuth("alice", "s3cret"))
	if _, err := alice.CreateConnector(ctx, api.CreateConnectorRequest{Name: "a", Config: connConfig("a", 2)}); err != nil {
		t.Fatalf("create through the follower over TLS with auth: %v", err)
	}
	if _, err := leader.ConnectorInfo(ctx, "a"); err != nil {
		t.Fatalf("the leader does not have the connector: %v", err)
	}
	// A second connector, so that one of them is owned by the follower,
	// whose task configs then reach the leader as a signed internal
	// request that authentication lets through.
	if _, err := alice.CreateConnector(ctx, api.CreateConnectorRequest{Name: "b", Config: connConfig("b", 2)}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		eventually(t, name+": 2 tasks running", func() bool { s, m := states(leader.node, name); return s == api.StateRunning && running(m) == 2 })
	}
}

// TestTaskConfigsThroughLeader: a follower that owns a connector sends
// its task configs to the leader's POST /connectors/{name}/tasks signed
// with the session key the leader wrote; the leader refuses unsigned and
// forged requests with Kafka's 400 and 403.
func TestTaskConfigsThroughLeader(t *testing.T) {
	addr := startBroker(t)
	ctx := context.Background()
	w0, w1 := twoRESTWorkers(t, addr)
	for _, name := range []string{"x", "y"} {
		if _, err := w0.cl.CreateConnector(ctx, api.CreateConnectorRequest{Name: name, Config: connConfig(name, 2)}); err != nil {
			t.Fatal(err)
		}
	}
	owners := map[string]bool{}
	for _, name := range []string{"x", "y"} {
		eventually(t, name+": 2 tasks running", func() bool { s, m := states(w0.node, name); return s == api.StateRunning && running(m) == 2 })
		st, _ := w0.ConnectorStatus(ctx, name)
		owners[st.Connector.WorkerID] = true
	}
	if !owners[w1.cfg.WorkerID] {
		t.Fatalf("no connector owned by the follower: %v", owners)
	}
	if w0.configs.Snapshot().SessionKey == nil {
		t.Fatal("no session key in the configs topic")
	}
	post := func(sig, alg string) (int, string) {
		req, _ := http.NewRequest("POST", w0.url+"/connectors/x/tasks", strings.NewReader(`[{"topic":"forged"}]`))
		if sig != "" {
			req.Header.Set(api.HeaderSignature, sig)
			req.Header.Set(api.HeaderSignatureAlgorithm, alg)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("", ""); code != 400 || !strings.Contains(body, "Internal request missing required signature") {
		t.Errorf("unsigned: %d %s", code, body)
	}
	if code, body := post("Zm9yZ2Vk", "HmacSHA256"); code != 403 || !strings.Contains(body, "Internal request contained invalid signature.") {
		t.Errorf("forged: %d %s", code, body)
	}
	if cfgs := w0.configs.Snapshot().TaskConfigs("x"); len(cfgs) != 2 || cfgs[0]["topic"] == "forged" {
		t.Errorf("task configs of x changed by a refused request: %v", cfgs)
	}
}
