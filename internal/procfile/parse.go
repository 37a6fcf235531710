package procfile

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slipway-paas/slipway/internal/platform"
)

// Limits of a Procfile.
const (
	MaxSize      = 65536
	MaxProcesses = 50
)

// Error is a Procfile that breaks a rule. Line is 1-based, 0 when the error
// concerns the whole file.
type Error struct {
	Line    int
	Message string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return "Procfile: " + e.Message
	}
	return fmt.Sprintf("Procfile: line %d: %s", e.Line, e.Message)
}

// Parse returns the processes (name to command) a Procfile declares.
func Parse(data []byte) (map[string]string, error) {
	if len(data) > MaxSize {
		return nil, &Error{Message: fmt.Sprintf("larger than %d bytes", MaxSize)}
	}
	if !utf8.Valid(data) {
		return nil, &Error{Message: "not valid UTF-8"}
	}
	procs := map[string]string{}
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.Trim(raw, " \t\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, command, found := strings.Cut(line, ":")
		if !found {
			return nil, &Error{Line: i + 1, Message: `expected "name: command"`}
		}
		name, command = strings.Trim(name, " \t"), strings.Trim(command, " \t")
		if msg := checkProcess(name, command); msg != "" {
			return nil, &Error{Line: i + 1, Message: msg}
		}
		if _, dup := procs[name]; dup {
			return nil, &Error{Line: i + 1, Message: `process "` + name + `" is declared twice`}
		}
		if len(procs) == MaxProcesses {
			return nil, &Error{Line: i + 1, Message: fmt.Sprintf("more than %d processes", MaxProcesses)}
		}
		procs[name] = command
	}
	if len(procs) == 0 {
		return nil, &Error{Message: "declares no processes"}
	}
	return procs, nil
}

// Validate checks a process map that did not come from Parse (e.g. one a
// build reported) against the same rules.
func Validate(procs map[string]string) error {
	switch {
	case len(procs) == 0:
		return &Error{Message: "declares no processes"}
	case len(procs) > MaxProcesses:
		return &Error{Message: fmt.Sprintf("more than %d processes", MaxProcesses)}
	}
	for name, command := range procs {
		if msg := checkProcess(name, command); msg != "" {
			return &Error{Message: msg}
		}
		if strings.Trim(command, " \t") != command {
			return &Error{Message: `command of process "` + name + `" has surrounding whitespace`}
		}
	}
	return nil
}

func checkProcess(name, command string) string {
	if !platform.IsDNSLabel(name) {
		return `process name "` + name + `" must be a DNS label (lower-case letters, digits and '-', at most 63 characters)`
	}
	if command == "" {
		return `process "` + name + `" has an empty command`
	}
	for _, r := range command {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return `command of process "` + name + `" contains a control character`
		}
	}
	return ""
}
