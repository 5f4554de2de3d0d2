/**
 * A child process for the crash test: opens a chunk store in argv[2] and puts random (half compressible) chunks
 * in a loop until it is killed. Prints "ready" once the first chunk is stored.
 */
import { createHash, randomBytes } from 'node:crypto'
import { openDatabase } from '../../src/storage/database.js'
import { ChunkStore } from '../../src/images/store/chunk-store.js'

const dataDir = process.argv[2]
if (dataDir === undefined) throw new Error('usage: chunk-store-writer DATA_DIR')
const db = await openDatabase(dataDir)
const store = await ChunkStore.open({ dataDir, db })
for (let i = 0; i < 1_000_000; i++) {
  const size = 1024 + (i * 7919) % (256 * 1024)
  const bytes = i % 2 === 0 ? randomBytes(size) : Buffer.alloc(size, i % 251)
  bytes.writeUInt32LE(i, 0)
  const id = createHash('sha256').update(bytes).digest('hex')
  await store.put(id, bytes)
  if (i === 0) process.stdout.write('ready\n')
}
