//go:build tools

// Package tools pins kube-apiserver's command in this wrapper module.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
