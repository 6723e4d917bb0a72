// Package cmdrun runs the server's command line: a tree of commands, each
// declaring its name, its usage (French, then English where there is one),
// its arity and its flags once; the runner parses the flags (flags and
// positional arguments in any order), checks the arity and the required
// flags, bounds the context with the command's -timeout, calls the
// command's Run, and turns what Run returns into the process's exit code,
// in one place (Main):
//
//	0   success, or help asked (-h)
//	1   failure: the command's error, printed as "<command> : <error>"
//	2   bad usage: unknown command, wrong arity, bad or missing flag
//	130 interrupted (SIGINT or SIGTERM cancelled the context)
//
// A command whose output already tells its failure returns ExitCode(n).
package cmdrun

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// Exit codes returned by Main.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// IO is where commands read and write.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Arity is the number of positional arguments a command takes, and their
// names for the usage errors.
type Arity struct {
	// Names names the positional arguments, in order; when there are more
	// arguments than names, the last name stands for the others.
	Names []string
	// Min and Max bound their number; Max < 0 means no bound.
	Min, Max int
}

// None is the arity of a command that takes no positional argument.
func None() Arity { return Arity{} }

// Exactly is the arity of a command taking exactly the arguments named.
func Exactly(names ...string) Arity { return Arity{Names: names, Min: len(names), Max: len(names)} }

// Optional is the arity of a command taking at most the arguments named,
// each optional (often one that may also be given as a flag).
func Optional(names ...string) Arity { return Arity{Names: names, Max: len(names)} }

// Any is the arity of a command taking any number of arguments named name.
func Any(name string) Arity { return Arity{Names: []string{name}, Max: -1} }

// FlagOrArg returns the value given either by the flag -name (value) or
// as the only positional argument (args, of arity Optional(…)): a usage
// error if both are given, or neither.
func FlagOrArg(name, value string, args []string) (string, error) {
	if len(args) > 0 {
		if value != "" {
			return "", Usagef("argument inattendu %q (unexpected argument; -%s déjà donné)", args[0], name)
		}
		value = args[0]
	}
	if strings.TrimSpace(value) == "" {
		return "", Usagef("l'option -%s est obligatoire (required)", name)
	}
	return value, nil
}

// check returns the usage error for n positional arguments, or nil.
func (a Arity) check(args []string) error {
	if a.Max >= 0 && len(args) > a.Max {
		return Usagef("argument inattendu %q (unexpected argument)", args[a.Max])
	}
	if len(args) < a.Min {
		name := "argument"
		if len(a.Names) > 0 {
			name = a.Names[min(len(args), len(a.Names)-1)]
		}
		return Usagef("argument manquant : %s (missing argument)", name)
	}
	return nil
}

// Command is one command of the tree: a leaf with a Run, or a group of
// subcommands (Sub).
type Command struct {
	// Name is the word that selects the command.
	Name string
	// Summary is its line in its parent's list of commands (more lines
	// are indented under it).
	Summary string
	// Usage is the synopsis after the command's path, e.g. "R [-reason …]",
	// shown as "Usage : syncserver admin round show R [-reason …]".
	Usage string
	// Help, if any, is printed between the synopsis and the options by -h;
	// for a group, before its list of subcommands.
	Help string
	// Footer, for a group, is printed after its list of subcommands.
	Footer string
	// Args is the arity of a leaf, checked before Run.
	Args Arity
	// Flags registers the leaf's flags; the values are read by Run.
	Flags func(fs *flag.FlagSet)
	// Required names the flags that must be given a value (a default from
	// the environment counts), checked in order before Run.
	Required []string
	// Check, if set, checks the leaf's flag values and arguments together
	// once they are parsed, before any I/O; it returns a usage error
	// (Usagef) or nil.
	Check func(args []string) error
	// Timeout, if positive, adds a -timeout flag of this default that
	// bounds the context given to Run.
	Timeout time.Duration
	// Graceful says that Run watches its context and returns soon after it
	// is cancelled (serve's graceful shutdown): the runner waits for it.
	// Otherwise an interrupted command is abandoned at once, exit 130, as
	// the signal's default action would have ended the process.
	Graceful bool
	// Raw passes the arguments to Run unparsed (Flags, Args, Required and
	// Timeout are then ignored): for a command with a parser of its own.
	Raw bool
	// Run runs the leaf with its positional arguments. Its error is
	// printed after the command's path, and the exit code is 1 (see
	// Usagef and ExitCode for the others).
	Run func(ctx context.Context, args []string) error
	// Sub are the subcommands of a group.
	Sub []Command
}

// UsageError is a bad use of a command: exit code 2, the message followed
// by a pointer to the command's help.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError: "-all et une liste s'excluent".
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// ExitCode is an error that sets the exit code without printing anything:
// the command has already told what went wrong (or, for 0, that nothing
// did).
type ExitCode int

