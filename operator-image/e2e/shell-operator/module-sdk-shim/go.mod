// Stands in for github.com/deckhouse/module-sdk, which the Go module proxy here does not
// serve (every version answers 403). shell-operator v1.20.2 uses four interface types of its
// package pkg, in pkg/kube/object_patch only; pkg.go declares them from that use.
module github.com/deckhouse/module-sdk

go 1.24
