// Command circularo-mock serves the fake Circularo API for demos and manual testing.
//
//	go run ./internal/mockserver/cmd/circularo-mock -listen 127.0.0.1:8480
//
// It never prints key values or tokens: request logs redact them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/circularo/terraform-provider-circularo/internal/mockserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "circularo-mock:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends; split from main so tests can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("circularo-mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8480", "address to listen on (port 0 picks a free port)")
	seedFile := fs.String("seed", "", "JSON seed file (default: the embedded demo seed)")
	apiPath := fs.String("api-path", "/api/v1", "path prefix of the API")
	sessionTTL := fs.Duration("session-ttl", 30*24*time.Hour, "lifetime of login sessions")
	errorShape := fs.String("error-shape", string(mockserver.ErrorShapeFlat),
		`how error answers are worded: flat {"code","message"}, string {"error":"..."}, nested {"error":{...}}, list {"errors":[...]} or jsonapi {"errors":[{"status","title","detail"}]}`)
	deleteRequiresToken := fs.Bool("delete-requires-token", false,
		"answer DELETE /api/key/<key> without ?token= with 401 (the public example sends none)")
	deleteHidesKeys := fs.Bool("delete-hides-keys-without-token", false,
		"answer DELETE /api/key/<key> without ?token= with 404 and keep the key, as a server that hides keys from strangers")
	deleteKeepsKeys := fs.Bool("delete-keeps-keys", false,
		"answer every DELETE /api/key/<key> with 200 and keep the key, as a broken server or proxy would")
	rejectReusedTOTP := fs.Bool("reject-reused-totp", false,
		"refuse a TOTP code of a time step already accepted for the user, as RFC 6238 section 5.2 asks (401)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	shape, err := mockserver.ParseErrorShape(*errorShape)
	if err != nil {
		return fmt.Errorf("-error-shape: %w", err)
	}

	seed := mockserver.DefaultSeed()
	if *seedFile != "" {
		f, err := os.Open(*seedFile)
		if err != nil {
			return err
		}
		seed, err = mockserver.LoadSeed(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *seedFile, err)
		}
	}
	srv := mockserver.New(mockserver.Options{APIPath: *apiPath, SessionTTL: *sessionTTL,
		ErrorShape: shape, DeleteRequiresToken: *deleteRequiresToken,
		DeleteHidesKeysWithoutToken: *deleteHidesKeys, DeleteKeepsKeys: *deleteKeepsKeys,
		RejectReusedTOTP: *rejectReusedTOTP})
	if err := srv.ApplySeed(seed); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	logger := log.New(stderr, "", log.LstdFlags)
	hs := &http.Server{
		Handler:           logRequests(logger, srv),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          logger,
	}
	// The listener already accepts connections, so this line means "ready".
	path := srv.APIPath()
	if path == "" {
		path = "/"
	}
	fmt.Fprintf(stdout, "circularo-mock listening on http://%s (api path %s)\n", ln.Addr(), path)

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(shutdownCtx)
}

// logRequests logs one line per request with secrets redacted.
func logRequests(logger *log.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := "-" // no response: dropped connection or cancelled request
		if rec.status != 0 {
			status = fmt.Sprint(rec.status)
		}
		logger.Printf("%s %s %s %s", r.Method, redactURL(r.URL), status, time.Since(start).Round(time.Microsecond))
	})
}

// redactURL hides the token query value and the key value in DELETE /api/key/{value}.
func redactURL(u *url.URL) string {
	path := u.EscapedPath()
	if i := strings.Index(path, "/api/key/"); i >= 0 {
		path = path[:i] + "/api/key/REDACTED"
	}
	if u.RawQuery == "" {
		return path
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return path + "?REDACTED"
	}
	for k := range q {
		if strings.EqualFold(k, "token") {
			q[k] = []string{"REDACTED"}
		}
	}
	return path + "?" + q.Encode()
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection, so the server can
// still hijack it to drop create responses.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
