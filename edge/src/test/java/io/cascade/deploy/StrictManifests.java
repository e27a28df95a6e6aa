package io.cascade.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Version;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Collections;
import java.util.HashMap;
import java.util.ServiceLoader;
import org.yaml.snakeyaml.Yaml;

/**
 * Parses rendered manifests into fabric8's typed model, strictly: an apiVersion/kind without a model
 * class (every class the model jars register as a {@link KubernetesResource} service, keyed by its
 * group, version and kind) or any field the model does not know fails. fabric8
 * keeps unknown fields in {@code additionalProperties} instead of rejecting them, so every object
 * of the parsed tree is walked and each such map must be empty.
 */
final class StrictManifests {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Map<String, Class<? extends KubernetesResource>> TYPES = types();

  private StrictManifests() {
  }

  static List<HasMetadata> parse(String yaml) {
    List<HasMetadata> out = new ArrayList<>();
    int index = 0;
    for (Object doc : new Yaml().loadAll(yaml)) {
      index++;
      if (doc == null) {
        continue;
      }
      String where = "document " + index + " (" + describe(doc) + ")";
      Map<?, ?> map = doc instanceof Map<?, ?> m ? m : Map.of();
      Class<? extends KubernetesResource> type = TYPES.get(map.get("apiVersion") + "/" + map.get("kind"));
      if (type == null || !HasMetadata.class.isAssignableFrom(type)) {
        throw new AssertionError(where + " has no typed model: unknown apiVersion/kind");
      }
      KubernetesResource parsed;
      try {
        parsed = MAPPER.convertValue(doc, type);
      } catch (IllegalArgumentException e) {
        throw new AssertionError(where + " does not bind to the Kubernetes model: " + e.getMessage(), e);
      }
      List<String> unknown = new ArrayList<>();
      walk(parsed, ((HasMetadata) parsed).getKind(), unknown, Collections.newSetFromMap(new IdentityHashMap<>()));
      if (!unknown.isEmpty()) {
        throw new AssertionError(where + " has fields the Kubernetes model does not know: " + unknown);
      }
      out.add((HasMetadata) parsed);
    }
    return out;
  }

  /** {@code group/version/Kind} (core: {@code v1/Kind}) of every registered model class. */
  private static Map<String, Class<? extends KubernetesResource>> types() {
    Map<String, Class<? extends KubernetesResource>> out = new HashMap<>();
    ServiceLoader.load(KubernetesResource.class).stream().map(ServiceLoader.Provider::type).forEach(type -> {
      Group group = type.getAnnotation(Group.class);
      Version version = type.getAnnotation(Version.class);
      if (version == null) {
        return;
      }
      Kind kind = type.getAnnotation(Kind.class);
      String apiVersion = group == null || group.value().isEmpty() ? version.value() : group.value() + "/" + version.value();
      out.put(apiVersion + "/" + (kind != null ? kind.value() : type.getSimpleName()), type);
    });
    return out;
  }

  private static String describe(Object doc) {
    if (doc instanceof Map<?, ?> m) {
      Object meta = m.get("metadata");
      Object name = meta instanceof Map<?, ?> mm ? mm.get("name") : null;
      return m.get("apiVersion") + " " + m.get("kind") + " " + name;
    }
    return String.valueOf(doc);
  }

  private static void walk(Object o, String path, List<String> unknown, Set<Object> seen) {
    if (o == null || !seen.add(o)) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object item : c) {
        walk(item, path + "[" + i++ + "]", unknown, seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> walk(v, path + "." + k, unknown, seen));
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        Object value;
        try {
          f.setAccessible(true);
          value = f.get(o);
        } catch (ReflectiveOperationException | RuntimeException e) {
          continue;
        }
        if (f.getName().equals("additionalProperties")) {
          if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
            extra.keySet().forEach(k -> unknown.add(path + "." + k));
          }
        } else {
          walk(value, path + "." + f.getName(), unknown, seen);
        }
      }
    }
  }
}
