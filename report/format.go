package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Reporter writes a Result in one format. It must not modify the Result.
type Reporter interface {
	Report(w io.Writer, r *Result) error
}

// Options tune how reports look. Formats ignore what does not apply to them.
type Options struct {
	// Color enables ANSI colour in the text format.
	Color bool
	// SourceRoot is the directory file locations are given relative to
	// (sarif, junit, github, gitlab): the repository's top level, so that
	// code scanning and merge requests find the file whatever directory
	// the job ran in. Empty means Result.WorkDir.
	SourceRoot string
	// SARIFCategory is the sarif run's automationDetails.id (GitHub's
	// analysis category); empty leaves automationDetails out, so the
	// upload step's own category applies.
	SARIFCategory string
	// StepSummary, when set, receives the github format's job summary (the
	// markdown format's text); the command appends it to the file
	// GITHUB_STEP_SUMMARY names.
	StepSummary io.Writer
}

// Format is one entry of the format registry.
type Format struct {
	Name        string
	Description string
	// Locates is set for formats whose results point at lines of the input
	// files (code scanning, annotations, code quality): their input must
	// be a file in the repository.
	Locates bool
	New     func(Options) Reporter
}

// formats is the single registry of output formats: the --format help and
// its validation are derived from it. Each format registers itself from its
// own file with register.
var formats []Format

func register(f Format) {
	formats = append(formats, f)
	slices.SortFunc(formats, func(a, b Format) int { return strings.Compare(a.formatOrder(), b.formatOrder()) })
}

// formatOrder keeps text first, then the rest by name.
func (f Format) formatOrder() string {
	if f.Name == "text" {
		return ""
	}
	return f.Name
}

// Formats returns the registered formats, text first.
func Formats() []Format { return slices.Clone(formats) }

// FormatNames returns the registered format names, text first.
func FormatNames() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.Name
	}
	return names
}

// Lookup finds a format by name.
func Lookup(name string) (Format, error) {
	for _, f := range formats {
		if f.Name == name {
			return f, nil
		}
	}
	return Format{}, fmt.Errorf("unknown format %q (want one of %s)", name, strings.Join(FormatNames(), ", "))
}
