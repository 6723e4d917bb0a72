package faulttest

import (
	"context"
	"io"
	"time"
)

func clockFamily(ctx context.Context, o *Options) ([]*Row, error) { return nil, nil }

// Serve is a placeholder.
func Serve(db string, offset time.Duration, stdout, stderr io.Writer) error { return nil }
