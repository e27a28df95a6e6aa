package io.cascade.deploy;

import static io.cascade.config.ConfigSchema.CLUSTER_ADVERTISED_HOST;
import static io.cascade.config.ConfigSchema.CLUSTER_DISCOVERY;
import static io.cascade.config.ConfigSchema.CLUSTER_EDGE_MODE;
import static io.cascade.config.ConfigSchema.CLUSTER_KUBERNETES_SERVICE_DNS;
import static io.cascade.config.ConfigSchema.CLUSTER_PORT;
import static io.cascade.config.ConfigSchema.EDGE_TIER;
import static io.cascade.config.ConfigSchema.HTTP_PORT;
import static io.cascade.config.ConfigSchema.RTMP_PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.LintResult;
import io.cascade.config.CascadeConfig;
import io.cascade.config.ClusterDiscovery;
import io.cascade.config.ConfigLoader;
import io.cascade.config.ConfigSchema;
import io.cascade.config.EdgeMode;
import io.cascade.config.EdgeTier;
import io.cascade.config.LoadedConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRuleSpec;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart: lint and render with the defaults and every ci/*-values.yaml scenario, every
 * rendered object parsed strictly with fabric8's model, then what a cluster operator relies on:
 * probes, resources, non-root read-only pods, drain timings, disruption budgets, the autoscaler,
 * Services selecting the right pods, a configuration the nodes accept that finds the headless
 * Service, leaf edges as Hazelcast clients finding only the members, and dashboards and alert
 * rules identical to grafana/. Also: k8s/ is the chart's output.
 */
class HelmChartTest {
  private static final Logger log = LoggerFactory.getLogger(HelmChartTest.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String DEFAULT = "(defaults)";

  private final ChartRenderer renderer = new ChartRenderer(Repo.chart());

  static Stream<String> scenarios() throws IOException {
    try (Stream<Path> files = Files.list(Repo.chart().resolve("ci"))) {
      List<String> names = new ArrayList<>(List.of(DEFAULT));
      files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("-values.yaml")).sorted().forEach(names::add);
      return names.stream();
    }
  }

  private static Path valuesFile(String scenario) {
    return scenario.equals(DEFAULT) ? null : Repo.chart().resolve("ci").resolve(scenario);
  }

  private List<HasMetadata> render(String scenario) {
    return StrictManifests.parse(renderer.template(valuesFile(scenario)));
  }

