package cli

import (
	"strings"

	"github.com/spf13/cobra"
)

// cobraSuggestions is how cobra appends its "did you mean" list to an
// unknown command's error, on lines of their own.
const cobraSuggestions = "\n\nDid you mean this?\n"

// oneLine keeps an error message on one line: cobra's suggestion list
// becomes "(did you mean X?)", any other line break "; ".
func oneLine(msg string) string {
	if head, list, ok := strings.Cut(msg, cobraSuggestions); ok {
		msg = head + " (did you mean " + strings.Join(strings.Fields(list), " or ") + "?)"
	}
	var lines []string
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "; ")
}

// mistypedSubcommand is the usage error of a command with subcommands
// whose first argument is a near miss of one of them ("tokens creat"),
// nil when it is not: without it the typo reads as a wrong argument count.
func mistypedSubcommand(cmd *cobra.Command, args []string) error {
	if cmd == nil || !cmd.HasSubCommands() || len(args) == 0 {
		return nil
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, set only on its own path
	}
	near := cmd.SuggestionsFor(args[0])
	if len(near) == 0 {
		return nil
	}
	return usagef("unknown command %q for %q (did you mean %s?)", args[0], cmd.CommandPath(), strings.Join(near, " or "))
}
