package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/apigw-preflight/apigw-preflight/config"
	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/waiver"
)

// waiverSource is the waivers of a run as read: the files, in order, and
// every entry, not yet checked against the rules and the policy data.
type waiverSource struct {
	files   []string
	waivers []waiver.Waiver
}

// configWaivers is the configuration file's waivers key: an inline list,
// or the file it names (read when the flags are resolved); nil when none.
func configWaivers(cfg *config.Config) *waiverSource {
	switch {
	case cfg == nil:
		return nil
	case cfg.WaiverFile != "":
		return &waiverSource{files: []string{cfg.WaiverFile}}
	case cfg.Waivers != nil:
		return &waiverSource{files: []string{cfg.Path}, waivers: cfg.Waivers}
	}
	return nil
}

// resolveWaivers reads the waiver files (--waivers, else the
// configuration's) and the flags that judge them; a malformed file is a
// usage error naming file, line and field.
func (rf *reportFlags) resolveWaivers(p *reportSetup) error {
	var err error
	if p.waiverExpiryWarning, err = parseMaxAge(rf.waiverExpiryWarning); err != nil {
		return usageErr("--waiver-expiry-warning: %v", err)
	}
	p.failOnUnusedWaivers = rf.failOnUnusedWaivers
	src := rf.fileWaivers
	if len(rf.waiverFiles) > 0 {
		src = &waiverSource{files: rf.waiverFiles}
	}
	if src == nil {
		return nil
	}
	if src.waivers == nil {
		seen := map[string]bool{}
		for _, f := range src.files {
			if f == "-" {
				return usageErr("--waivers -: give a file; standard input carries snapshots")
			}
			if seen[f] {
				return usageErr("--waivers %s: given twice", f)
			}
			seen[f] = true
			ws, err := waiver.LoadFile(f)
			if err != nil {
				return waiverErr(err)
			}
			src.waivers = append(src.waivers, ws...)
		}
	}
	p.waivers = src
	return nil
}

// waiverSet checks the waivers read against the engine's rules and the
// organisation's policy data (eng.Data()["waivers"]) at the evaluation
// time, and returns the set preflight applies; nil when none were given.
func (p *reportSetup) waiverSetFor(eng *policies.Engine) (*waiver.Set, error) {
	if p.waivers == nil {
		return nil, nil
	}
	pol, err := waiver.PolicyFrom(eng.Data())
	if err != nil {
		return nil, usageErr("%v", err)
	}
	now := p.now
	if now.IsZero() {
		now = time.Now()
	}
	rules := append(eng.Rules(), eng.PlanRules()...)
	if err := waiver.Check(p.waivers.waivers, rules, pol, now); err != nil {
		return nil, waiverErr(err)
	}
	return &waiver.Set{
		Waivers:       p.waivers.waivers,
		Files:         p.waivers.files,
		Now:           p.now,
		ExpiryWarning: p.waiverExpiryWarning,
		FailOnUnused:  p.failOnUnusedWaivers,
	}, nil
}

// waiverErr maps a waiver file problem to exit 2, anything else to 1.
func waiverErr(err error) error {
	var we *waiver.Error
	if errors.As(err, &we) {
		return usageErr("%v", err)
	}
	return withCode(exitToolError, fmt.Errorf("waivers: %w", err))
}
