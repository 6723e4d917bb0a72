package cmdrun

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"
)

// tree builds a small command tree whose leaves record what they were
// given in got.
type record struct {
	args    []string
	name    string
	n       int
	dl      bool
	timeout time.Duration
}

func tree(got *record, stdio IO) Command {
	show := func() Command {
		return Command{
			Name:    "show",
			Summary: "montre R / shows R",
			Usage:   "R [-n N]",
			Args:    Exactly("R"),
			Flags:   func(fs *flag.FlagSet) { fs.IntVar(&got.n, "n", 1, "nombre") },
			Timeout: time.Minute,
			Run: func(ctx context.Context, args []string) error {
				got.args = args
				dl, ok := ctx.Deadline()
				got.dl = ok
				if ok {
					got.timeout = time.Until(dl).Round(time.Minute)
				}
				fmt.Fprintf(stdio.Stdout, "tour %s\n", args[0])
				return nil
			},
		}
	}
	return Command{
		Usage:  "<commande> [options]",
		Footer: "banc d'essai : lab",
		Sub: []Command{
			{
				Name:    "admin",
				Summary: "administre / administers",
				Sub: []Command{
					show(),
					{
						Name:     "create",
						Summary:  "crée / creates",
						Args:     Optional("R"),
						Flags:    func(fs *flag.FlagSet) { fs.StringVar(&got.name, "name", "", "nom") },
						Required: []string{"name"},
						Check: func(args []string) error {
							if got.name == "interdit" {
								return Usagef("nom interdit (forbidden name)")
							}
							return nil
						},
						Run: func(_ context.Context, args []string) error {
							got.args = args
							if got.name == "interdit" {
								panic("Run called after a failed Check")
							}
							return nil
						},
					},
					{
						Name:    "codes",
						Summary: "codes",
						Args:    Any("personne"),
						Run: func(_ context.Context, args []string) error {
							got.args = args
							if len(args) == 0 {
								return Usagef("indiquez les personnes")
							}
							return nil
						},
					},
				},
			},
			{
				Name: "fail",
				Run: func(context.Context, []string) error {
					return fmt.Errorf("lecture de x.csv : %w", errors.New("fichier absent (no such file)"))
				},
			},
			{
				Name: "verify",
				Run: func(context.Context, []string) error {
					fmt.Fprintln(stdio.Stdout, "ÉCART / DISCREPANCY")
					return ExitCode(1)
				},
			},
			{
				Name: "raw",
				Raw:  true,
				Run: func(_ context.Context, args []string) error {
					got.args = args
					return ExitCode(3)
				},
			},
			{
				Name:     "serve",
				Graceful: true,
				Run: func(ctx context.Context, _ []string) error {
					<-ctx.Done()
					fmt.Fprintln(stdio.Stdout, "arrêté proprement")
					return nil
				},
			},
			{
				Name: "busy",
				Run: func(ctx context.Context, _ []string) error {
					select {} // never watches its context
				},
			},
		},
	}
}

