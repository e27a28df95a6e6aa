package io.cascade.config;

/** How an edge takes part in the Hazelcast cluster; origins are always data members. */
public enum EdgeMode {
  /**
   * A lite member: in the member list, heartbeating every other member and connected to each of
   * them. Cost per edge grows with the size of the whole cluster; fine for tens of edges.
   */
  MEMBER,
  /**
   * A Hazelcast (smart) client of the origins: one connection per origin, no heartbeats between
   * edges, and not in the member list, so adding an edge costs the others nothing.
   */
  CLIENT
}
