// Package collector reads one pending migration from the cloud, through
// cloud.API, and returns it as a snapshot.Snapshot. Its reads are
// read-only.
package collector
