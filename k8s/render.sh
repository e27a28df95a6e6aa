#!/usr/bin/env bash
# Brings the generated deployment files up to date:
#  1. copies grafana/dashboards and grafana/alerts into the chart (helm/cascade/files/grafana):
#     Helm reads no files outside the chart directory;
#  2. renders k8s/cascade.yaml from the chart with k8s/values.yaml (helm-java, no helm binary).
# HelmChartTest fails when either is out of date.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

files=helm/cascade/files/grafana
rm -rf "$files"
for dir in dashboards alerts; do
  if [ -d "grafana/$dir" ] && [ -n "$(ls -A "grafana/$dir")" ]; then
    mkdir -p "$files/$dir"
    cp -p "grafana/$dir"/* "$files/$dir/"
  fi
done

./mvnw -B -q -pl edge -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath
java -cp "edge/target/test-classes:edge/target/classes:$(cat edge/target/test.classpath)" io.cascade.deploy.RenderManifests
