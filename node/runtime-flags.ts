/**
 * V8 flags the node program runs with (the `novacron` shebang, the release wrapper, the demo mesh and the
 * test harnesses all pass these). A 4 MiB young generation instead of V8's default cuts an idle node's RSS
 * by ~12 MiB (measured in benchmarks/node-footprint) at the cost of more frequent, cheap scavenges.
 * It also keeps a node that serves chunks out of back-to-back full GCs. With the default, whose young generation
 * grew to 64 MiB here, V8 started incremental marking at every check of its marking job even with 40 MiB of
 * old-generation headroom left (`--trace-incremental-marking`). In benchmarks/transfer's case 3 the seeder ran 92
 * mark-compacts through a 1 GiB pull over a 100 Mbit/s link and the four-seeder pull after it, against 2–3 with this
 * flag, and about twice the CPU.
 */
export const NODE_RUNTIME_FLAGS = ['--max-semi-space-size=4']
