{{/*
Names. The release's full name is the release name when it already contains the chart name.
*/}}
{{- define "cascade.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cascade.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "cascade.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cascade.origin.fullname" -}}
{{- printf "%s-origin" (include "cascade.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cascade.edge.fullname" -}}
{{- printf "%s-edge" (include "cascade.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cascade.parent.fullname" -}}
{{- printf "%s-edge-parent" (include "cascade.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Services. None may be named <anything>-rtmp, -http or -cluster: with service links on, their
variables (CASCADE_RTMP_PORT=tcp://...) would look like Cascade settings. Pods also turn
service links off.
*/}}
{{- define "cascade.hazelcast.serviceName" -}}
{{- printf "%s-hazelcast" (include "cascade.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cascade.api.serviceName" -}}
{{- printf "%s-api" (include "cascade.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cascade.ingest.serviceName" -}}
{{- printf "%s-ingest" (include "cascade.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cascade.play.serviceName" -}}
{{- printf "%s-play" (include "cascade.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cascade.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cascade.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "cascade.secretName" -}}
{{- if .Values.auth.existingSecret -}}
{{- .Values.auth.existingSecret -}}
{{- else -}}
{{- include "cascade.fullname" . -}}
{{- end -}}
{{- end -}}

{{- define "cascade.secretKey" -}}
{{- if .Values.auth.existingSecret -}}
{{- .Values.auth.existingSecretKey -}}
{{- else -}}
cluster-secret
{{- end -}}
{{- end -}}

{{- define "cascade.image" -}}
{{- $registry := default .Values.image.registry .Values.global.imageRegistry -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s%s@%s" (ternary "" (printf "%s/" $registry) (empty $registry)) .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s%s:%s" (ternary "" (printf "%s/" $registry) (empty $registry)) .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/*
Labels.
*/}}
{{- define "cascade.labels.standard" -}}
app.kubernetes.io/name: {{ include "cascade.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cascade
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Every pod of the release, origins and edges. */}}
{{- define "cascade.labels.matchLabels" -}}
app.kubernetes.io/name: {{ include "cascade.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
How a pod of one tier takes part in the Hazelcast cluster, as the value of the label
cascade.io/hazelcast: "member" for origins, parents and leaves in edge.clusterMode member,
"client" for leaves in edge.clusterMode client. The headless Service selects the members only: a
client has no cluster port and must not be handed out as one. Call with (dict "root" $ "component" "edge").
The mode is the chart's to set (leaves' discovery depends on it): cluster.edgeMode in a config
value, or CASCADE_CLUSTER_EDGE_MODE among the edges' extra variables, fails the install.
*/}}
{{- define "cascade.hazelcastRole" -}}
{{- $root := .root -}}
{{- range $where, $config := dict "config" $root.Values.config "edge.config" $root.Values.edge.config "parent.config" $root.Values.parent.config -}}
{{- if and $config.cluster (hasKey $config.cluster "edgeMode") -}}
{{- fail (printf "%s.cluster.edgeMode: set edge.clusterMode instead (the chart points the leaves' discovery at the members to match)" $where) -}}
{{- end -}}
{{- end -}}
{{- range $root.Values.edge.extraEnvVars -}}
{{- if eq .name "CASCADE_CLUSTER_EDGE_MODE" -}}
{{- fail "edge.extraEnvVars: CASCADE_CLUSTER_EDGE_MODE is set by the chart from edge.clusterMode" -}}
{{- end -}}
{{- end -}}
{{- if and (eq .component "edge") (eq $root.Values.edge.clusterMode "client") -}}
client
{{- else -}}
member
{{- end -}}
{{- end -}}

{{/*
Fully qualified DNS name of the headless Service the nodes find each other through: members join
through it, client edges connect to the members it lists.
*/}}
{{- define "cascade.hazelcast.serviceDns" -}}
{{- printf "%s.%s.svc.%s" (include "cascade.hazelcast.serviceName" .) (include "cascade.namespace" .) .Values.clusterDomain -}}
{{- end -}}

{{/*
cascade.yaml of one tier: the shared `config`, then the role's `config` (for parent edges
`edge.config` and then `parent.config`), then what the chart itself must decide (ports, discovery,
cluster name, a parent's edge.tier), which wins.
Call with (dict "root" $ "role" "origin"), parents with (dict "root" $ "role" "edge" "component" "edge-parent").
*/}}
{{- define "cascade.config" -}}
{{- $root := .root -}}
{{- $role := index $root.Values .role -}}
{{- $chart := dict
  "rtmp" (dict "port" $root.Values.containerPorts.rtmp)
  "http" (dict "port" $root.Values.containerPorts.http)
  "cluster" (dict
    "name" (default (include "cascade.fullname" $root) $root.Values.clusterName)
    "port" $root.Values.containerPorts.hazelcast
    "discovery" "kubernetes"
    "kubernetes" (dict "serviceDns" (include "cascade.hazelcast.serviceDns" $root))) -}}
{{- with $role.recording }}
{{- if .rules }}
{{- $_ := set $chart "recording" (dict "rules" .rules "root" "/var/lib/cascade/recordings" "maxBytes" .maxBytes) -}}
{{- end }}
{{- end }}
{{- $tierConfig := dict -}}
{{- if eq (default .role .component) "edge-parent" -}}
{{- $tierConfig = $root.Values.parent.config -}}
{{- $_ := set $chart "edge" (dict "tier" "parent") -}}
{{- end -}}
{{- $merged := mergeOverwrite (deepCopy $root.Values.config) (deepCopy $role.config) (deepCopy $tierConfig) $chart -}}
{{- toYaml $merged -}}
{{- end -}}

{{/*
Seconds a pod gets between SIGTERM-time (preStop start) and SIGKILL: the preStop sleep, the
node's drain grace and a margin for leaving the cluster, unless set explicitly.
*/}}
{{- define "cascade.terminationGracePeriod" -}}
{{- if .values.terminationGracePeriodSeconds -}}
{{- .values.terminationGracePeriodSeconds -}}
{{- else -}}
{{- add .values.preStopSleepSeconds .values.drainGraceSeconds .values.shutdownMarginSeconds -}}
{{- end -}}
{{- end -}}
