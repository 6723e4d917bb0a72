// Package releasecmd implements the release signing commands of the sync
// server: a release key in golang.org/x/mod/sumdb/note format, the
// signature of a SHA256SUMS file, and its verification with the downloads.
//
//	syncserver release-keygen -name appariement-release -out DIR   DIR/release.key (0600), DIR/release.pub
//	syncserver sign-release -key DIR/release.key [-append] SHA256SUMS   writes SHA256SUMS.sig
//	syncserver verify-release -key 'appariement-release+…' [-sums SHA256SUMS] [file…]
//
// SHA256SUMS stays the plain output of sha256sum (so "sha256sum -c" works);
// SHA256SUMS.sig holds the signature lines of the signed note whose text is
// SHA256SUMS: "— <name> <base64(4-byte key hash ‖ Ed25519 signature)>". The
// Ed25519 signature is over the bytes of SHA256SUMS exactly, so the file can
// also be checked without Go (docs/release.md).
package releasecmd

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// DefaultName is the name of the project's release key.
const DefaultName = "appariement-release"

// EnvKey names the environment variable verify-release reads its verifier
// key from when -key is not given.
const EnvKey = "APPARIEMENT_RELEASE_KEY"

// Keygen writes a new release key pair in dir: release.key (the signer key,
// mode 0600, never overwritten) and release.pub (the verifier key).
func Keygen(name, dir string) (verifier string, err error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", fmt.Errorf("release key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("release key: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "release.key"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("release key: %w", err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("release key: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("release key: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "release.pub"), []byte(vkey+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("release key: %w", err)
	}
	return vkey, nil
}

// Sign returns the signature lines of the note whose text is sums, signed
// by the note signer key skey.
func Sign(sums []byte, skey string) ([]byte, error) {
	signer, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return nil, fmt.Errorf("release key: %w", err)
	}
	msg, err := note.Sign(&note.Note{Text: string(sums)}, signer)
	if err != nil {
		return nil, fmt.Errorf("sign %d bytes of checksums: %w", len(sums), err)
	}
	return msg[len(sums)+1:], nil // past the text and the blank line
}

// Verify checks that sig holds a valid signature of sums by the verifier
// key vkey, and returns the checksums it lists (file name → hex SHA-256).
func Verify(sums, sig []byte, vkey string) (map[string]string, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	msg := append(append(append([]byte{}, sums...), '\n'), sig...)
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var unknown *note.UnverifiedNoteError
		if errors.As(err, &unknown) {
			return nil, fmt.Errorf("SHA256SUMS n'est pas signé par la clé %s (not signed by this key): %w", v.Name(), err)
		}
		return nil, fmt.Errorf("signature de SHA256SUMS invalide (invalid signature): %w", err)
	}
	return parseSums([]byte(n.Text))
}

// parseSums reads sha256sum's output: "<64 hex>  <name>" (or " *<name>").
func parseSums(b []byte) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 1; sc.Scan(); line++ {
		t := sc.Text()
		if len(t) < 67 || (t[64:66] != "  " && t[64:66] != " *") {
			return nil, fmt.Errorf("SHA256SUMS line %d: not \"<sha256>  <file>\"", line)
		}
		sum, name := t[:64], t[66:]
		if _, err := hex.DecodeString(sum); err != nil {
			return nil, fmt.Errorf("SHA256SUMS line %d: %w", line, err)
		}
		if name != filepath.Base(name) || name == "." || name == ".." {
			return nil, fmt.Errorf("SHA256SUMS line %d: %q is not a plain file name", line, name)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("SHA256SUMS line %d: %s listed twice", line, name)
		}
		out[name] = strings.ToLower(sum)
	}
	if len(out) == 0 {
		return nil, errors.New("SHA256SUMS lists no file")
	}
	return out, sc.Err()
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// RunKeygen is "syncserver release-keygen".
func RunKeygen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("release-keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", DefaultName, "nom de la clé (key name)")
	out := fs.String("out", "", "dossier où écrire release.key (0600) et release.pub (output directory)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage : release-keygen -out DIR [-name appariement-release]")
		return 2
	}
	vkey, err := Keygen(*name, *out)
	if err != nil {
		fmt.Fprintln(stderr, "release-keygen:", err)
		return 1
	}
	fmt.Fprintln(stdout, vkey)
	return 0
}

