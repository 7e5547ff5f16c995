// Package archtest holds the import-graph test that locks the arrows of
// docs/architecture.md ("Which package may import which"). It has no code.
package archtest
