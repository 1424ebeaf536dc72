// Package fleet is the audit of many pending migrations at once: a plan of
// groups and their candidate destinations, collected politely through one
// shared cloud reader, each (group, destination) pair evaluated with every
// rule, and the plan-wide (fleet) rules evaluated once over them all.
package fleet
