package report

import (
	"path/filepath"
	"strings"
)

// Where an input file is, as the formats that point into a repository need
// it (SARIF, JUnit, GitHub annotations, GitLab Code Quality).

// StdinName is the path reports give a snapshot read from standard input.
const StdinName = "stdin"

// InputPath places an input in the repository: its path relative to
// sourceRoot with forward slashes, and whether it lies inside sourceRoot.
// A relative input is taken relative to workDir (the directory the command
// ran in); an empty sourceRoot means workDir. An input outside the root
// comes back as a clean absolute path with inRoot false; standard input
// ("-") as StdinName with inRoot false.
func InputPath(workDir, sourceRoot, input string) (path string, inRoot bool) {
	if input == "-" {
		return StdinName, false
	}
	abs := input
	if !filepath.IsAbs(abs) && workDir != "" {
		abs = filepath.Join(workDir, abs)
	}
	abs = filepath.Clean(abs)
	root := sourceRoot
	if root == "" {
		root = workDir
	}
	if root == "" {
		p := filepath.ToSlash(abs)
		return p, !filepath.IsAbs(abs) && p != ".." && !strings.HasPrefix(p, "../")
	}
	rel, err := filepath.Rel(filepath.Clean(root), abs)
	if err != nil {
		return filepath.ToSlash(abs), false
	}
	rel = filepath.ToSlash(rel)
	if rel == ".." || strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) {
		return filepath.ToSlash(abs), false
	}
	return rel, true
}
