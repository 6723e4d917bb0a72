package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"testing"
	"time"

	"appariement/syncserver/server"
	"appariement/syncserver/servertest"
)

// TestSlowClientHeaderTimeout: a slowloris client that trickles a request
// header is cut off soon after ReadHeaderTimeout, while a normal request on
// another connection is served meanwhile.
func TestSlowClientHeaderTimeout(t *testing.T) {
	const headerTimeout = 300 * time.Millisecond
	env := servertest.Start(t, servertest.Options{Empty: true, Configure: func(c *server.Config) {
		c.ReadHeaderTimeout = headerTimeout
	}})
	u, err := url.Parse(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The server's header timer starts when it accepts the connection:
	// timing from before the dial, the cut cannot come "early".
	start := time.Now()
	conn, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: "+u.Host+"\r\n"); err != nil {
		t.Fatal(err)
	}

	// Trickle header lines, one every 100 ms, without ever ending the
	// header, until the server closes the connection (writes then fail).
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 30; i++ {
			time.Sleep(100 * time.Millisecond)
			if _, err := io.WriteString(conn, "X-Slow: 1\r\n"); err != nil {
				return
			}
		}
	}()

	// Meanwhile a normal request on another connection is served.
	time.Sleep(100 * time.Millisecond)
	if err := env.Anonymous().Do(context.Background(), "GET", "/healthz", nil, "", false, nil); err != nil {
		t.Fatalf("normal request while a slow client holds a connection: %v", err)
	}

	// The server gives up on the slow header: reading ends (EOF, reset, or
	// a 408 then EOF) well before our 2 s deadline.
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = io.ReadAll(bufio.NewReader(conn))
	elapsed := time.Since(start)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open %v after a %v header timeout", elapsed, headerTimeout)
	}
	if elapsed < headerTimeout {
		t.Errorf("connection closed after %v, before the %v header timeout", elapsed, headerTimeout)
	}
	t.Logf("slow client cut off after %v (read error: %v)", elapsed, err)
	conn.Close()
	<-done

	// And the server still serves afterwards.
	if err := env.Anonymous().Do(context.Background(), "GET", "/healthz", nil, "", false, nil); err != nil {
		t.Fatalf("normal request after the slow client: %v", err)
	}
}
