import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { BoundedLru } from '../../storage/bounded-lru.js'
import type { Logger } from '../../logging/logger.js'
import { silentLogger } from '../../logging/logger.js'
import { DEFAULT_PROVIDE_FRESH_MS, DEFAULT_PROVIDE_TIMEOUT_MS, DHT_K, PROVIDER_RECORDS_KEPT } from './constants.js'

/** What a provide yields that matters here: kad-dht's query events (an ADD_PROVIDER answer per peer reached). */
export interface ProvideEvent { name: string, messageName?: string }

export interface ProviderRecordsInit {
  /** kad-dht's `provide` (`libp2p.services.dht.provide`). */
  provide: (key: CID, options?: AbortOptions) => AsyncIterable<ProvideEvent>
  /** How many peers this node is connected to now. */
  connectedPeers: () => number
  logger?: Logger
  /** @default DEFAULT_PROVIDE_FRESH_MS */
  freshMs?: number
  /** @default DEFAULT_PROVIDE_TIMEOUT_MS */
  timeoutMs?: number
  now?: () => number
}

/**
 * The provider records this node announced: for each key, how many peers its last announcement reached and when.
 * Each announcement is a DHT walk plus an ADD_PROVIDER to every close peer (16 requests in a 9-node mesh), and a
 * pull announced its version twice: when it started (so other receivers find it) and again when complete. An
 * announcement of a key whose last one reached as many peers as this node is connected to now (at most the DHT's
 * K), less than `freshMs` ago, is not repeated: every node it could reach holds the record, and kad-dht republishes
 * the node's own records before they expire. One that reached fewer (a pull that started with one connection) is
 * repeated, as is one under way: that one is not started twice.
 */
export class ProviderRecords {
  private readonly init: ProviderRecordsInit
  private readonly log: Logger
  private readonly reached = new BoundedLru<{ peers: number, at: number }>({ maxEntries: PROVIDER_RECORDS_KEPT })
  private readonly inFlight = new Set<string>()
  /** Announcements started and skipped (tests, figures). */
  readonly counts = { started: 0, skipped: 0 }

  constructor (init: ProviderRecordsInit) {
    this.init = init
    this.log = init.logger ?? silentLogger
  }

  /** Announce `key` (fire and forget; failures are logged), unless an announcement of it reached every peer it could. */
  announce (key: CID, label: string): void {
    const k = key.toString()
    const now = this.init.now ?? Date.now
    const last = this.reached.get(k)
    const want = Math.min(this.init.connectedPeers(), DHT_K)
    if (this.inFlight.has(k) || (last != null && want > 0 && last.peers >= want && now() - last.at < (this.init.freshMs ?? DEFAULT_PROVIDE_FRESH_MS))) {
      this.counts.skipped++
      return
    }
    this.counts.started++
    this.inFlight.add(k)
    void this.provide(key, k, now).catch((err: Error) => {
      this.log.debug('provide failed', { image: label, err: err.message })
    }).finally(() => { this.inFlight.delete(k) })
  }

  private async provide (key: CID, k: string, now: () => number): Promise<void> {
    let peers = 0
    for await (const event of this.init.provide(key, { signal: AbortSignal.timeout(this.init.timeoutMs ?? DEFAULT_PROVIDE_TIMEOUT_MS) })) {
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') peers++
    }
    this.reached.set(k, { peers, at: now() })
  }
}