func TestDispatch(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // substrings
		stderr   []string
		wantArgs []string
	}{
		{name: "no command", args: nil, code: ExitUsage, stderr: []string{"Usage : syncserver <commande>", "admin", "banc d'essai : lab"}},
		{name: "help", args: []string{"help"}, code: ExitOK, stdout: []string{"Usage : syncserver", "admin", "administre / administers"}},
		{name: "unknown command", args: []string{"demo"}, code: ExitUsage,
			stderr: []string{`syncserver : commande inconnue "demo" (unknown command)`, "Usage : syncserver", "lab"}},
		{name: "unknown subcommand", args: []string{"admin", "frobnicate"}, code: ExitUsage,
			stderr: []string{`admin : sous-commande inconnue "frobnicate" (unknown subcommand)`, "Usage : syncserver admin", "show"}},
		{name: "group without subcommand", args: []string{"admin"}, code: ExitUsage, stderr: []string{"Usage : syncserver admin"}},
		{name: "group help", args: []string{"admin", "-h"}, code: ExitOK, stdout: []string{"show", "montre R / shows R"}},
		{name: "missing argument", args: []string{"admin", "show"}, code: ExitUsage,
			stderr: []string{"admin show : argument manquant : R (missing argument)", "voir « syncserver admin show -h »"}},
		{name: "extra argument", args: []string{"admin", "show", "R1", "R2"}, code: ExitUsage,
			stderr: []string{`admin show : argument inattendu "R2" (unexpected argument)`}},
		{name: "flags after arguments", args: []string{"admin", "show", "R1", "-n", "3"}, code: ExitOK,
			stdout: []string{"tour R1"}, wantArgs: []string{"R1"}},
		{name: "double dash", args: []string{"admin", "show", "--", "-R1"}, code: ExitOK, wantArgs: []string{"-R1"}},
		{name: "unknown flag", args: []string{"admin", "show", "R1", "-x"}, code: ExitUsage,
			stderr: []string{"flag provided but not defined: -x", "Usage : syncserver admin show R [-n N]", "-timeout"}},
		{name: "bad flag value", args: []string{"admin", "show", "R1", "-n", "beaucoup"}, code: ExitUsage,
			stderr: []string{`invalid value "beaucoup" for flag -n`, "Usage : syncserver admin show"}},
		{name: "flag help", args: []string{"admin", "show", "-h"}, code: ExitOK, stderr: []string{"Usage : syncserver admin show R [-n N]", "Options :"}},
		{name: "bad timeout", args: []string{"admin", "show", "R1", "-timeout", "0s"}, code: ExitUsage,
			stderr: []string{"admin show : -timeout doit être positif"}},
		{name: "required flag", args: []string{"admin", "create"}, code: ExitUsage,
			stderr: []string{"admin create : l'option -name est obligatoire (required)", "voir « syncserver admin create -h »"}},
		{name: "check before run", args: []string{"admin", "create", "-name", "interdit"}, code: ExitUsage,
			stderr: []string{"admin create : nom interdit (forbidden name)"}},
		{name: "optional argument", args: []string{"admin", "create", "R1", "-name", "Tour 1"}, code: ExitOK, wantArgs: []string{"R1"}},
		{name: "usage error from Run", args: []string{"admin", "codes"}, code: ExitUsage,
			stderr: []string{"admin codes : indiquez les personnes", "voir « syncserver admin codes -h »"}},
		{name: "any arguments", args: []string{"admin", "codes", "I1", "I2", "I3"}, code: ExitOK, wantArgs: []string{"I1", "I2", "I3"}},
		{name: "command error", args: []string{"fail"}, code: ExitFailure,
			stderr: []string{"fail : lecture de x.csv : fichier absent (no such file)"}},
		{name: "already reported", args: []string{"verify"}, code: ExitFailure, stdout: []string{"ÉCART"}},
		{name: "raw", args: []string{"raw", "-weird", "x"}, code: 3, wantArgs: []string{"-weird", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			stdio := IO{Stdout: &out, Stderr: &errb}
			got := &record{}
			code := Main(context.Background(), "syncserver", tree(got, stdio), stdio, tt.args)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out.String(), errb.String())
			}
			for _, s := range tt.stdout {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out.String())
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(errb.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, errb.String())
				}
			}
			if len(tt.stderr) == 0 && errb.Len() > 0 {
				t.Errorf("unexpected stderr:\n%s", errb.String())
			}
			if tt.wantArgs != nil && strings.Join(got.args, "|") != strings.Join(tt.wantArgs, "|") {
				t.Errorf("args %q, want %q", got.args, tt.wantArgs)
			}
		})
	}
}

// TestFlagsAndTimeout: the flags reach the command, and -timeout bounds
// its context (default, then given).
func TestFlagsAndTimeout(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		n       int
		timeout time.Duration
	}{
		{[]string{"admin", "show", "R1"}, 1, time.Minute},
		{[]string{"admin", "show", "-n", "7", "R1", "-timeout", "1h"}, 7, time.Hour},
	} {
		var out, errb bytes.Buffer
		stdio := IO{Stdout: &out, Stderr: &errb}
		got := &record{}
		if code := Main(context.Background(), "syncserver", tree(got, stdio), stdio, tt.args); code != 0 {
			t.Fatalf("%v: exit %d %s", tt.args, code, errb.String())
		}
		if got.n != tt.n || !got.dl || got.timeout != tt.timeout {
			t.Errorf("%v: n=%d deadline=%v timeout=%v, want n=%d timeout=%v", tt.args, got.n, got.dl, got.timeout, tt.n, tt.timeout)
		}
	}
}

