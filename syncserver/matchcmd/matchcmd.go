// Package matchcmd implements the "match" subcommand of the sync server: it runs a round of
// the matching from an instance file and writes the result, or checks a given result, so that
// admins and auditors can re-run any round on their own machine:
//
//	go run ./syncserver match -in instance.json -out result.json
//	go run ./syncserver match -in instance.json -check result.json
//	go run ./syncserver match -gen 50000x20000x40 -seed 2020 -out national.json
//
// The engine itself is appariement/shared/match; this package only handles files, flags and
// exit codes.
package matchcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"appariement/shared/match"
	"appariement/syncserver/cmdrun"
)

// Exit codes of Run.
const (
	exitOK      = 0 // the result was written, or the checked result is valid
	exitInvalid = 1 // invalid instance or result, failed check, or an I/O error
	exitUsage   = 2 // bad flags or arguments
)

const usage = `usage: match -in instance.json [-out result.json]
       match -in instance.json -check result.json
       match -gen INTERNSxPOSTESxWISHES [-seed N] [-choix-au-rang] [-ranking-ties P] [-wish-ties P] [-out instance.json]

Runs the round described by instance.json (deferred acceptance for an "appariement",
serial dictatorship for a "choix-au-rang") and writes the result as JSON, or, with
-check, proves that result.json is the valid result of instance.json. "-" stands for
standard input (-in, -check) or standard output (-out, the default). -gen writes
instead a random instance from the engine's generator (shared/match/gen.go), the same
for the same sizes and seed, one element per line; with -ranking-ties or -wish-ties,
each candidate of a ranking (each wish) is ex aequo with the one before it with
probability P, and the instance carries a tie_break drawn from the seed.

Exit status: 0 on success, 1 on invalid input or a failed check (nothing is written),
2 on bad usage.

Flags:
`

// Command is "syncserver match", reading stdio.Stdin where a file is "-".
// It keeps its own parser and messages (English, for the engine's users),
// under the runner: see Run.
func Command(stdio cmdrun.IO) cmdrun.Command {
	return cmdrun.Command{
		Name: "match",
		Summary: "calcule un appariement sur fichiers / runs a matching on files\n" +
			"(-in instance.json -out result.json)",
		Raw: true,
		Run: func(_ context.Context, args []string) error {
			return cmdrun.ExitCode(run(args, stdio.Stdin, stdio.Stdout, stdio.Stderr))
		},
	}
}

// Run runs the match subcommand with the arguments that follow "match" on the command line,
// reading standard input where a file is "-". It returns the process exit code: 0 on
// success, 1 when the instance or the result is invalid, a check fails or a file cannot be
// read or written, 2 on bad usage. Errors go to stderr, one per line, each naming the file,
// the line and the ids involved. Nothing is written unless the whole run succeeds: the
// result goes to a temporary file beside the output, renamed over it at the end.
func Run(args []string, stdout, stderr io.Writer) int {
	return run(args, os.Stdin, stdout, stderr)
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("match", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "instance `file` (JSON); - reads standard input")
	out := fs.String("out", "-", "result `file` to write; - writes standard output")
	check := fs.String("check", "", "result `file` to verify against the instance, instead of computing one")
	gen := fs.String("gen", "", "write a generated instance of `INTERNSxPOSTESxWISHES` (e.g. 50000x20000x40) instead of running one")
	seed := fs.Uint64("seed", 2020, "seed of -gen")
	choix := fs.Bool("choix-au-rang", false, "with -gen, a choix-au-rang instance (call list, no rankings)")
	var ties match.Ties
	fs.Float64Var(&ties.Rankings, "ranking-ties", 0, "with -gen, the probability `P` that a ranked candidate is ex aequo with the one before")
	fs.Float64Var(&ties.Wishes, "wish-ties", 0, "with -gen, the probability `P` that a wish is ex aequo with the one before")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	outSet := false
	fs.Visit(func(f *flag.Flag) { outSet = outSet || f.Name == "out" })
	usageError := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "match: "+format+"\n", a...)
		fmt.Fprintln(stderr, "run match -h for help")
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usageError("unexpected argument %q", fs.Arg(0))
	case *gen != "" && (*in != "" || *check != ""):
		return usageError("-gen cannot be used with -in or -check")
	case *gen != "":
		return generate(*gen, *seed, *choix, ties, *out, stdout, stderr, usageError)
	case *in == "":
		return usageError("-in is required")
	case *check != "" && outSet:
		return usageError("-check and -out cannot be used together")
	case *in == "-" && *check == "-":
		return usageError("-in and -check cannot both read standard input")
	case *out == "":
		return usageError("-out needs a file name, or - for standard output")
	case *out != "-" && *in != "-" && sameFile(*in, *out):
		return usageError("-out %s would overwrite the instance", *out)
	}

	inName, data, release, err := readInput(*in, stdin)
	if err != nil {
		return fail(stderr, "", err)
	}
	c, err := match.DecodeCompiled(data)
	data = nil // the instance's bytes are no longer needed: neither c nor err refers to them
	release()
	if err != nil {
		return fail(stderr, inName, err)
	}

	if *check != "" {
		resName, resData, release, err := readInput(*check, stdin)
		if err != nil {
			return fail(stderr, "", err)
		}
		res, err := match.DecodeResult(resData)
		release() // res holds copies of its strings
		if err != nil {
			return fail(stderr, resName, err)
		}
		if err := c.Check(res); err != nil {
			return fail(stderr, resName, err)
		}
		fmt.Fprintf(stdout, "%s: valid %s result for %s: %d assigned, %d unmatched\n",
			resName, c.Procedure(), inName, len(res.Assignments), len(res.Unmatched))
		return exitOK
	}

	res := c.Result(c.Run())
	enc, err := match.EncodeResult(res)
	if err != nil {
		return fail(stderr, "", err)
	}
	if *out == "-" {
		if _, err := stdout.Write(enc); err != nil {
			return fail(stderr, "", fmt.Errorf("writing result: %w", err))
		}
	} else if err := writeFileAtomic(*out, enc); err != nil {
		return fail(stderr, "", err)
	}
	fmt.Fprintf(stderr, "match: %s: %s of %d interns and %d postes: %d assigned, %d unmatched\n",
		inName, c.Procedure(), c.NumInterns(), c.NumPostes(), len(res.Assignments), len(res.Unmatched))
	return exitOK
}

