// Package keyfile reads and writes the Ed25519 private keys of people who
// use the command line (admins, auditors): PEM "PRIVATE KEY" blocks
// (PKCS #8, the format of "openssl genpkey -algorithm ed25519"), in a file
// of mode 0600.
package keyfile

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Write writes priv to path as a PKCS #8 PEM file of mode 0600. It
// refuses to overwrite an existing file.
func Write(path string, priv ed25519.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("encodage de la clé (encode key): %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("le fichier de clé %s existe déjà : il n'est pas remplacé (key file exists, not overwritten)", path)
	}
	if err != nil {
		return fmt.Errorf("écriture de la clé (write key): %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("écriture de la clé %s (write key): %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("écriture de la clé %s (write key): %w", path, err)
	}
	return f.Close()
}

// Read reads an Ed25519 private key written by Write (or by
// "openssl genpkey -algorithm ed25519").
func Read(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lecture de la clé (read key): %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s n'est pas une clé PEM « PRIVATE KEY » (not a PEM private key)", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("clé %s illisible (unreadable key): %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("la clé %s n'est pas une clé Ed25519 (not an Ed25519 key)", path)
	}
	return priv, nil
}
