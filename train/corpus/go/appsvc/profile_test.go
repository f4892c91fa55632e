//go:build profile

package main

import "testing"

// TestProfile runs the jobs once without mutations under `go test -coverpkg` so the builder
// learns which library functions they reach.
func TestProfile(t *testing.T) { main() }