// RunSign is "syncserver sign-release".
func RunSign(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sign-release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key", "", "fichier de la clé de signature (release.key)")
	appendSig := fs.Bool("append", false, "ajouter la signature à celles de SHA256SUMS.sig (second key during a rotation)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *keyFile == "" || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage : sign-release -key release.key SHA256SUMS   (écrit SHA256SUMS.sig)")
		return 2
	}
	sumsPath := fs.Arg(0)
	skey, err := os.ReadFile(*keyFile)
	if err == nil {
		var sums, sig []byte
		if sums, err = os.ReadFile(sumsPath); err == nil {
			if _, err = parseSums(sums); err == nil {
				if sig, err = Sign(sums, string(skey)); err == nil {
					if *appendSig {
						var old []byte
						if old, err = os.ReadFile(sumsPath + ".sig"); err == nil {
							sig = append(old, sig...)
						}
					}
					if err == nil {
						err = os.WriteFile(sumsPath+".sig", sig, 0o644)
					}
				}
			}
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "sign-release:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s.sig écrit (written)\n", sumsPath)
	return 0
}

// RunVerify is "syncserver verify-release": it checks SHA256SUMS.sig against
// the verifier key, then the SHA-256 of each file named (default: every
// listed file present beside SHA256SUMS). Exit 0 only if the signature and
// every file checked are good and at least one file was checked.
func RunVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify-release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	vkey := fs.String("key", os.Getenv(EnvKey), "clé publique de vérification publiée, ex. appariement-release+1a2b3c4d+AbC… (verifier key; default $"+EnvKey+")")
	sumsPath := fs.String("sums", "", "fichier SHA256SUMS (défaut : celui du dossier du premier fichier, ou ./SHA256SUMS)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage : verify-release -key 'appariement-release+…' [-sums SHA256SUMS] [fichier…]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *vkey == "" {
		fmt.Fprintln(stderr, "verify-release : -key (ou $"+EnvKey+") manque : la clé publiée dans docs/release.md (verifier key missing)")
		return 2
	}
	files := fs.Args()
	if *sumsPath == "" {
		dir := "."
		if len(files) > 0 {
			dir = filepath.Dir(files[0])
		}
		*sumsPath = filepath.Join(dir, "SHA256SUMS")
	}
	sums, err := os.ReadFile(*sumsPath)
	if err != nil {
		fmt.Fprintln(stderr, "verify-release:", err)
		return 1
	}
	sig, err := os.ReadFile(*sumsPath + ".sig")
	if err != nil {
		fmt.Fprintln(stderr, "verify-release:", err)
		return 1
	}
	listed, err := Verify(sums, sig, *vkey)
	if err != nil {
		fmt.Fprintln(stderr, "verify-release:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s : signature valide (good signature)\n", *sumsPath)
	dir := filepath.Dir(*sumsPath)
	if len(files) == 0 {
		for name := range listed {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				files = append(files, filepath.Join(dir, name))
			}
		}
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "verify-release : aucun fichier de SHA256SUMS à vérifier ici (no listed file found)")
		return 1
	}
	bad := 0
	slices.Sort(files)
	for _, f := range files {
		want, ok := listed[filepath.Base(f)]
		if !ok {
			fmt.Fprintf(stdout, "%s : ABSENT de SHA256SUMS (not listed)\n", f)
			bad++
			continue
		}
		got, err := fileSum(f)
		if err != nil {
			fmt.Fprintf(stdout, "%s : %v\n", f, err)
			bad++
			continue
		}
		if got != want {
			fmt.Fprintf(stdout, "%s : ÉCHEC, empreinte différente (FAILED: checksum mismatch)\n", f)
			bad++
			continue
		}
		fmt.Fprintf(stdout, "%s : OK\n", f)
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "verify-release : %d fichier(s) en échec : ne les installez pas (do not install)\n", bad)
		return 1
	}
	return 0
}