  @Test
  void everyScenarioIsTested() throws IOException {
    assertThat(scenarios().toList()).contains("default-values.yaml", "minimal-values.yaml",
        "monitoring-values.yaml", "production-values.yaml", "tiered-values.yaml", "clients-values.yaml",
        "fleet-1000-values.yaml");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void lintsCleanInStrictMode(String scenario) {
    LintResult result = renderer.lint(valuesFile(scenario));
    log.info("helm lint --strict {}: {}", scenario, result.getMessages());
    assertThat(result.isFailed()).as("helm lint --strict with %s: %s", scenario, result.getMessages()).isFalse();
    assertThat(result.getMessages()).as("lint findings other than INFO").allMatch(m -> m.contains("[INFO]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void rendersStrictlyValidObjectsThatFollowThePolicies(String scenario) throws IOException {
    List<HasMetadata> objects = render(scenario);
    log.info("{} renders {}", scenario, objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList());
    assertThat(objects).allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).as("namespace of %s", name(o))
        .isEqualTo(ChartRenderer.NAMESPACE));
    assertThat(objects.stream().map(HelmChartTest::name).distinct()).as("names").hasSize(objects.size());

    StatefulSet origins = only(objects, StatefulSet.class);
    Deployment edges = named(objects, Deployment.class, "-edge");
    Optional<Deployment> parents = parents(objects);
    assertPod(objects, "origin", "origin", origins.getSpec().getTemplate());
    assertPod(objects, "edge", "edge", edges.getSpec().getTemplate());
    if (parents.isPresent()) {
      assertPod(objects, "edge", "edge-parent", parents.get().getSpec().getTemplate());
    }
    List<PodTemplateSpec> tiers = new ArrayList<>(List.of(origins.getSpec().getTemplate(), edges.getSpec().getTemplate()));
    parents.ifPresent(d -> tiers.add(d.getSpec().getTemplate()));
    assertThat(origins.getSpec().getServiceName()).as("StatefulSet's governing Service")
        .isEqualTo(headless(objects).getMetadata().getName());
    // Discovery hands out members only: a client edge has no cluster port to be connected to.
    for (PodTemplateSpec t : tiers) {
      assertThat(selects(headless(objects).getSpec().getSelector(), t))
          .as("headless Service selects %s", t.getMetadata().getLabels())
          .isEqualTo(hazelcastRole(t).equals("member"));
    }

    Service ingest = named(objects, Service.class, "-ingest");
    Service play = named(objects, Service.class, "-play");
    assertSelectsOnly(ingest.getSpec().getSelector(), origins.getSpec().getTemplate(), edges.getSpec().getTemplate());
    assertSelectsOnly(play.getSpec().getSelector(), edges.getSpec().getTemplate(), origins.getSpec().getTemplate());
    parents.ifPresent(d -> assertSelectsOnly(play.getSpec().getSelector(), edges.getSpec().getTemplate(),
        d.getSpec().getTemplate()));
    Service api = named(objects, Service.class, "-api");
    assertThat(tiers).as("api Service selects every node").allMatch(t -> selects(api.getSpec().getSelector(), t));
    for (Service s : all(objects, Service.class)) {
      for (ServicePort p : s.getSpec().getPorts()) {
        assertThat(p.getTargetPort().getStrVal()).as("%s port %s targets a named container port", name(s), p.getName())
            .isIn("rtmp", "http", "hazelcast");
      }
      assertThat(settingVariables(s.getMetadata().getName()))
          .as("service-link variables of %s that would name a setting", name(s)).isEmpty();
    }

    for (PodDisruptionBudget pdb : all(objects, PodDisruptionBudget.class)) {
      Map<String, String> selector = pdb.getSpec().getSelector().getMatchLabels();
      assertThat(tiers.stream().filter(t -> selects(selector, t))).as("%s covers exactly one tier", name(pdb)).hasSize(1);
    }
    List<Deployment> deployments = new ArrayList<>(List.of(edges));
    parents.ifPresent(deployments::add);
    List<HorizontalPodAutoscaler> hpas = all(objects, HorizontalPodAutoscaler.class);
    for (Deployment d : deployments) {
      Optional<HorizontalPodAutoscaler> hpa = hpas.stream()
          .filter(h -> h.getSpec().getScaleTargetRef().getName().equals(d.getMetadata().getName())).findFirst();
      if (hpa.isPresent()) {
        var spec = hpa.get().getSpec();
        assertThat(spec.getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(spec.getMinReplicas()).isPositive().isLessThanOrEqualTo(spec.getMaxReplicas());
        assertThat(spec.getMetrics()).as("HPA metrics").isNotEmpty();
        assertThat(d.getSpec().getReplicas()).as("%s replicas are the HPA's to set", name(d)).isNull();
      } else {
        assertThat(d.getSpec().getReplicas()).as("%s replicas without an HPA", name(d)).isPositive();
      }
    }
    assertThat(hpas).as("every HPA scales an edge Deployment").allMatch(h -> deployments.stream()
        .anyMatch(d -> d.getMetadata().getName().equals(h.getSpec().getScaleTargetRef().getName())));
    for (NetworkPolicy np : all(objects, NetworkPolicy.class)) {
      Map<String, String> selector = np.getSpec().getPodSelector().getMatchLabels();
      assertThat(tiers).as("%s applies to every node", name(np)).allMatch(t -> selects(selector, t));
      // The first rule lets the release's pods reach each other on any port (Hazelcast, event bus).
      var intra = np.getSpec().getIngress().get(0);
      assertThat(intra.getPorts()).as("ports of the intra-release rule").isNullOrEmpty();
      assertThat(intra.getFrom()).singleElement().satisfies(peer -> assertThat(tiers)
          .as("leaves reach parents, edges reach origins").allMatch(t -> selects(peer.getPodSelector().getMatchLabels(), t)));
    }
    for (ServiceMonitor sm : all(objects, ServiceMonitor.class)) {
      assertThat(sm.getSpec().getSelector().getMatchLabels()).isEqualTo(api.getMetadata().getLabels().entrySet().stream()
          .filter(e -> sm.getSpec().getSelector().getMatchLabels().containsKey(e.getKey()))
          .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
      assertThat(sm.getSpec().getSelector().getMatchLabels()).containsEntry("app.kubernetes.io/component", "api");
      assertThat(sm.getSpec().getEndpoints()).singleElement().satisfies(e -> {
        assertThat(e.getPort()).isEqualTo("http");
        assertThat(e.getPath()).isEqualTo("/metrics");
      });
    }
  }

  private void assertPod(List<HasMetadata> objects, String role, String component, PodTemplateSpec template)
      throws IOException {
    var labels = template.getMetadata().getLabels();
    assertThat(labels).containsEntry("app.kubernetes.io/component", component);
    var pod = template.getSpec();
    assertThat(pod.getEnableServiceLinks()).as("%s enableServiceLinks", role).isFalse();
    assertThat(pod.getAutomountServiceAccountToken()).as("%s mounts no API token", role).isFalse();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).as("%s pod runAsNonRoot", role).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).as("%s pod user", role).isPositive();
    assertThat(pod.getContainers()).as("%s containers", role).hasSize(1);
    Container c = pod.getContainers().get(0);
    assertThat(c.getArgs()).as("%s command", role).first().isEqualTo(role);
    var sc = c.getSecurityContext();
    assertThat(sc.getReadOnlyRootFilesystem()).as("%s readOnlyRootFilesystem", role).isTrue();
    assertThat(sc.getAllowPrivilegeEscalation()).as("%s allowPrivilegeEscalation", role).isFalse();
    assertThat(sc.getRunAsNonRoot()).as("%s container runAsNonRoot", role).isTrue();
    assertThat(sc.getCapabilities().getDrop()).as("%s dropped capabilities", role).contains("ALL");
    for (String kind : List.of("requests", "limits")) {
      var amounts = kind.equals("requests") ? c.getResources().getRequests() : c.getResources().getLimits();
      assertThat(amounts).as("%s resources.%s", role, kind).containsKeys("cpu", "memory");
    }
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
    assertThat(c.getLivenessProbe().getHttpGet().getPort()).isEqualTo(new IntOrString("http"));
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
    assertThat(c.getReadinessProbe().getHttpGet().getPort()).isEqualTo(new IntOrString("http"));
    assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/health/live");
    Map<String, EnvVar> env = new TreeMap<>();
    c.getEnv().forEach(e -> env.put(e.getName(), e));
    // Leaves say how they join (edge.clusterMode); origins and parents are members whatever it is.
    String hazelcast = hazelcastRole(template);
    if (component.equals("edge")) {
      assertThat(env.get("CASCADE_CLUSTER_EDGE_MODE").getValue()).as("leaves' cluster mode").isEqualTo(hazelcast);
    } else {
      assertThat(env).as("%s sets no edge mode", component).doesNotContainKey("CASCADE_CLUSTER_EDGE_MODE");
      assertThat(hazelcast).as("%s is a member", component).isEqualTo("member");
    }
    assertThat(c.getPorts().stream().map(ContainerPort::getName)).as("%s container ports", component)
        .containsExactlyInAnyOrderElementsOf(hazelcast.equals("member") ? List.of("rtmp", "http", "hazelcast")
            : List.of("rtmp", "http"));

    // The drain: the preStop pause and the node's own grace fit in the pod's termination grace,
    // with the 10 s margin node.drainGrace's description asks for.
    List<String> preStop = c.getLifecycle().getPreStop().getExec().getCommand();
    assertThat(preStop).as("%s preStop", role).hasSize(2).first().isEqualTo("sleep");
    long preStopSeconds = Long.parseLong(preStop.get(1));
    long drainSeconds = Duration.ofMillis(toMillis(env.get("CASCADE_NODE_DRAIN_GRACE").getValue())).toSeconds();
    assertThat(pod.getTerminationGracePeriodSeconds()).as("%s terminationGracePeriodSeconds (preStop %d s, drain %d s)",
        role, preStopSeconds, drainSeconds).isGreaterThanOrEqualTo(preStopSeconds + drainSeconds + 10);
    assertThat(env.get("JAVA_OPTS").getValue()).contains("-XX:MaxRAMPercentage=", "-XX:+ExitOnOutOfMemoryError");

    assertThat(env.get("CASCADE_NODE_ID").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    assertThat(env.get("CASCADE_CLUSTER_ADVERTISED_HOST").getValueFrom().getFieldRef().getFieldPath())
        .as("%s relay address from the downward API", role).isEqualTo("status.podIP");
    var secretRef = env.get("CASCADE_CLUSTER_SECRET").getValueFrom().getSecretKeyRef();
    Optional<Secret> secret = all(objects, Secret.class).stream()
        .filter(s -> s.getMetadata().getName().equals(secretRef.getName())).findFirst();
    if (secret.isPresent()) {
      String value = new String(Base64.getDecoder().decode(secret.get().getData().get(secretRef.getKey())));
      assertThat(value).as("generated cluster secret").hasSizeGreaterThanOrEqualTo(32);
    } else {
      log.info("{} takes the cluster secret from the existing Secret {}", role, secretRef.getName());
      assertThat(all(objects, Secret.class)).as("no Secret rendered beside an existing one").isEmpty();
    }

    assertThat(pod.getVolumes().stream().filter(v -> v.getName().equals("tmp")).findFirst().orElseThrow().getEmptyDir())
        .as("%s writable /tmp", role).isNotNull();
    String configMapName = pod.getVolumes().stream().filter(v -> v.getName().equals("config")).findFirst().orElseThrow()
        .getConfigMap().getName();
    ConfigMap configMap = all(objects, ConfigMap.class).stream()
        .filter(m -> m.getMetadata().getName().equals(configMapName)).findFirst()
        .orElseThrow(() -> new AssertionError(role + " mounts ConfigMap " + configMapName + ", which is not rendered"));
    CascadeConfig config = assertNodeAcceptsItsConfig(objects, role, c, configMap, env);
    if (role.equals("edge")) {
      assertThat(config.get(EDGE_TIER)).as("edge.tier of %s", component)
          .isEqualTo(component.equals("edge-parent") ? EdgeTier.PARENT : EdgeTier.LEAF);
    }
    // What the node makes of it: only a leaf with cluster.edgeMode client joins as a client
    // (ClusterNode.joinsAsClient), and that is exactly the pod the headless Service leaves out.
    boolean joinsAsClient = role.equals("edge") && config.get(CLUSTER_EDGE_MODE) == EdgeMode.CLIENT
        && config.get(EDGE_TIER) != EdgeTier.PARENT;
    assertThat(joinsAsClient).as("%s joins as a Hazelcast client", component).isEqualTo(hazelcast.equals("client"));
  }

  /**
   * Cascade's own configuration loader reads the rendered cascade.yaml and the pod's variables (the
   * downward API and the Secret stand in as plain values): it must accept them, and the ports and
   * discovery name must be the container's and the headless Service's.
   */
  private CascadeConfig assertNodeAcceptsItsConfig(List<HasMetadata> objects, String role, Container c,
      ConfigMap configMap, Map<String, EnvVar> env) throws IOException {
    Path file = Files.createTempFile("cascade-" + role, ".yaml");
    try {
      Files.writeString(file, configMap.getData().get("cascade.yaml"));
      Map<String, String> vars = new HashMap<>();
      env.forEach((name, e) -> vars.put(name, e.getValue() != null ? e.getValue()
          : e.getValueFrom().getFieldRef() != null && e.getValueFrom().getFieldRef().getFieldPath().equals("status.podIP")
              ? "10.20.30.40" : "value-of-" + name.toLowerCase()));
      LoadedConfig loaded = ConfigLoader.load(file, vars, Map.of());
      assertThat(loaded.warnings()).as("%s config warnings (every variable the chart sets is a setting)", role).isEmpty();
      CascadeConfig config = loaded.config();
      Service headless = headless(objects);
      assertThat(config.get(CLUSTER_DISCOVERY)).isEqualTo(ClusterDiscovery.KUBERNETES);
      assertThat(config.get(CLUSTER_KUBERNETES_SERVICE_DNS)).as("%s discovery DNS name", role)
          .isEqualTo(headless.getMetadata().getName() + "." + ChartRenderer.NAMESPACE + ".svc.cluster.local");
      assertThat(config.get(CLUSTER_ADVERTISED_HOST)).isEqualTo("10.20.30.40");
      assertThat(config.get(RTMP_PORT)).isEqualTo(containerPort(c, "rtmp"));
      assertThat(config.get(HTTP_PORT)).isEqualTo(containerPort(c, "http"));
      // A member listens on cluster.port; a client connects to the members there.
      assertThat(headless.getSpec().getPorts()).singleElement().satisfies(p -> {
        assertThat(p.getTargetPort().getStrVal()).isEqualTo("hazelcast");
        assertThat(config.get(CLUSTER_PORT)).as("%s cluster.port", role).isEqualTo(p.getPort());
      });
      if (c.getPorts().stream().anyMatch(p -> p.getName().equals("hazelcast"))) {
        assertThat(config.get(CLUSTER_PORT)).isEqualTo(containerPort(c, "hazelcast"));
      }
      return config;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void parentTierIsOffByDefaultAndItsOwnDeploymentWithAutoscalerAndBudgetWhenOn() {
    List<HasMetadata> defaults = render(DEFAULT);
    assertThat(parents(defaults)).as("parent tier by default").isEmpty();
    assertThat(all(defaults, HorizontalPodAutoscaler.class)).hasSize(1);

    List<HasMetadata> objects = render("tiered-values.yaml");
    Deployment leaves = named(objects, Deployment.class, "-edge");
    Deployment parents = parents(objects).orElseThrow();
    PodTemplateSpec parent = parents.getSpec().getTemplate();
    assertThat(selects(leaves.getSpec().getSelector().getMatchLabels(), parent))
        .as("the leaves' Deployment selects no parent pod").isFalse();
    assertThat(selects(parents.getSpec().getSelector().getMatchLabels(), leaves.getSpec().getTemplate()))
        .as("the parents' Deployment selects no leaf pod").isFalse();
    HorizontalPodAutoscaler hpa = named(objects, HorizontalPodAutoscaler.class, "-edge-parent");
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(parents.getMetadata().getName());
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(4);
    PodDisruptionBudget pdb = named(objects, PodDisruptionBudget.class, "-edge-parent");
    assertThat(selects(pdb.getSpec().getSelector().getMatchLabels(), parent)).isTrue();
    assertThat(selects(named(objects, PodDisruptionBudget.class, "-edge").getSpec().getSelector().getMatchLabels(),
        parent)).as("the leaves' budget leaves parents out").isFalse();
    assertThat(selects(headless(objects).getSpec().getSelector(), parent)).as("parents join the cluster").isTrue();
    assertThat(all(objects, Service.class)).as("Services selecting parents: discovery and the API only")
        .filteredOn(s -> selects(s.getSpec().getSelector(), parent))
        .extracting(s -> s.getMetadata().getName()).allMatch(n -> n.endsWith("-hazelcast") || n.endsWith("-api"));
    String config = named(objects, ConfigMap.class, "-edge-parent").getData().get("cascade.yaml");
    assertThat(config).as("parent.config over edge.config").contains("rehomeJitter: 500ms", "upstreamIdleGrace: 60s",
        "tier: parent");
    assertThat(named(objects, ConfigMap.class, "-edge").getData().get("cascade.yaml"))
        .contains("rehomeJitter: 500ms", "upstreamIdleGrace: 30s").doesNotContain("tier:");
    ServiceMonitor sm = only(objects, ServiceMonitor.class);
    assertThat(sm.getSpec().getEndpoints().get(0).getRelabelings()).singleElement().satisfies(r -> {
      assertThat(r.getTargetLabel()).isEqualTo("role");
      assertThat(java.util.regex.Pattern.compile(r.getRegex()).matcher("edge-parent").replaceAll(r.getReplacement() == null
          ? "$1" : r.getReplacement())).as("role of a parent's series").isEqualTo("edge");
    });
  }

  /**
   * edge.clusterMode: member by default (every node in the headless Service, leaves lite members);
   * client turns the leaves into Hazelcast clients that find the origins and parents, and only
   * them, through the same Service, and still reach their cluster port through the NetworkPolicy.
   */
  @Test
  void clientModeLeavesFindOnlyTheMembersThroughTheHeadlessService() throws IOException {
    List<HasMetadata> members = render(DEFAULT);
    PodTemplateSpec memberLeaf = named(members, Deployment.class, "-edge").getSpec().getTemplate();
    assertThat(leafConfig(members).get(CLUSTER_EDGE_MODE)).as("default mode").isEqualTo(EdgeMode.MEMBER);
    assertThat(selects(headless(members).getSpec().getSelector(), memberLeaf)).as("member leaves are found").isTrue();

    List<HasMetadata> objects = render("clients-values.yaml");
    Service headless = headless(objects);
    PodTemplateSpec leaf = named(objects, Deployment.class, "-edge").getSpec().getTemplate();
    PodTemplateSpec parent = parents(objects).orElseThrow().getSpec().getTemplate();
    PodTemplateSpec origin = only(objects, StatefulSet.class).getSpec().getTemplate();
    assertThat(leaf.getSpec().getContainers().get(0).getEnv())
        .contains(new EnvVar("CASCADE_CLUSTER_EDGE_MODE", "client", null));
    assertThat(parent.getSpec().getContainers().get(0).getEnv()).extracting(EnvVar::getName)
        .doesNotContain("CASCADE_CLUSTER_EDGE_MODE");
    assertThat(headless.getSpec().getSelector()).containsEntry("cascade.io/hazelcast", "member");
    assertThat(selects(headless.getSpec().getSelector(), origin)).as("origins are found").isTrue();
    assertThat(selects(headless.getSpec().getSelector(), parent)).as("parents are found").isTrue();
    assertThat(selects(headless.getSpec().getSelector(), leaf)).as("client leaves are not").isFalse();
    CascadeConfig config = leafConfig(objects);
    assertThat(config.get(CLUSTER_EDGE_MODE)).isEqualTo(EdgeMode.CLIENT);
    assertThat(config.get(CLUSTER_KUBERNETES_SERVICE_DNS))
        .isEqualTo(headless.getMetadata().getName() + "." + ChartRenderer.NAMESPACE + ".svc.cluster.local");
    assertThat(config.get(CLUSTER_PORT)).isEqualTo(headless.getSpec().getPorts().get(0).getPort());
    NetworkPolicy np = only(objects, NetworkPolicy.class);
    assertThat(selects(np.getSpec().getPodSelector().getMatchLabels(), origin)
        && selects(np.getSpec().getPodSelector().getMatchLabels(), parent)).as("the policy guards the members").isTrue();
    assertThat(np.getSpec().getIngress().get(0).getFrom()).singleElement()
        .satisfies(peer -> assertThat(selects(peer.getPodSelector().getMatchLabels(), leaf))
            .as("client leaves may reach the members' cluster port").isTrue());
  }

  @Test
  void theChartOwnsTheEdgeMode() {
    for (String value : List.of("config.cluster.edgeMode", "edge.config.cluster.edgeMode")) {
      assertThatThrownBy(() -> new com.marcnuri.helm.Helm(Repo.chart()).template()
          .withKubeVersion(ChartRenderer.KUBE_VERSION).set(value, "client").call())
          .as(value).hasMessageContaining(value).hasMessageContaining("edge.clusterMode");
    }
    assertThatThrownBy(() -> new com.marcnuri.helm.Helm(Repo.chart()).template().withKubeVersion(ChartRenderer.KUBE_VERSION)
        .set("edge.clusterMode", "lite").call())
        .hasMessageContaining("clusterMode");
  }

  /**
   * The ~1,000-edge row of docs/SCALE.md as values (ci/fleet-1000-values.yaml, which the scenario
   * tests also lint and render under the policies): six origins with 2Gi, leaves as clients scaling
   * 100-1,000 with a 1.5 s re-home jitter, a parent tier of 8-12 that stays members.
   */
  @Test
  void theThousandEdgeFleetRendersAsTheScaleNoteSays() throws IOException {
    List<HasMetadata> objects = render("fleet-1000-values.yaml");
    StatefulSet origins = only(objects, StatefulSet.class);
    assertThat(origins.getSpec().getReplicas()).as("origins").isEqualTo(6);
    assertThat(origins.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits().get("memory"))
        .as("origin memory limit").hasToString("2Gi");
    HorizontalPodAutoscaler leaves = named(objects, HorizontalPodAutoscaler.class, "-edge");
    assertThat(leaves.getSpec().getMinReplicas()).isEqualTo(100);
    assertThat(leaves.getSpec().getMaxReplicas()).isEqualTo(1000);
    HorizontalPodAutoscaler parents = named(objects, HorizontalPodAutoscaler.class, "-edge-parent");
    assertThat(parents.getSpec().getMinReplicas()).isEqualTo(8);
    assertThat(parents.getSpec().getMaxReplicas()).isEqualTo(12);
    CascadeConfig leaf = leafConfig(objects);
    assertThat(leaf.get(CLUSTER_EDGE_MODE)).as("leaves join as").isEqualTo(EdgeMode.CLIENT);
    assertThat(leaf.get(ConfigSchema.EDGE_REHOME_JITTER)).isEqualTo(Duration.ofMillis(1500));
    assertThat(hazelcastRole(parents(objects).orElseThrow().getSpec().getTemplate())).as("parents").isEqualTo("member");
    assertThat(hazelcastRole(named(objects, Deployment.class, "-edge").getSpec().getTemplate())).as("leaves")
        .isEqualTo("client");
  }

  /** The leaves' cascade.yaml with their own variables, as their ConfigLoader reads it. */
  private static CascadeConfig leafConfig(List<HasMetadata> objects) throws IOException {
    Container c = named(objects, Deployment.class, "-edge").getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, String> vars = new HashMap<>();
    c.getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> vars.put(e.getName(), e.getValue()));
    Path file = Files.createTempFile("cascade-leaf", ".yaml");
    try {
      Files.writeString(file, named(objects, ConfigMap.class, "-edge").getData().get("cascade.yaml"));
      return ConfigLoader.load(file, vars, Map.of()).config();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static String hazelcastRole(PodTemplateSpec pod) {
    String role = pod.getMetadata().getLabels().get("cascade.io/hazelcast");
    assertThat(role).as("cascade.io/hazelcast of %s", pod.getMetadata().getLabels()).isIn("member", "client");
    return role;
  }

  @Test
  void headlessServiceFindsEveryNodeBeforeItIsReady() {
    List<HasMetadata> objects = render(DEFAULT);
    Service headless = headless(objects);
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(selects(headless.getSpec().getSelector(), only(objects, StatefulSet.class).getSpec().getTemplate())
        && selects(headless.getSpec().getSelector(), only(objects, Deployment.class).getSpec().getTemplate()))
        .as("the headless Service selects origins and (member) edges").isTrue();
  }

  @Test
  void valuesSchemaRejectsAMisspelledValue() {
    assertThatThrownBy(() -> new com.marcnuri.helm.Helm(Repo.chart()).template().withKubeVersion(ChartRenderer.KUBE_VERSION)
        .set("origin.replicas", 3).call())
        .hasMessageContaining("replicas");
    assertThatThrownBy(() -> new com.marcnuri.helm.Helm(Repo.chart()).template().withKubeVersion(ChartRenderer.KUBE_VERSION)
        .set("origin.service.type", "Ingress").call())
        .hasMessageContaining("type");
  }

  @Test
  void quotedBigNumbersReachTheNodesAsWritten() {
    ConfigMap edge = named(render("minimal-values.yaml"), ConfigMap.class, "-edge");
    assertThat(edge.getData().get("cascade.yaml")).contains("windowAckSize: \"5000000\"", "chunkSize: 8192");
  }

  @Test
  void recordingRulesGiveOriginsARecordingVolumeAndTheirSettings() throws IOException {
    List<HasMetadata> objects = render("recording-values.yaml");
    PodTemplateSpec origin = only(objects, StatefulSet.class).getSpec().getTemplate();
    var volume = origin.getSpec().getVolumes().stream().filter(v -> v.getName().equals("recordings")).findFirst()
        .orElseThrow(() -> new AssertionError("no recordings volume on the origins"));
    assertThat(volume.getEmptyDir().getSizeLimit().toString()).isEqualTo("5Gi");
    var mount = origin.getSpec().getContainers().get(0).getVolumeMounts().stream()
        .filter(m -> m.getName().equals("recordings")).findFirst().orElseThrow();
    Path file = Files.createTempFile("cascade-origin", ".yaml");
    try {
      Files.writeString(file, named(objects, ConfigMap.class, "-origin").getData().get("cascade.yaml"));
      CascadeConfig config = ConfigLoader.load(file, Map.of(), Map.of()).config();
      assertThat(config.get(ConfigSchema.RECORDING_ROOT)).isEqualTo(mount.getMountPath());
      assertThat(config.get(ConfigSchema.RECORDING_RULES)).hasSize(2);
      assertThat(config.get(ConfigSchema.RECORDING_MAX_BYTES)).isEqualTo(4L << 30);
    } finally {
      Files.deleteIfExists(file);
    }
    assertThat(only(objects, Deployment.class).getSpec().getTemplate().getSpec().getVolumes())
        .as("edges record nothing").noneMatch(v -> v.getName().equals("recordings"));
    assertThat(only(render("default-values.yaml"), StatefulSet.class).getSpec().getTemplate().getSpec().getVolumes())
        .as("no rules, no volume").noneMatch(v -> v.getName().equals("recordings"));
  }

  @Test
  void terminationGraceFollowsTheDrainGrace() {
    List<HasMetadata> objects = render("production-values.yaml");
    PodTemplateSpec edge = only(objects, Deployment.class).getSpec().getTemplate();
    assertThat(edge.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(5 + 120 + 15);
    assertThat(edge.getSpec().getContainers().get(0).getEnv()).contains(new EnvVar("CASCADE_NODE_DRAIN_GRACE", "120s", null));
    PodTemplateSpec origin = only(objects, StatefulSet.class).getSpec().getTemplate();
    assertThat(origin.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(5 + 10 + 15);
  }

  @Test
  void chartCopiesOfGrafanaFilesAreIdentical() throws IOException {
    Path grafana = Repo.root().resolve("grafana");
    Path copies = Repo.chart().resolve("files/grafana");
    for (String dir : List.of("dashboards", "alerts")) {
      Map<String, byte[]> originals = files(grafana.resolve(dir));
      Map<String, byte[]> copied = files(copies.resolve(dir));
      log.info("grafana/{}: {} file(s) {}", dir, originals.size(), originals.keySet());
      assertThat(copied.keySet()).as("chart copies of grafana/%s (run k8s/render.sh)", dir)
          .containsExactlyInAnyOrderElementsOf(originals.keySet());
      originals.forEach((name, bytes) -> assertThat(copied.get(name))
          .as("helm/cascade/files/grafana/%s/%s is a copy of grafana/%s/%s (run k8s/render.sh)", dir, name, dir, name)
          .isEqualTo(bytes));
    }
  }

  @Test
  void monitoringScenarioShipsEveryDashboardAndAlertRule() throws IOException {
    List<HasMetadata> objects = render("monitoring-values.yaml");
    Map<String, byte[]> dashboards = files(Repo.root().resolve("grafana/dashboards"));
    Map<String, String> shipped = new TreeMap<>();
    for (ConfigMap m : all(objects, ConfigMap.class)) {
      if ("1".equals(m.getMetadata().getLabels().get("grafana_dashboard"))) {
        assertThat(m.getData()).as("dashboards in %s", name(m)).hasSize(1);
        shipped.putAll(m.getData());
      }
    }
    assertThat(shipped.keySet()).as("dashboard ConfigMaps").containsExactlyInAnyOrderElementsOf(dashboards.keySet());
    dashboards.forEach((name, bytes) -> assertThat(shipped.get(name)).as("dashboard %s", name)
        .isEqualTo(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)));

    Map<String, byte[]> rules = files(Repo.root().resolve("grafana/alerts"));
    List<PrometheusRule> rendered = all(objects, PrometheusRule.class);
    assertThat(rendered).as("one PrometheusRule per rules file").hasSize(rules.size());
    for (var entry : rules.entrySet()) {
      String base = entry.getKey().replaceFirst("\\.ya?ml$", "");
      PrometheusRule rule = named(objects, PrometheusRule.class, "-" + base);
      PrometheusRuleSpec expected = MAPPER.convertValue(new Yaml().load(new String(entry.getValue(),
          java.nio.charset.StandardCharsets.UTF_8)), PrometheusRuleSpec.class);
      assertThat(rule.getSpec()).as("rules of %s", entry.getKey()).isEqualTo(expected);
      assertThat(rule.getSpec().getGroups()).as("rule groups in %s", entry.getKey()).isNotEmpty();
    }
    assertThat(all(objects, ServiceMonitor.class)).hasSize(1);
  }

  @Test
  void plainManifestsInK8sAreTheChartRendered() throws IOException {
    Path root = Repo.root();
    String expected = RenderManifests.render(root);
    assertThat(Files.readString(RenderManifests.output(root)))
        .as("k8s/cascade.yaml is the chart rendered with k8s/values.yaml; run k8s/render.sh").isEqualTo(expected);
    List<HasMetadata> objects = StrictManifests.parse(expected);
    assertThat(all(objects, Secret.class)).as("plain manifests carry no secret").isEmpty();
    assertThat(objects).allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(RenderManifests.NAMESPACE));
  }

  private static Map<String, byte[]> files(Path dir) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.filter(Files::isRegularFile).toList()) {
        out.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    }
    return out;
  }

  /** Setting variables that Kubernetes' service links for a Service of this name would set. */
  private static List<String> settingVariables(String serviceName) {
    String prefix = serviceName.toUpperCase().replace('-', '_') + "_";
    return ConfigSchema.settings().stream().map(s -> s.envName())
        .filter(v -> v.startsWith(prefix) && (v.equals(prefix + "SERVICE_HOST") || v.equals(prefix + "SERVICE_PORT")
            || v.equals(prefix + "PORT") || v.startsWith(prefix + "PORT_") || v.startsWith(prefix + "SERVICE_PORT_")))
        .toList();
  }

  private static long toMillis(String duration) {
    if (duration.endsWith("ms")) {
      return Long.parseLong(duration.substring(0, duration.length() - 2));
    }
    assertThat(duration).as("drain grace").endsWith("s");
    return Long.parseLong(duration.substring(0, duration.length() - 1)) * 1000;
  }

  private static int containerPort(Container c, String name) {
    return c.getPorts().stream().filter(p -> p.getName().equals(name)).findFirst().orElseThrow().getContainerPort();
  }

  private static Service headless(List<HasMetadata> objects) {
    List<Service> headless = all(objects, Service.class).stream()
        .filter(s -> "None".equals(s.getSpec().getClusterIP())).toList();
    assertThat(headless).as("headless Services").hasSize(1);
    return headless.get(0);
  }

  /** The parent edges' Deployment, when the tier is on. */
  private static Optional<Deployment> parents(List<HasMetadata> objects) {
    return all(objects, Deployment.class).stream().filter(d -> d.getMetadata().getName().endsWith("-edge-parent"))
        .findFirst();
  }

  private static boolean selects(Map<String, String> selector, PodTemplateSpec pod) {
    return selector != null && !selector.isEmpty()
        && pod.getMetadata().getLabels().entrySet().containsAll(selector.entrySet());
  }

  private static void assertSelectsOnly(Map<String, String> selector, PodTemplateSpec wanted, PodTemplateSpec other) {
    assertThat(selects(selector, wanted)).as("selector %s selects %s", selector, wanted.getMetadata().getLabels()).isTrue();
    assertThat(selects(selector, other)).as("selector %s selects %s", selector, other.getMetadata().getLabels()).isFalse();
  }

  private static String name(HasMetadata o) {
    return o.getKind() + "/" + o.getMetadata().getName();
  }

  private static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
    List<T> found = all(objects, type);
    assertThat(found).as("%s objects", type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  private static <T extends HasMetadata> T named(List<HasMetadata> objects, Class<T> type, String suffix) {
    List<T> found = all(objects, type).stream().filter(o -> o.getMetadata().getName().endsWith(suffix)).toList();
    assertThat(found).as("%s named *%s", type.getSimpleName(), suffix).hasSize(1);
    return found.get(0);
  }
}
