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
	"context"
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

	"appariement/shared/plural"
	"appariement/syncserver/cmdrun"
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

// Commands are "syncserver release-keygen", "sign-release" and
// "verify-release", writing to stdio.
func Commands(stdio cmdrun.IO) []cmdrun.Command {
	return []cmdrun.Command{VerifyCommand(stdio), SignCommand(stdio), KeygenCommand(stdio)}
}

// KeygenCommand is "syncserver release-keygen".
func KeygenCommand(stdio cmdrun.IO) cmdrun.Command {
	var name, out string
	return cmdrun.Command{
		Name:     "release-keygen",
		Summary:  "crée la clé de signature des versions / creates the release signing key (docs/release.md)",
		Usage:    "-out DIR [-name appariement-release]",
		Required: []string{"out"},
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&name, "name", DefaultName, "nom de la clé (key name)")
			fs.StringVar(&out, "out", "", "dossier où écrire release.key (0600) et release.pub (output directory)")
		},
		Run: func(context.Context, []string) error {
			vkey, err := Keygen(name, out)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdio.Stdout, vkey)
			return nil
		},
	}
}

// SignCommand is "syncserver sign-release": it writes SHA256SUMS.sig.
func SignCommand(stdio cmdrun.IO) cmdrun.Command {
	var keyFile string
	var appendSig bool
	return cmdrun.Command{
		Name:     "sign-release",
		Summary:  "signe SHA256SUMS / signs SHA256SUMS (docs/release.md)",
		Usage:    "-key release.key SHA256SUMS   (écrit SHA256SUMS.sig)",
		Args:     cmdrun.Exactly("SHA256SUMS"),
		Required: []string{"key"},
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&keyFile, "key", "", "fichier de la clé de signature (release.key)")
			fs.BoolVar(&appendSig, "append", false, "ajouter la signature à celles de SHA256SUMS.sig (second key during a rotation)")
		},
		Run: func(_ context.Context, args []string) error {
			sumsPath := args[0]
			skey, err := os.ReadFile(keyFile)
			if err != nil {
				return err
			}
			sums, err := os.ReadFile(sumsPath)
			if err != nil {
				return err
			}
			if _, err := parseSums(sums); err != nil {
				return err
			}
			sig, err := Sign(sums, string(skey))
			if err != nil {
				return err
			}
			if appendSig {
				old, err := os.ReadFile(sumsPath + ".sig")
				if err != nil {
					return err
				}
				sig = append(old, sig...)
			}
			if err := os.WriteFile(sumsPath+".sig", sig, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(stdio.Stdout, "%s.sig écrit (written)\n", sumsPath)
			return nil
		},
	}
}

// VerifyCommand is "syncserver verify-release": it checks SHA256SUMS.sig
// against the verifier key, then the SHA-256 of each file named (default:
// every listed file present beside SHA256SUMS). Exit 0 only if the
// signature and every file checked are good and at least one file was
// checked.
func VerifyCommand(stdio cmdrun.IO) cmdrun.Command {
	var vkey, sumsPath string
	return cmdrun.Command{
		Name: "verify-release",
		Summary: "vérifie la signature de SHA256SUMS et les fichiers téléchargés\n" +
			"/ checks the signed SHA256SUMS and the downloads\n" +
			"(-key 'appariement-release+…' [fichier…]; sign-release, release-keygen : docs/release.md)",
		Usage: "-key 'appariement-release+…' [-sums SHA256SUMS] [fichier…]",
		Args:  cmdrun.Any("fichier"),
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&vkey, "key", os.Getenv(EnvKey), "clé publique de vérification publiée, ex. appariement-release+1a2b3c4d+AbC… (verifier key; default $"+EnvKey+")")
			fs.StringVar(&sumsPath, "sums", "", "fichier SHA256SUMS (défaut : celui du dossier du premier fichier, ou ./SHA256SUMS)")
		},
		Check: func([]string) error {
			if vkey == "" {
				return cmdrun.Usagef("-key (ou $" + EnvKey + ") manque : la clé publiée dans docs/release.md (verifier key missing)")
			}
			return nil
		},
		Run: func(_ context.Context, files []string) error {
			return verifyRelease(stdio.Stdout, vkey, sumsPath, files)
		},
	}
}

func verifyRelease(stdout io.Writer, vkey, sumsPath string, files []string) error {
	if sumsPath == "" {
		dir := "."
		if len(files) > 0 {
			dir = filepath.Dir(files[0])
		}
		sumsPath = filepath.Join(dir, "SHA256SUMS")
	}
	sums, err := os.ReadFile(sumsPath)
	if err != nil {
		return err
	}
	sig, err := os.ReadFile(sumsPath + ".sig")
	if err != nil {
		return err
	}
	listed, err := Verify(sums, sig, vkey)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s : signature valide (good signature)\n", sumsPath)
	dir := filepath.Dir(sumsPath)
	if len(files) == 0 {
		for name := range listed {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				files = append(files, filepath.Join(dir, name))
			}
		}
	}
	if len(files) == 0 {
		return errors.New("aucun fichier de SHA256SUMS à vérifier ici (no listed file found)")
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
		return fmt.Errorf("%d %s : ne les installez pas (do not install)", bad, plural.FR(bad, "fichier en échec", "fichiers en échec"))
	}
	return nil
}

// RunKeygen is "syncserver release-keygen" through cmdrun; it returns the
// exit code.
func RunKeygen(args []string, stdout, stderr io.Writer) int {
	return runOne(KeygenCommand, args, stdout, stderr)
}

// RunSign is "syncserver sign-release" through cmdrun.
func RunSign(args []string, stdout, stderr io.Writer) int {
	return runOne(SignCommand, args, stdout, stderr)
}

// RunVerify is "syncserver verify-release" through cmdrun.
func RunVerify(args []string, stdout, stderr io.Writer) int {
	return runOne(VerifyCommand, args, stdout, stderr)
}

func runOne(cmd func(cmdrun.IO) cmdrun.Command, args []string, stdout, stderr io.Writer) int {
	stdio := cmdrun.IO{Stdout: stdout, Stderr: stderr}
	return cmdrun.RunCommand(context.Background(), "syncserver", cmd(stdio), stdio, args)
}
