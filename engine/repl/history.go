package repl

import (
	"os"
	"path/filepath"
	"strings"
)

// historyLimit is how many chunks the history file keeps.
const historyLimit = 1000

// HistoryPath is where the REPL keeps its history:
// $XDG_STATE_HOME/nslua/history, or ~/.nslua_history without XDG_STATE_HOME.
// It is "" when neither variable is set.
func HistoryPath() string {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) { // the spec ignores relative ones
		return filepath.Join(d, "nslua", "history")
	}
	if h := os.Getenv("HOME"); h != "" {
		return filepath.Join(h, ".nslua_history")
	}
	return ""
}

// The history file holds one chunk per entry. A chunk of several lines is
// stored with a backslash at the end of every line but its last; a line of a
// chunk that itself ends in a backslash gets a space after it, so that it is
// not taken for a continuation.

func encodeEntry(chunk string) string {
	lines := strings.Split(chunk, "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, `\`) {
			lines[i] = l + " "
		}
	}
	return strings.Join(lines, "\\\n") + "\n"
}

func decodeEntries(data string) []string {
	var out []string
	var cur []string
	for _, l := range strings.Split(strings.TrimSuffix(data, "\n"), "\n") {
		if strings.HasSuffix(l, `\`) {
			cur = append(cur, strings.TrimSuffix(l, `\`))
			continue
		}
		cur = append(cur, l)
		if entry := strings.Join(cur, "\n"); strings.TrimSpace(entry) != "" {
			out = append(out, entry)
		}
		cur = nil
	}
	return out
}

// loadHistory reads the last historyLimit chunks of the file at path and
// trims the file when it holds more.
func loadHistory(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	entries := decodeEntries(string(data))
	if len(entries) > historyLimit {
		entries = entries[len(entries)-historyLimit:]
		var b strings.Builder
		for _, e := range entries {
			b.WriteString(encodeEntry(e))
		}
		tmp := path + ".tmp"
		if os.WriteFile(tmp, []byte(b.String()), 0o600) == nil {
			os.Rename(tmp, path)
		}
	}
	return entries
}

// appendHistory adds one chunk to the file at path, creating its directory.
// History is a convenience: failures to write it are ignored.
func appendHistory(path, chunk string) {
	if path == "" || strings.TrimSpace(chunk) == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	f.WriteString(encodeEntry(chunk))
}

// oneLine is how a chunk of several lines comes back on the up arrow: its
// lines joined by spaces, which the line editor can show and edit, unless a
// comment, a long string or a string continued with a backslash would change
// meaning; such chunks keep their newlines.
func oneLine(chunk string) string {
	if strings.Contains(chunk, "--") || strings.Contains(chunk, "[[") ||
		strings.Contains(chunk, "[=") || strings.Contains(chunk, "\\\n") {
		return chunk
	}
	lines := strings.Split(chunk, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, " ")
}
