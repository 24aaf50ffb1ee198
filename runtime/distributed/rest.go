package distributed

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/sluicehq/sluice/api"
)

// RESTOptions fills the parts of api.Options this worker's config decides:
// HTTPS, authentication, and the client that forwards requests to the
// leader (trusting rest.tls.ca.file). Forwarded requests keep the user's
// Authorization header, so a follower forwards with the caller's rights.
func (c *Config) RESTOptions(opts *api.Options) error {
	opts.TLSCertFile, opts.TLSKeyFile = c.TLSCertFile, c.TLSKeyFile
	if c.AuthCredentialsFile != "" || c.AuthTokensFile != "" {
		a, err := api.LoadAuth(c.AuthCredentialsFile, c.AuthTokensFile)
		if err != nil {
			return fmt.Errorf("REST authentication: %w", err)
		}
		opts.Auth = a
	}
	cl, err := c.HTTPClient(opts.RequestTimeout)
	if err != nil {
		return err
	}
	opts.ForwardClient = cl
	return nil
}

// HTTPClient is the client this worker uses to reach other workers' REST
// APIs (forwarding, internal requests); timeout 0 is Kafka's 90 s.
func (c *Config) HTTPClient(timeout time.Duration) (*http.Client, error) {
	if timeout <= 0 {
		timeout = 90 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if c.TLSCAFile != "" {
		pem, err := os.ReadFile(c.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", RestTLSCAConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate in %s", RestTLSCAConfig, c.TLSCAFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Timeout: timeout, Transport: tr}, nil
}
