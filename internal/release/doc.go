// Package release holds no code: its tests check the release files at the
// repository root, which no other package owns and no container runtime or
// GitHub runner is here to try. They read the Dockerfiles, .goreleaser.yaml,
// action.yml with its scripts, the example workflow and .pre-commit-hooks.yaml,
// check each against the others and against the code (ldflags against the
// variables of main, hook entries against the commands), and run the
// action's scripts against a release served on loopback.
package release