// generate writes the instance of the generator named by spec ("50000x20000x40").
// With ties (probabilities above zero), the instance is GenerateWithTies's.
func generate(spec string, seed uint64, choix bool, ties match.Ties, out string, stdout, stderr io.Writer,
	usageError func(string, ...any) int) int {
	var ni, np, nw int
	if n, err := fmt.Sscanf(spec, "%dx%dx%d", &ni, &np, &nw); err != nil || n != 3 ||
		ni < 0 || np < 0 || nw < 0 || fmt.Sprintf("%dx%dx%d", ni, np, nw) != spec {
		return usageError("-gen %q: want INTERNSxPOSTESxWISHES, such as 50000x20000x40", spec)
	}
	for _, p := range []float64{ties.Rankings, ties.Wishes} {
		if !(p >= 0 && p <= 1) {
			return usageError("-ranking-ties and -wish-ties are probabilities, from 0 to 1 (got %v)", p)
		}
	}
	if choix && ties.Rankings > 0 {
		return usageError("-ranking-ties: a choix-au-rang instance has no rankings")
	}
	var inst *match.Instance
	switch {
	case ties.Rankings > 0 || ties.Wishes > 0:
		proc := match.ProcedureAppariement
		if choix {
			proc = match.ProcedureChoixAuRang
		}
		inst = match.GenerateWithTies(seed, ni, np, nw, proc, ties)
	case choix:
		inst = match.GenerateChoixAuRang(seed, ni, np, nw)
	default:
		inst = match.GenerateInstance(seed, ni, np, nw)
	}
	data, err := match.EncodeInstance(inst)
	if err != nil {
		return fail(stderr, "", err)
	}
	if out == "-" {
		if _, err := stdout.Write(data); err != nil {
			return fail(stderr, "", fmt.Errorf("writing instance: %w", err))
		}
	} else if err := writeFileAtomic(out, data); err != nil {
		return fail(stderr, "", err)
	}
	fmt.Fprintf(stderr, "match: generated %s instance of %d interns, %d postes, %d wishes (seed %d): %d bytes\n",
		inst.EffectiveProcedure(), ni, np, nw, seed, len(data))
	return exitOK
}

// fail prints each line of err on stderr, prefixed with the command and the file name.
func fail(stderr io.Writer, name string, err error) int {
	prefix := "match: "
	if name != "" {
		prefix += name + ": "
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(stderr, prefix+line)
	}
	return exitInvalid
}

// readInput reads a whole file, or standard input for "-", up to the size limit of an
// instance, and returns the name to show in messages. A large regular file is mapped
// instead of read where the system allows it (mapFile); release, never nil, unmaps it,
// once nothing refers to data any more.
func readInput(path string, stdin io.Reader) (name string, data []byte, release func(), err error) {
	name, r, release := path, stdin, func() {}
	if path == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return name, nil, release, err
		}
		defer f.Close()
		r = f
	}
	// Read in one allocation when the size is known, as os.ReadFile does.
	size := 512
	if f, ok := r.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
			if n := info.Size(); n >= mapMin && n <= match.MaxInstanceBytes {
				if data, unmap := mapFile(f, n); data != nil {
					return name, data, unmap, nil
				}
			}
			size += int(min(info.Size(), match.MaxInstanceBytes))
		}
	}
	data, err = readAll(io.LimitReader(r, match.MaxInstanceBytes+1), size)
	if err != nil {
		return name, nil, release, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > match.MaxInstanceBytes {
		return name, nil, release, fmt.Errorf("%s: larger than the limit of %d bytes", name, match.MaxInstanceBytes)
	}
	return name, data, release, nil
}

// mapMin is the size from which a file is mapped rather than read.
const mapMin = 1 << 20

// readAll reads r to its end into a buffer of initial capacity size.
func readAll(r io.Reader, size int) ([]byte, error) {
	data := make([]byte, 0, size)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return data, err
		}
	}
}

// sameFile reports whether two paths name the same existing file.
func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// writeFileAtomic writes data to a temporary file in the directory of path, flushes it to
// disk and renames it over path, so that path holds either its old content or all of data.
func writeFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing result: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("writing result %s: %w", path, err)
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable; not every system can sync a directory.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
