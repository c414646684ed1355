{{/* Common names and labels. */}}
{{- define "agora.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "agora.labels" -}}
app.kubernetes.io/part-of: agora
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "marketplace") */}}
{{- define "agora.selector" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "agora.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .component .root.Values.image.tag -}}
{{- end -}}

{{/* Health probes on Quarkus' SmallRye Health endpoints. */}}
{{- define "agora.probes" -}}
startupProbe:
  httpGet: {path: /q/health/started, port: http}
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: {path: /q/health/live, port: http}
  periodSeconds: 10
  failureThreshold: 3
readinessProbe:
  httpGet: {path: /q/health/ready, port: http}
  periodSeconds: 5
  failureThreshold: 3
{{- end -}}

{{/* Settings every platform service reads (non-secret). */}}
{{- define "agora.commonConfig" -}}
KAFKA_BOOTSTRAP_SERVERS: {{ .Values.kafka.bootstrapServers | quote }}
AGORA_CHAIN_RPC_URL: {{ .Values.ethereum.rpcUrl | quote }}
AGORA_CHAIN_CHAIN_ID: {{ .Values.ethereum.chainId | int64 | quote }}
AGORA_CHAIN_ESCROW_ADDRESS: {{ .Values.ethereum.escrowAddress | quote }}
{{- /* sign-in messages name the site users reach and the chain their sessions are bound to */}}
AGORA_AUTH_DOMAIN: {{ (urlParse .Values.publicUrl).host | quote }}
AGORA_AUTH_URI: {{ .Values.publicUrl | quote }}
AGORA_AUTH_CHAIN_ID: {{ .Values.ethereum.chainId | int64 | quote }}
QUARKUS_DATASOURCE_USERNAME: {{ .Values.postgresql.username | quote }}
AGORA_EVENTS_PRODUCERS_MARKETPLACE: {{ .Values.events.producers.marketplace | quote }}
AGORA_EVENTS_PRODUCERS_BILLING: {{ .Values.events.producers.billing | quote }}
AGORA_EVENTS_PRODUCERS_GOVERNANCE: {{ .Values.events.producers.governance | quote }}
AGORA_EVENTS_PRODUCERS_FUNCTIONS: {{ .Values.events.producers.functions | quote }}
{{- with .Values.observability.tracesEndpoint }}
QUARKUS_OTEL_SDK_DISABLED: "false"
QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: {{ . | quote }}
QUARKUS_OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: {{ $.Values.observability.tracesProtocol | quote }}
{{- end }}
{{- end -}}

{{/* Annotations a Prometheus discovering pods scrapes by: dict "root" . "port" <the pod's http port>. */}}
{{- define "agora.scrapeAnnotations" -}}
{{- if .root.Values.observability.scrapeAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /q/metrics
{{- end }}
{{- end -}}

{{- define "agora.jdbcUrl" -}}
{{- printf "jdbc:postgresql://%s:%v/%s?sslmode=%s" .root.Values.postgresql.host .root.Values.postgresql.port .database .root.Values.postgresql.sslMode -}}
{{- end -}}