func (e ExitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// reported is a usage error already printed (by the flag package).
var reported = errors.New("usage error already reported")

// Main runs the command of root selected by args (without the program's
// name) and returns the exit code. prog names the program in usages
// ("syncserver"). ctx is cancelled on SIGINT or SIGTERM by the caller.
func Main(ctx context.Context, prog string, root Command, stdio IO, args []string) int {
	r := &runner{prog: prog, io: stdio}
	path, err := r.run(ctx, nil, root, args)
	return r.exit(ctx, path, err)
}

// RunCommand runs the single command c as if it were a command of prog's
// root (its path is c.Name), with args the arguments after its name: for
// the Run functions that tests and other binaries call.
func RunCommand(ctx context.Context, prog string, c Command, stdio IO, args []string) int {
	return Main(ctx, prog, Command{Sub: []Command{c}}, stdio, append([]string{c.Name}, args...))
}

type runner struct {
	prog string
	io   IO
}

// exit prints err as the failure of the command at path and returns its
// exit code.
func (r *runner) exit(ctx context.Context, path []string, err error) int {
	var code ExitCode
	var ue *UsageError
	name := strings.Join(path, " ")
	if name == "" {
		name = r.prog
	}
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &code):
		return int(code)
	case errors.Is(err, reported):
		return ExitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(r.io.Stderr, "%s : %s\n", name, ue.Msg)
		fmt.Fprintf(r.io.Stderr, "voir « %s -h »\n", strings.Join(append([]string{r.prog}, path...), " "))
		return ExitUsage
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		fmt.Fprintf(r.io.Stderr, "%s : interrompu (interrupted): %v\n", name, err)
		return ExitInterrupted
	}
	fmt.Fprintf(r.io.Stderr, "%s : %v\n", name, err)
	return ExitFailure
}

// run runs c, found at path, with args; it returns the path of the command
// that failed, and its error.
func (r *runner) run(ctx context.Context, path []string, c Command, args []string) ([]string, error) {
	if len(c.Sub) > 0 {
		return r.group(ctx, path, c, args)
	}
	if c.Raw {
		return path, call(ctx, c, ctx, args)
	}
	fs := flag.NewFlagSet(strings.Join(path, " "), flag.ContinueOnError)
	fs.SetOutput(r.io.Stderr)
	if c.Flags != nil {
		c.Flags(fs)
	}
	var timeout *time.Duration
	if c.Timeout > 0 {
		timeout = fs.Duration("timeout", c.Timeout, "durée maximale de la commande (command timeout)")
	}
	fs.Usage = func() { r.leafUsage(fs, path, c) }
	pos, err := parse(fs, args)
	if err != nil {
		return path, err
	}
	if err := c.Args.check(pos); err != nil {
		return path, err
	}
	for _, name := range c.Required {
		if f := fs.Lookup(name); f == nil || strings.TrimSpace(f.Value.String()) == "" {
			return path, Usagef("l'option -%s est obligatoire (required)", name)
		}
	}
	if c.Check != nil {
		if err := c.Check(pos); err != nil {
			return path, err
		}
	}
	runCtx := ctx
	if timeout != nil {
		if *timeout <= 0 {
			return path, Usagef("-timeout doit être positif (must be positive)")
		}
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	return path, call(ctx, c, runCtx, pos)
}

// call runs c.Run(runCtx, args). Unless c is Graceful, it returns as soon
// as ctx (the interruption, not the timeout) is done, leaving Run behind.
func call(ctx context.Context, c Command, runCtx context.Context, args []string) error {
	if c.Graceful {
		return c.Run(runCtx, args)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx, args) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// parse parses flags and positional arguments in any order ("--" ends the
// flags) and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, reported
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

func (r *runner) leafUsage(fs *flag.FlagSet, path []string, c Command) {
	w := r.io.Stderr
	fmt.Fprintf(w, "Usage : %s\n", strings.TrimSpace(strings.Join(append([]string{r.prog}, path...), " ")+" "+c.Usage))
	if c.Help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(c.Help, "\n"))
	}
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprint(w, "\nOptions :\n")
		fs.PrintDefaults()
	}
}

func isHelp(s string) bool {
	return s == "help" || s == "-h" || s == "-help" || s == "--help"
}

// group dispatches args to a subcommand of g.
func (r *runner) group(ctx context.Context, path []string, g Command, args []string) ([]string, error) {
	if len(args) == 0 {
		r.groupUsage(r.io.Stderr, path, g)
		return path, reported
	}
	if isHelp(args[0]) {
		r.groupUsage(r.io.Stdout, path, g)
		return path, nil
	}
	for _, c := range g.Sub {
		if c.Name == args[0] {
			return r.run(ctx, append(path[:len(path):len(path)], c.Name), c, args[1:])
		}
	}
	if len(path) == 0 {
		fmt.Fprintf(r.io.Stderr, "%s : commande inconnue %q (unknown command)\n", r.prog, args[0])
	} else {
		fmt.Fprintf(r.io.Stderr, "%s : sous-commande inconnue %q (unknown subcommand)\n", strings.Join(path, " "), args[0])
	}
	r.groupUsage(r.io.Stderr, path, g)
	return path, reported
}

// groupUsage writes a group's usage: its synopsis, its help, one entry per
// subcommand, its footer.
func (r *runner) groupUsage(w io.Writer, path []string, g Command) {
	synopsis := g.Usage
	if synopsis == "" {
		synopsis = "<commande> [options]"
	}
	fmt.Fprintf(w, "Usage : %s %s\n", strings.Join(append([]string{r.prog}, path...), " "), synopsis)
	if g.Help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(g.Help, "\n"))
	}
	fmt.Fprintln(w)
	width := 0
	for _, c := range g.Sub {
		width = max(width, len(c.Name))
	}
	for _, c := range g.Sub {
		lines := strings.Split(c.Summary, "\n")
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.Name, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "  %-*s  %s\n", width, "", l)
		}
	}
	if g.Footer != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(g.Footer, "\n"))
	}
}
