package brokerproc

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

var binary struct {
	once sync.Once
	path string
	err  error
}

// Binary returns the broker executable named by SLUICE_BIN, building it
// first when SLUICE_BIN is unset or "kfake". The build happens once per
// process.
func Binary() (string, error) {
	binary.once.Do(func() { binary.path, binary.err = resolveBinary() })
	return binary.path, binary.err
}

// IsStandIn reports whether the broker under test is the kfake stand-in,
// which lacks durability and some of Sluice's topic configs.
func IsStandIn() bool {
	bin, err := Binary()
	return err == nil && filepath.Base(bin) == "kfakeserver"
}

func resolveBinary() (string, error) {
	env := os.Getenv("SLUICE_BIN")
	switch env {
	case "", "kfake":
	default:
		abs, err := filepath.Abs(env)
		if err != nil {
			return "", fmt.Errorf("SLUICE_BIN=%q: %w", env, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("SLUICE_BIN=%q: %w", env, err)
		}
		return abs, nil
	}
	if env == "kfake" {
		return Build(KfakePackage, "kfakeserver")
	}
	return Build("./cmd/sluice", "sluice")
}

// KfakePackage is the stand-in and benchmark peer, a kfake server.
const KfakePackage = "./test/bench/kfakeserver"

// Build builds the main package pkg (relative to the repository root) into
// test/.cache/bin/name and returns the binary's path.
func Build(pkg, name string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(root, "test", ".cache", "bin", name)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", fmt.Errorf("build broker: %w", err)
	}
	// Build to a temporary name and rename, so that test packages running in
	// parallel never execute a half-written binary.
	tmp, err := os.CreateTemp(filepath.Dir(out), name+".build-*")
	if err != nil {
		return "", fmt.Errorf("build broker: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	cmd := exec.Command("go", "build", "-o", tmp.Name(), pkg)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build broker (go build %s; set SLUICE_BIN=kfake to use the stand-in): %w\n%s", pkg, err, stderr.String())
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return "", fmt.Errorf("build broker: %w", err)
	}
	return out, nil
}

// RepoRoot returns the directory holding the repository's go.mod, found by
// walking up from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(data, []byte("module github.com/sluicehq/sluice\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repository root: no go.mod of github.com/sluicehq/sluice above the working directory")
		}
		dir = parent
	}
}
