{{/*
The real chart's naming: its name, and the release name followed by it unless the release name
already contains it, cut to 26 characters so that the longest suffix still fits 63.
*/}}
{{- define "kube-prometheus-stack.name" -}}
{{- .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{- define "kube-prometheus-stack.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 26 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 26 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
