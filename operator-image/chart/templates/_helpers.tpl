{{/* Object names: ccops-operator unless fullnameOverride says otherwise. */}}
{{- define "ccops.fullname" -}}
{{- default "ccops-operator" .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The labels of operator-image/deploy/base (kustomize labels with includeSelectors). */}}
{{- define "ccops.selectorLabels" -}}
app.kubernetes.io/name: ccops-operator
app.kubernetes.io/part-of: ccops
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ccops.labels" -}}
{{ include "ccops.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The namespaces the Role is bound in: the release namespace and every watched one. */}}
{{- define "ccops.roleNamespaces" -}}
{{- $ns := list .Release.Namespace -}}
{{- range .Values.watchNamespaces -}}{{- $ns = append $ns . -}}{{- end -}}
{{- $ns | uniq | join "," -}}
{{- end -}}
