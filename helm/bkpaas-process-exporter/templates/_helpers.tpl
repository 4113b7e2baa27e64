{{/*
Chart name, truncated to 63 characters (the DNS label limit).
*/}}
{{- define "bkpaas-process-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's resources: the release name when it already contains the chart name,
otherwise "<release>-<chart>", truncated to 63 characters.
*/}}
{{- define "bkpaas-process-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Namespace of every resource.
*/}}
{{- define "bkpaas-process-exporter.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
{{- end }}

{{/*
"<chart>-<version>" for the helm.sh/chart label.
*/}}
{{- define "bkpaas-process-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels that select the exporter's pods; they never change after the first install.
*/}}
{{- define "bkpaas-process-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bkpaas-process-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of every resource.
*/}}
{{- define "bkpaas-process-exporter.labels" -}}
helm.sh/chart: {{ include "bkpaas-process-exporter.chart" . }}
{{ include "bkpaas-process-exporter.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: bkpaas-process-exporter
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Name of the ServiceAccount the pods run as.
*/}}
{{- define "bkpaas-process-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "bkpaas-process-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference: registry/repository, then @digest when set, else :tag (default appVersion).
*/}}
{{- define "bkpaas-process-exporter.image" -}}
{{- $repository := .Values.image.repository }}
{{- if .Values.image.registry }}
{{- $repository = printf "%s/%s" (trimSuffix "/" .Values.image.registry) .Values.image.repository }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Address the exporter listens on: config.server.listen (default 0.0.0.0:9876).
*/}}
{{- define "bkpaas-process-exporter.listen" -}}
{{- $listen := "" }}
{{- with .Values.config }}
{{- with .server }}
{{- $listen = .listen | default "" | toString }}
{{- end }}
{{- end }}
{{- default "0.0.0.0:9876" $listen }}
{{- end }}

{{/*
Container port: the port part of the listen address.
*/}}
{{- define "bkpaas-process-exporter.port" -}}
{{- include "bkpaas-process-exporter.listen" . | splitList ":" | last | int }}
{{- end }}

{{/*
Scheme of the exporter's endpoints, upper case (HTTP or HTTPS).
*/}}
{{- define "bkpaas-process-exporter.scheme" -}}
{{- if .Values.webConfig.enabled }}
{{- .Values.webConfig.scheme | default "HTTP" | upper }}
{{- else }}
{{- print "HTTP" }}
{{- end }}
{{- end }}

{{/*
Whether the chart creates the credentials Secret: no existingSecret and at least one value set.
Prints "true" or nothing.
*/}}
{{- define "bkpaas-process-exporter.createSecret" -}}
{{- $a := .Values.auth }}
{{- if and (not $a.existingSecret) (or $a.bkAppSecret $a.accessToken $a.bkTicket $a.bkToken) }}
{{- print "true" }}
{{- end }}
{{- end }}

{{/*
Name of the Secret holding the credentials (existing or created); empty when there is none.
*/}}
{{- define "bkpaas-process-exporter.secretName" -}}
{{- if .Values.auth.existingSecret }}
{{- .Values.auth.existingSecret }}
{{- else if include "bkpaas-process-exporter.createSecret" . }}
{{- include "bkpaas-process-exporter.fullname" . }}
{{- end }}
{{- end }}

{{/*
Environment variable name -> key in the credentials Secret. The created Secret uses the
existingSecretKeys names too, so both cases read the same keys.
*/}}
{{- define "bkpaas-process-exporter.secretEnv" -}}
BK_APP_SECRET: {{ .Values.auth.existingSecretKeys.bkAppSecret | default "bk-app-secret" }}
BK_ACCESS_TOKEN: {{ .Values.auth.existingSecretKeys.accessToken | default "access-token" }}
BK_TICKET: {{ .Values.auth.existingSecretKeys.bkTicket | default "bk-ticket" }}
BK_TOKEN: {{ .Values.auth.existingSecretKeys.bkToken | default "bk-token" }}
{{- end }}

{{/*
Name of the Secret holding web-config.yml; empty when webConfig is off.
*/}}
{{- define "bkpaas-process-exporter.webConfigSecretName" -}}
{{- if .Values.webConfig.enabled }}
{{- if .Values.webConfig.existingSecret }}
{{- .Values.webConfig.existingSecret }}
{{- else }}
{{- printf "%s-web-config" (include "bkpaas-process-exporter.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}
