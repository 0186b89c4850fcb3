//go:build tools

// Package tools makes this module depend on the Jaeger v2 command, so that `go build
// github.com/jaegertracing/jaeger/cmd/jaeger` here builds it with Jaeger's own dependency
// versions, apart from the collector's. Module tag v1.76.0 is Jaeger v2.13.0: Go cannot use the
// v2.x tags because the module path has no /v2.
package tools

import _ "github.com/jaegertracing/jaeger/cmd/jaeger"
