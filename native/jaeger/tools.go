//go:build tools

// Package tools makes this module depend on the Jaeger v2 command and its OpenSearch index cleaner,
// so that `go build github.com/jaegertracing/jaeger/cmd/jaeger` here builds them with Jaeger's own
// dependency versions, apart from the collector's. Module tag v1.76.0 is Jaeger v2.13.0: Go cannot
// use the v2.x tags because the module path has no /v2.
package tools

import (
	_ "github.com/jaegertracing/jaeger/cmd/es-index-cleaner"
	_ "github.com/jaegertracing/jaeger/cmd/jaeger"
)
