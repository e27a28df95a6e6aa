package io.cascade.config;

/** How a node finds the other members of its cluster. */
public enum ClusterDiscovery {
  /** A fixed list of member addresses ({@code cluster.members}): bare metal, VMs and tests. */
  TCP,
  /** The addresses behind a headless Service, looked up in DNS ({@code cluster.kubernetes.serviceDns}). */
  KUBERNETES
}
