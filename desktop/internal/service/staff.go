package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"appariement/desktop/internal/localstore"
	"appariement/shared/api"
	"appariement/shared/client"
)

// ErrEmptyRanking is returned when signing a ranking without any candidate.
var ErrEmptyRanking = errors.New("the ranking is empty")

// Signed returns a client that signs requests as the user (key unlocked).
func (s *Service) Signed() (*client.Client, error) {
	c, _, err := s.signed()
	return c, err
}

// Candidates fetches the candidates of a poste (RTS, after the wishes).
func (s *Service) Candidates(ctx context.Context, round, poste string) (*api.CandidatesResponse, error) {
	c, err := s.Signed()
	if err != nil {
		return nil, err
	}
	return c.Candidates(ctx, round, poste)
}

// DownloadFile fetches a candidate document into dir (a temporary folder
// if empty) and returns its path. The file is saved under a name of the
// app's own making ending in ".pdf" (api.Attachment.LocalName), never the
// name its author chose, and only once its SHA-256 is the attachment's
// digest and it starts as a PDF: what the operating system then opens is
// the document the intern signed, as a PDF. A file already there is
// checked the same way before it is reused.
func (s *Service) DownloadFile(ctx context.Context, dir string, a api.Attachment) (string, error) {
	c, err := s.Signed()
	if err != nil {
		return "", err
	}
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "appariement-fichiers")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, a.LocalName())
	if data, err := os.ReadFile(path); err == nil && checkDownload(a, data) == nil {
		return path, nil
	}
	var buf bytes.Buffer
	if err := c.File(ctx, a.SHA256, &limitedWriter{w: &buf, n: api.MaxFileSize}); err != nil {
		return "", err
	}
	if err := checkDownload(a, buf.Bytes()); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, ".dl-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(f.Name(), path)
}

// checkDownload checks the bytes received for attachment a: its digest,
// then that they are a PDF.
func checkDownload(a api.Attachment, data []byte) error {
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != a.SHA256 {
		return fmt.Errorf("%w: %s (%s)", ErrFileTampered, a.Name, a.SHA256)
	}
	if !api.IsPDF(data) {
		return fmt.Errorf("%w: %s", ErrNotPDF, a.Name)
	}
	return nil
}

// limitedWriter fails a download larger than any candidate document.
type limitedWriter struct {
	w io.Writer
	n int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n {
		return 0, ErrFileTooLarge
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}

// SignRanking turns the ranking draft of a poste into a signed envelope
// (api.RankingType) and queues it in the outbox. The key must be unlocked.
func (s *Service) SignRanking(round, poste string) (localstore.Item, error) {
	_, priv, err := s.signed()
	if err != nil {
		return localstore.Item{}, err
	}
	d, err := s.Store.RankingDraft(round, poste)
	if err != nil {
		return localstore.Item{}, err
	}
	if len(d.List) == 0 {
		return localstore.Item{}, ErrEmptyRanking
	}
	me := s.Profile.Person.ID
	item, err := s.signQueue(priv, round, api.RankingType, nil, func(seq uint64, clientTime time.Time) (any, localstore.Item) {
		sub := api.Submission{
			Round: round, Author: me, Seq: seq, ClientTime: clientTime,
			Poste: poste, List: append([]string(nil), d.List...), Ranks: d.Ranks(),
		}
		return sub, localstore.Item{Kind: localstore.KindEnvelope, Poste: poste, List: sub.List, Ranks: sub.Ranks}
	})
	if err != nil {
		return localstore.Item{}, fmt.Errorf("sign ranking of %s: %w", poste, err)
	}
	return item, nil
}

// RankingVersions returns the signed rankings of a poste, newest first.
func (s *Service) RankingVersions(round, poste string) ([]localstore.Item, error) {
	items, err := s.Store.Items()
	if err != nil {
		return nil, err
	}
	var out []localstore.Item
	for _, it := range items {
		if it.Kind == localstore.KindEnvelope && it.Round == round && it.Poste == poste {
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out, nil
}
