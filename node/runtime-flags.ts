/**
 * V8 flags the node program runs with (the `novacron` shebang, the release wrapper, the demo mesh and the
 * test harnesses all pass these). A 4 MiB young generation instead of V8's default cuts an idle node's RSS
 * by ~12 MiB (measured in benchmarks/node-footprint) at the cost of more frequent, cheap scavenges.
 * It also keeps a node that serves chunks out of back-to-back full GCs. With the default, whose young generation
 * grew to 64 MiB here, V8 started incremental marking at every check of its marking job even with 40 MiB of
 * old-generation headroom left (`--trace-incremental-marking`). In benchmarks/transfer's case 3 the seeder ran 92
 * mark-compacts through a 1 GiB pull over a 100 Mbit/s link and the four-seeder pull after it, against 2–3 with this
 * flag, and about twice the CPU.
 *
 * `--heap-growing-percent=100`: after each full GC the old generation may grow to twice what survived it. V8's own
 * factor depends on how fast the program allocated lately; a node that served chunks at a 100 Mbit/s link's pace
 * (slowly, by V8's measure) got a limit only ~12 MiB above its ~27 MiB live heap, no more than the young
 * generation's capacity, and V8 then started incremental marking at every check (`--trace-incremental-marking`:
 * "Start (task)" with 12 MiB of slack). In 7 of 13 runs of a one-to-one pull of a 256 MiB image over such a link
 * the seeder ran 12-24 mark-compacts in 8 s instead of 1-3, and used 1.9-2.6 CPU s instead of 0.9-1.2; with this
 * flag, 0 of 11 (a fixed 30% made it 6 of 6). Idle RSS did not grow (benchmarks/node-footprint: 110.4 MiB, 125.1 with
 * 31 peers, against 111.8 and 125.2 before).
 */
export const NODE_RUNTIME_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=100']
