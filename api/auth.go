package api

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// Auth checks REST credentials: HTTP basic against a credentials file, or
// bearer tokens against a tokens file, or both. Secrets are compared in
// constant time (over SHA-256 digests, so lengths do not leak either).
//
// Credentials file: one "user:password" per line, plaintext (protect it
// with file permissions, as Kafka's JAAS property file for basic auth);
// blank lines and lines starting with '#' are ignored; the password is
// everything after the first ':'.
//
// Tokens file: one token per line, same comment rules.
type Auth struct {
	users  map[string][sha256.Size]byte // user → digest of password
	tokens [][sha256.Size]byte
}

// LoadAuth reads the credentials and tokens files; either may be "".
func LoadAuth(credentialsFile, tokensFile string) (*Auth, error) {
	a := &Auth{users: map[string][sha256.Size]byte{}}
	if credentialsFile != "" {
		err := eachLine(credentialsFile, func(n int, line string) error {
			user, pass, ok := strings.Cut(line, ":")
			if !ok || user == "" {
				return fmt.Errorf("%s:%d: expected user:password", credentialsFile, n)
			}
			a.users[user] = sha256.Sum256([]byte(pass))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if tokensFile != "" {
		err := eachLine(tokensFile, func(_ int, line string) error {
			a.tokens = append(a.tokens, sha256.Sum256([]byte(line)))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(a.users) == 0 && len(a.tokens) == 0 {
		return nil, fmt.Errorf("api: no credentials in %q or tokens in %q", credentialsFile, tokensFile)
	}
	return a, nil
}

func eachLine(path string, fn func(n int, line string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("api: read credentials: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
	return sc.Err()
}

// check reports whether r carries valid credentials.
func (a *Auth) check(r *http.Request) bool {
	if user, pass, ok := r.BasicAuth(); ok && len(a.users) > 0 {
		want, known := a.users[user]
		got := sha256.Sum256([]byte(pass))
		return subtle.ConstantTimeCompare(want[:], got[:]) == 1 && known
	}
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok && len(a.tokens) > 0 {
		got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
		match := 0
		for _, want := range a.tokens {
			match |= subtle.ConstantTimeCompare(want[:], got[:])
		}
		return match == 1
	}
	return false
}

// internalSigned reports an internal request between workers that carries
// a session-key signature (POST /connectors/{name}/tasks): like Kafka's
// JaasBasicAuthFilter, authentication lets it through, and the herder
// checks the signature (ErrBadRequest or ErrForbidden when it is wrong).
func internalSigned(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Header.Get(HeaderSignature) == "" {
		return false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/connectors/")
	if !ok {
		return false
	}
	name, tail, ok := strings.Cut(rest, "/")
	return ok && name != "" && tail == "tasks"
}

// wrap requires credentials on every path but /health and signed internal
// requests.
func (a *Auth) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" || internalSigned(r) || a.check(r) {
			next.ServeHTTP(w, r)
			return
		}
		if len(a.users) > 0 {
			w.Header().Add("WWW-Authenticate", `Basic realm="sluice"`)
		}
		if len(a.tokens) > 0 {
			w.Header().Add("WWW-Authenticate", `Bearer realm="sluice"`)
		}
		writeError(w, http.StatusUnauthorized, "Credentials are missing or invalid; send HTTP basic credentials or a bearer token.")
	})
}
