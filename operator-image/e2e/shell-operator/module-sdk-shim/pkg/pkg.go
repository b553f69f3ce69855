// Package pkg declares the interface types that shell-operator's pkg/kube/object_patch
// takes from github.com/deckhouse/module-sdk/pkg (see ../go.mod). Only interfaces: the
// behaviour is all in shell-operator's own concrete types (createOperation, patchOperation,
// deleteOperation, PatchCollector), which it switches on by type.
package pkg

// PatchCollectorOperation is one object operation a hook asked for.
type PatchCollectorOperation interface {
	Description() string
}

// PatchCollectorOptionApplier is what an option of a patch operation sets.
type PatchCollectorOptionApplier interface {
	WithSubresource(subresource string)
	WithIgnoreMissingObject(ignore bool)
	WithIgnoreHookError(ignore bool)
}

// PatchCollectorOption is one option of a patch operation.
type PatchCollectorOption interface {
	Apply(o PatchCollectorOptionApplier)
}

// PatchCollector collects the operations of a Go hook.
type PatchCollector interface {
	Create(object any)
	CreateOrUpdate(object any)
	CreateIfNotExists(object any)
	Delete(apiVersion, kind, namespace, name string)
	DeleteInBackground(apiVersion, kind, namespace, name string)
	DeleteNonCascading(apiVersion, kind, namespace, name string)
	MergePatch(mergePatch any, apiVersion, kind, namespace, name string, opts ...PatchCollectorOption)
	JSONPatch(jsonPatch any, apiVersion, kind, namespace, name string, opts ...PatchCollectorOption)
	JQFilter(jqfilter, apiVersion, kind, namespace, name string, opts ...PatchCollectorOption)
	Operations() []PatchCollectorOperation
}
