// Package test holds nslua's integration tests: the built binary driven from
// Go, the Lua test files under lua/, and every recipe under scripts/. Each
// test that changes system state starts with harness.NoLeaks.
package test

import (
	"testing"

	"github.com/nslua/nslua/test/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }
