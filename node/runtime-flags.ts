/**
 * V8 flags the node program runs with (the `novacron` shebang, the release wrapper, the demo mesh and the
 * test harness all pass these). A 4 MiB young generation instead of V8's default cuts an idle node's RSS
 * by ~12 MiB (measured in benchmarks/node-footprint) at the cost of more frequent, cheap scavenges.
 */
export const NODE_RUNTIME_FLAGS = ['--max-semi-space-size=4']