// TestInterrupted: a cancelled context (SIGINT, SIGTERM) lets a graceful
// command finish and exit 0, abandons one that does not watch it (exit
// 130, as the signal would have ended it), and maps a command's
// context.Canceled error to 130.
func TestInterrupted(t *testing.T) {
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"graceful", []string{"serve"}, ExitOK, "arrêté proprement", ""},
		{"not started", []string{"busy"}, ExitInterrupted, "", "busy : interrompu (interrupted)"},
		{"already cancelled", []string{"admin", "show", "R1"}, ExitInterrupted, "", "admin show : interrompu (interrupted)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var out, errb bytes.Buffer
			stdio := IO{Stdout: &out, Stderr: &errb}
			code := Main(ctx, "syncserver", tree(&record{}, stdio), stdio, tt.args)
			if code != tt.code || !strings.Contains(out.String(), tt.stdout) || !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout %q (want %q)\nstderr %q (want %q)", code, tt.code, out.String(), tt.stdout, errb.String(), tt.stderr)
			}
		})
	}
	// A command that does not watch its context is abandoned when it is
	// cancelled while it runs.
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	root := Command{Sub: []Command{{Name: "compute", Run: func(context.Context, []string) error {
		close(started)
		select {} // a long computation that never looks at its context
	}}}}
	go func() {
		<-started
		cancel()
	}()
	var errc bytes.Buffer
	if code := Main(ctx, "syncserver", root, IO{Stdout: &errc, Stderr: &errc}, []string{"compute"}); code != ExitInterrupted ||
		!strings.Contains(errc.String(), "compute : interrompu (interrupted)") {
		t.Errorf("abandoned: exit %d, %q", code, errc.String())
	}

	// A command that returns the cancellation itself.
	ctx, cancel = context.WithCancel(context.Background())
	var errb bytes.Buffer
	root = Command{Sub: []Command{{Name: "get", Graceful: true, Run: func(context.Context, []string) error {
		cancel()
		return fmt.Errorf("requête : %w", context.Canceled)
	}}}}
	if code := Main(ctx, "syncserver", root, IO{Stdout: &errb, Stderr: &errb}, []string{"get"}); code != ExitInterrupted ||
		!strings.Contains(errb.String(), "get : interrompu (interrupted): requête : context canceled") {
		t.Errorf("exit %d, %q", code, errb.String())
	}
}

// TestRunCommand: a single command run as if under the root.
func TestRunCommand(t *testing.T) {
	var out, errb bytes.Buffer
	stdio := IO{Stdout: &out, Stderr: &errb}
	got := &record{}
	admin := tree(got, stdio).Sub[0]
	if code := RunCommand(context.Background(), "syncserver", admin, stdio, []string{"show", "R9"}); code != 0 || out.String() != "tour R9\n" {
		t.Errorf("exit %d, %q %q", code, out.String(), errb.String())
	}
	if code := RunCommand(context.Background(), "syncserver", admin, stdio, []string{"show"}); code != ExitUsage ||
		!strings.Contains(errb.String(), "admin show : argument manquant") {
		t.Errorf("exit %d, %q", code, errb.String())
	}
}

func TestFlagOrArg(t *testing.T) {
	tests := []struct {
		flag string
		args []string
		want string
		err  string
	}{
		{"I1", nil, "I1", ""},
		{"", []string{"I2"}, "I2", ""},
		{"I1", []string{"I2"}, "", `argument inattendu "I2"`},
		{"", nil, "", "l'option -person est obligatoire (required)"},
		{"  ", nil, "", "obligatoire"},
	}
	for _, tt := range tests {
		got, err := FlagOrArg("person", tt.flag, tt.args)
		var ue *UsageError
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("FlagOrArg(%q, %q) = %q, %v; want %q", tt.flag, tt.args, got, err, tt.want)
		case tt.err != "" && (!errors.As(err, &ue) || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("FlagOrArg(%q, %q): error %v, want a usage error %q", tt.flag, tt.args, err, tt.err)
		}
	}
}
