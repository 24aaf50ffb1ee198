package api_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sluicehq/sluice/api"
	"github.com/sluicehq/sluice/api/apitest"
)

// Goldens written by the tests of this file, beside the scenario's.
var extraGoldens = []string{
	"forward_create", "forward_restart", "forward_loop",
	"auth_missing", "auth_wrong_password", "auth_wrong_token", "auth_unknown_user",
	"timeout", "health_unhealthy", "logger_set_cluster_scope",
	"task_configs_put", "task_configs_unsigned", "task_configs_bad_signature", "task_configs_standalone",
}

// TestForwardToLeader: a follower forwards writes to the leader and relays
// its answer; the follower's herder applies nothing.
func TestForwardToLeader(t *testing.T) {
	leaderH, followerH := apitest.NewHerder(), apitest.NewHerder()
	leader := newTestServer(t, leaderH, nil)
	follower := newTestServer(t, followerH, nil)
	followerH.SetLeader(leader.URL)

	got := render(t, follower, "POST", "/connectors", `{"name":"pg","config":`+srcConfig+`}`, nil)
	checkGolden(t, "forward_create", got)
	leaderH.FailTask("pg", 0, "boom")
	got = render(t, follower, "POST", "/connectors/pg/restart?includeTasks=true&onlyFailed=true", "", nil)
	checkGolden(t, "forward_restart", got)

	if want := []string{"create pg", "restart pg"}; !slices.Equal(leaderH.Calls(), want) {
		t.Errorf("leader applied %q, want %q", leaderH.Calls(), want)
	}
	if c := followerH.Calls(); len(c) != 0 {
		t.Errorf("follower applied %q", c)
	}
}

// TestForwardLoop: two workers that each name the other as leader give up
// after two hops with 409 instead of bouncing the request forever.
func TestForwardLoop(t *testing.T) {
	ha, hb := apitest.NewHerder(), apitest.NewHerder()
	a := newTestServer(t, ha, nil)
	b := newTestServer(t, hb, nil)
	ha.SetLeader(b.URL)
	hb.SetLeader(a.URL)
	got := render(t, a, "DELETE", "/connectors/pg", "", nil)
	checkGolden(t, "forward_loop", got)
}

// TestForwardKeepsCredentials: the leader sees the user's credentials.
func TestForwardKeepsCredentials(t *testing.T) {
	creds := writeFile(t, "creds", "admin:pa:ss\n")
	auth := func(o *api.Options) {
		a, err := api.LoadAuth(creds, "")
		if err != nil {
			t.Fatal(err)
		}
		o.Auth = a
	}
	leaderH, followerH := apitest.NewHerder(), apitest.NewHerder()
	leader := newTestServer(t, leaderH, auth)
	follower := newTestServer(t, followerH, auth)
	followerH.SetLeader(leader.URL)
	req, _ := http.NewRequest("DELETE", follower.URL+"/connectors/pg", nil)
	req.SetBasicAuth("admin", "pa:ss")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound { // authenticated on the leader, which has no "pg"
		t.Errorf("status %d, want 404 from the leader", resp.StatusCode)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuth(t *testing.T) {
	creds := writeFile(t, "creds", "# users\nadmin:pa:ss\n\nops:ops-pass\n")
	tokens := writeFile(t, "tokens", "tok-123\n")
	a, err := api.LoadAuth(creds, tokens)
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, apitest.NewHerder(), func(o *api.Options) { o.Auth = a })

	hdr := func(k, v string) http.Header { return http.Header{k: {v}} }
	basic := func(u, p string) http.Header {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(u, p)
		return r.Header
	}
	for _, tc := range []struct {
		golden string
		hdr    http.Header
		want   int
	}{
		{"auth_missing", nil, 401},
		{"auth_wrong_password", basic("admin", "nope"), 401},
		{"auth_unknown_user", basic("eve", "pa:ss"), 401},
		{"auth_wrong_token", hdr("Authorization", "Bearer tok-999"), 401},
		{"", basic("admin", "pa:ss"), 200},
		{"", basic("ops", "ops-pass"), 200},
		{"", hdr("Authorization", "Bearer tok-123"), 200},
	} {
		got := render(t, ts, "GET", "/connectors", "", tc.hdr)
		if tc.golden != "" {
			checkGolden(t, tc.golden, got)
			continue
		}
		req, _ := http.NewRequest("GET", ts.URL+"/connectors", nil)
		req.Header = tc.hdr
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%v: status %d, want %d", tc.hdr, resp.StatusCode, tc.want)
		}
	}
	resp, err := http.Get(ts.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/health without credentials: %d, want 200", resp.StatusCode)
	}
}

func TestLoadAuthErrors(t *testing.T) {
	if _, err := api.LoadAuth(writeFile(t, "c", "no-colon\n"), ""); err == nil {
		t.Error("a line without ':' was accepted")
	}
	if _, err := api.LoadAuth(writeFile(t, "c", "# only comments\n"), ""); err == nil {
		t.Error("a file without credentials was accepted")
	}
	if _, err := api.LoadAuth(filepath.Join(t.TempDir(), "missing"), ""); err == nil {
		t.Error("a missing file was accepted")
	}
}

// TestTLS serves over HTTPS from cert and key files.
func TestTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	s, err := api.New(api.Options{Herder: apitest.NewHerder(), TLSCertFile: certFile, TLSKeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get("https://" + l.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Errorf("status %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v", err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sluice-test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = writeFile(t, "cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	keyFile = writeFile(t, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})))
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
