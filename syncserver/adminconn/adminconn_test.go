package adminconn

import (
	"crypto/ed25519"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"appariement/syncserver/keyfile"
)

func TestRegisterDefaultsFromEnvironment(t *testing.T) {
	t.Setenv(EnvServer, "http://127.0.0.1:8080")
	t.Setenv(EnvID, "A0001")
	t.Setenv(EnvKey, "admin.key")
	for _, keyFlag := range []string{"key", "admin-key"} {
		var f Flags
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		f.RegisterKeyAs(fs, keyFlag)
		if err := fs.Parse([]string{"-id", "A0002"}); err != nil {
			t.Fatal(err)
		}
		if f.Server != "http://127.0.0.1:8080" || f.ID != "A0002" || f.Key != "admin.key" || fs.Lookup(keyFlag) == nil {
			t.Errorf("-%s: %+v", keyFlag, f)
		}
	}
}

func TestClient(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "admin.key")
	_, priv, _ := ed25519.GenerateKey(nil)
	if err := keyfile.Write(good, priv); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    Flags
		want string // substring of the error, "" for none
	}{
		{"good", Flags{Server: "http://127.0.0.1:8080", ID: "A0001", Key: good}, ""},
		{"missing key file", Flags{Server: "http://127.0.0.1:8080", ID: "A0001", Key: filepath.Join(dir, "absent.key")}, "lecture de la clé"},
		{"bad server URL", Flags{Server: "ftp://x", ID: "A0001", Key: good}, "adresse du serveur invalide"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.f.Client()
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want == "" && (c.ID != "A0001" || !c.Key.Equal(priv)):
				t.Fatalf("client signs as %q", c.ID)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}
