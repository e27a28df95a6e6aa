{{/*
Pod template of one tier, shared by the origin StatefulSet and the edge Deployments.
Call with (dict "root" $ "role" "origin"); the parent edges with
(dict "root" $ "role" "edge" "component" "edge-parent" "values" $.Values.parent).
The component names the tier: labels, anti-affinity and the ConfigMap.
*/}}
{{- define "cascade.podTemplate" -}}
{{- $root := .root -}}
{{- $role := .role -}}
{{- $component := default .role .component -}}
{{- $values := default (index $root.Values $role) .values -}}
{{- $hazelcast := include "cascade.hazelcastRole" (dict "root" $root "component" $component) -}}
metadata:
  labels:
    {{- include "cascade.labels.standard" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $component }}
    cascade.io/hazelcast: {{ $hazelcast }}
    {{- with $values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/config: {{ include "cascade.config" (dict "root" $root "role" $role "component" $component) | sha256sum }}
    {{- if $root.Values.auth.clusterSecret }}
    checksum/secret: {{ $root.Values.auth.clusterSecret | sha256sum }}
    {{- end }}
    {{- if $root.Values.metrics.enabled }}
    prometheus.io/scrape: "true"
    prometheus.io/port: {{ $root.Values.containerPorts.http | quote }}
    prometheus.io/path: /metrics
    {{- end }}
    {{- with $values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "cascade.serviceAccountName" $root }}
  automountServiceAccountToken: {{ $root.Values.serviceAccount.automountServiceAccountToken }}
  # Service links would add CASCADE_* variables for Services named cascade-*; see CONFIGURATION.md.
  enableServiceLinks: false
  {{- with $root.Values.image.pullSecrets }}
  imagePullSecrets:
    {{- range . }}
    - name: {{ . }}
    {{- end }}
  {{- end }}
  {{- with $values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  terminationGracePeriodSeconds: {{ include "cascade.terminationGracePeriod" (dict "values" $values) }}
  {{- with $values.podSecurityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if $values.affinity }}
  affinity:
    {{- toYaml $values.affinity | nindent 4 }}
  {{- else if eq $values.podAntiAffinityPreset "soft" }}
  affinity:
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 1
          podAffinityTerm:
            topologyKey: kubernetes.io/hostname
            labelSelector:
              matchLabels:
                {{- include "cascade.labels.matchLabels" $root | nindent 16 }}
                app.kubernetes.io/component: {{ $component }}
  {{- else if eq $values.podAntiAffinityPreset "hard" }}
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        - topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "cascade.labels.matchLabels" $root | nindent 14 }}
              app.kubernetes.io/component: {{ $component }}
  {{- end }}
  {{- with $values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: {{ $role }}
      image: {{ include "cascade.image" $root }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args:
        - {{ $role }}
        - --config
        - /etc/cascade/cascade.yaml
      env:
        - name: CASCADE_NODE_ID
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        # Other nodes reach this one, and edges pull streams from it, at the pod IP.
        - name: CASCADE_CLUSTER_ADVERTISED_HOST
          valueFrom:
            fieldRef:
              fieldPath: status.podIP
        - name: CASCADE_CLUSTER_SECRET
          valueFrom:
            secretKeyRef:
              name: {{ include "cascade.secretName" $root }}
              key: {{ include "cascade.secretKey" $root }}
        # How long a stopping node lets its players go on (node.drainGrace); the pod's
        # terminationGracePeriodSeconds is sized from it.
        - name: CASCADE_NODE_DRAIN_GRACE
          value: {{ printf "%ds" (int $values.drainGraceSeconds) | quote }}
        - name: JAVA_OPTS
          value: {{ $values.javaOpts | quote }}
        {{- if eq $component "edge" }}
        # edge.clusterMode: a lite member, or a Hazelcast client of the members (docs/SCALE.md).
        - name: CASCADE_CLUSTER_EDGE_MODE
          value: {{ $hazelcast }}
        {{- end }}
        {{- with $values.extraEnvVars }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - name: rtmp
          containerPort: {{ $root.Values.containerPorts.rtmp }}
          protocol: TCP
        - name: http
          containerPort: {{ $root.Values.containerPorts.http }}
          protocol: TCP
        {{- if eq $hazelcast "member" }}
        - name: hazelcast
          containerPort: {{ $root.Values.containerPorts.hazelcast }}
          protocol: TCP
        {{- end }}
      {{- with $values.containerSecurityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $values.startupProbe.enabled }}
      startupProbe:
        httpGet:
          path: /health/live
          port: http
        {{- toYaml (omit $values.startupProbe "enabled") | nindent 8 }}
      {{- end }}
      {{- if $values.livenessProbe.enabled }}
      livenessProbe:
        httpGet:
          path: /health/live
          port: http
        {{- toYaml (omit $values.livenessProbe "enabled") | nindent 8 }}
      {{- end }}
      {{- if $values.readinessProbe.enabled }}
      readinessProbe:
        httpGet:
          path: /health/ready
          port: http
        {{- toYaml (omit $values.readinessProbe "enabled") | nindent 8 }}
      {{- end }}
      lifecycle:
        # Keeps serving while the endpoints controller and load balancers stop sending new
        # connections here; then SIGTERM starts the node's own drain.
        preStop:
          exec:
            command: ["sleep", {{ $values.preStopSleepSeconds | quote }}]
      volumeMounts:
        - name: config
          mountPath: /etc/cascade
          readOnly: true
        # The root filesystem is read-only; the JVM and Netty's native transport write here.
        - name: tmp
          mountPath: /tmp
        {{- if and $values.recording $values.recording.rules }}
        - name: recordings
          mountPath: /var/lib/cascade/recordings
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ printf "%s-%s" (include "cascade.fullname" $root) $component }}
    - name: tmp
      emptyDir:
        sizeLimit: {{ $values.tmpSizeLimit }}
    {{- if and $values.recording $values.recording.rules }}
    - name: recordings
      emptyDir:
        sizeLimit: {{ $values.recording.sizeLimit }}
    {{- end }}
{{- end -}}
