//go:build tools

// Package tools pins the shell-operator command in this wrapper module so that
// `go build github.com/flant/shell-operator/cmd/shell-operator` builds it with the
// replace below (go install pkg@version refuses modules with replace directives).
package tools

import _ "github.com/flant/shell-operator/cmd/shell-operator"
