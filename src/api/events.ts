import type { ServerResponse } from 'node:http'
import type { Startable } from '@libp2p/interface'
import { HttpError, errorBody } from './errors.js'
import { deltaOf } from './event-delta.js'
import type { Logger } from '../logging/logger.js'
import { silentLogger } from '../logging/logger.js'

/** Most live-event subscribers (status pages, `curl -N`) one node serves at once. */
export const DEFAULT_MAX_SUBSCRIBERS = 32
/** How often topics are re-read while anyone is subscribed. */
export const DEFAULT_POLL_INTERVAL_MS = 1000
/** A comment line is sent this often so proxies and browsers keep an idle stream open. */
export const DEFAULT_HEARTBEAT_MS = 15_000
/** A subscriber whose unsent backlog exceeds this is disconnected (a stalled reader must not grow our memory). */
export const DEFAULT_MAX_BACKLOG_BYTES = 4 * 1024 * 1024
/** A topic read that takes longer than this counts as failed for this round. */
export const DEFAULT_READ_TIMEOUT_MS = 5000
/** Browsers reconnect after this many ms when the stream drops. */
export const RETRY_MS = 3000

/** A named piece of node state that the live stream carries, e.g. `peers` or `cluster`. */
export interface Topic {
  name: string
  read: () => Promise<unknown>
}

export interface EventHubInit {
  logger?: Logger
  maxSubscribers?: number
  pollIntervalMs?: number
  heartbeatMs?: number
  maxBacklogBytes?: number
  readTimeoutMs?: number
  /** Called once at start: more topics, e.g. one per API route that exists by then. */
  discover?: () => Topic[]
}

/** What a topic read gave: its value, or the error code when the read failed. */
export type TopicValue = { data: unknown } | { error: { code: string, message: string } }

interface Subscriber {
  res: ServerResponse
  topics: Set<string> | undefined
  /** Set once its snapshot is written: no change event may precede the snapshot. */
  ready: boolean
  /** Per topic, the JSON of the TopicValue this subscriber holds now (the base of its next delta). */
  sent: Map<string, string>
}

/**
 * Server-sent events of node state. Each subscriber first gets one `snapshot` event holding every topic,
 * then a `change` event whenever a topic's value differs from what that subscriber holds: `{topic, patch}` (a
 * delta, see event-delta.ts) when that is shorter, else `{topic, data}` or `{topic, error}`.
 * Topics are re-read every poll interval while someone listens, and at once after `notify()`.
 */
export class EventHub implements Startable {
  private readonly topics = new Map<string, Topic>()
  private readonly subscribers = new Set<Subscriber>()
  private readonly log: Logger
  private readonly maxSubscribers: number
  private readonly pollIntervalMs: number
  private readonly heartbeatMs: number
  private readonly maxBacklogBytes: number
  private readonly readTimeoutMs: number
  /** Topics found only when the hub starts (e.g. from routes registered after the hub was built). */
  private readonly discover: () => Topic[]
  private pollTimer?: NodeJS.Timeout
  private heartbeatTimer?: NodeJS.Timeout
  private polling?: Promise<void>
  private pollAgain = false
  private running = false

  constructor ({
    logger = silentLogger, maxSubscribers = DEFAULT_MAX_SUBSCRIBERS, pollIntervalMs = DEFAULT_POLL_INTERVAL_MS,
    heartbeatMs = DEFAULT_HEARTBEAT_MS, maxBacklogBytes = DEFAULT_MAX_BACKLOG_BYTES, readTimeoutMs = DEFAULT_READ_TIMEOUT_MS,
    discover = () => []
  }: EventHubInit = {}) {
    this.discover = discover
    this.log = logger
    this.maxSubscribers = maxSubscribers
    this.pollIntervalMs = pollIntervalMs
    this.heartbeatMs = heartbeatMs
    this.maxBacklogBytes = maxBacklogBytes
    this.readTimeoutMs = readTimeoutMs
  }

  addTopic (topic: Topic): void {
    if (this.topics.has(topic.name)) throw new Error(`event topic ${topic.name} registered twice`)
    this.topics.set(topic.name, topic)
  }

  topicNames (): string[] {
    return [...this.topics.keys()]
  }

  subscriberCount (): number {
    return this.subscribers.size
  }

  async start (): Promise<void> {
    for (const t of this.discover()) if (!this.topics.has(t.name)) this.addTopic(t)
    this.running = true
    this.pollTimer = setInterval(() => { this.notify() }, this.pollIntervalMs)
    this.heartbeatTimer = setInterval(() => { this.broadcast(': heartbeat\n\n') }, this.heartbeatMs)
  }

  async stop (): Promise<void> {
    this.running = false
    clearInterval(this.pollTimer)
    clearInterval(this.heartbeatTimer)
    for (const s of this.subscribers) s.res.end()
    this.subscribers.clear()
    await this.polling
  }

  /** Something changed (or may have): re-read the topics now rather than at the next tick. */
  notify (): void {
    if (!this.running || this.subscribers.size === 0) return
    if (this.polling != null) {
      this.pollAgain = true
      return
    }
    this.polling = this.poll().finally(() => {
      this.polling = undefined
      if (this.pollAgain) {
        this.pollAgain = false
        this.notify()
      }
    })
  }

  /** Throws HttpError 503 when the hub is stopped or full, 400 for an unknown topic. */
  admit (topics?: string[]): void {
    if (!this.running) throw new HttpError(503, 'ERR_EVENTS_UNAVAILABLE', 'the node is not running')
    for (const t of topics ?? []) {
      if (!this.topics.has(t)) throw new HttpError(400, 'ERR_UNKNOWN_TOPIC', `unknown topic "${t}" (known: ${this.topicNames().join(', ')})`, 'topics')
    }
    if (this.subscribers.size >= this.maxSubscribers) {
      throw new HttpError(503, 'ERR_EVENTS_UNAVAILABLE', `too many live-event subscribers (limit ${this.maxSubscribers}); try again later`)
    }
  }

  /**
   * Start streaming to `res`: a snapshot of `topics` (all when undefined), then their changes.
   * Checks admission again (the limit may have filled since the route's check) and answers with the API's
   * error shape when refused.
   */
  async subscribe (res: ServerResponse, topics?: string[]): Promise<void> {
    try {
      this.admit(topics)
    } catch (err) {
      const e = err as HttpError
      res.writeHead(e.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
      res.end(JSON.stringify(errorBody(e)))
      return
    }
    const sub: Subscriber = { res, topics: topics != null ? new Set(topics) : undefined, ready: false, sent: new Map() }
    this.subscribers.add(sub)
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive'
    })
    res.on('close', () => { this.subscribers.delete(sub) })
    res.socket?.setNoDelay(true)
    res.socket?.setTimeout(0)
    const snapshot: Record<string, TopicValue> = {}
    const names = [...this.topics.keys()].filter(n => sub.topics == null || sub.topics.has(n))
    const values = await Promise.all(names.map(async n => await this.readTopic(n)))
    names.forEach((n, i) => {
      snapshot[n] = values[i] as TopicValue
      sub.sent.set(n, JSON.stringify(values[i]))
    })
    this.write(sub, `retry: ${RETRY_MS}\nevent: snapshot\ndata: ${JSON.stringify({ time: Date.now(), topics: snapshot })}\n\n`)
    sub.ready = true
  }

  private async poll (): Promise<void> {
    const subs = [...this.subscribers].filter(s => s.ready)
    const wants = (s: Subscriber, topic: string): boolean => s.topics == null || s.topics.has(topic)
    const wanted = [...this.topics.keys()].filter(n => subs.some(s => wants(s, n)))
    const values = await Promise.all(wanted.map(async n => await this.readTopic(n)))
    wanted.forEach((name, i) => {
      const json = JSON.stringify(values[i])
      // subscribers holding the same base share one frame
      const frames = new Map<string, string>()
      for (const s of subs) {
        const base = s.sent.get(name)
        if (!wants(s, name) || base === json) continue
        let frame = frames.get(base ?? '')
        if (frame == null) {
          frame = `event: change\ndata: ${JSON.stringify({ time: Date.now(), topic: name, ...changeOf(base, json) })}\n\n`
          frames.set(base ?? '', frame)
        }
        s.sent.set(name, json)
        this.write(s, frame)
      }
    })
  }

  private async readTopic (name: string): Promise<TopicValue> {
    const topic = this.topics.get(name)
    if (topic == null) return { error: { code: 'ERR_UNKNOWN_TOPIC', message: `unknown topic ${name}` } }
    let timer: NodeJS.Timeout | undefined
    try {
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => { reject(new HttpError(504, 'ERR_TOPIC_TIMEOUT', `reading ${name} took over ${this.readTimeoutMs} ms`)) }, this.readTimeoutMs)
      })
      const data = await Promise.race([topic.read(), timeout])
      return { data }
    } catch (err) {
      const code = (err as { code?: unknown }).code
      this.log.debug('event topic read failed', { topic: name, err })
      return { error: { code: typeof code === 'string' ? code : 'ERR_INTERNAL', message: err instanceof HttpError ? err.message : `reading ${name} failed` } }
    } finally {
      clearTimeout(timer)
    }
  }

  private broadcast (frame: string): void {
    for (const s of this.subscribers) if (s.ready) this.write(s, frame)
  }

  private write (sub: Subscriber, frame: string): void {
    if (sub.res.destroyed || sub.res.writableEnded) {
      this.subscribers.delete(sub)
      return
    }
    sub.res.write(frame)
    if (sub.res.writableLength > this.maxBacklogBytes) {
      this.log.warn('dropping a live-event subscriber that does not read', { backlogBytes: sub.res.writableLength })
      this.subscribers.delete(sub)
      sub.res.destroy()
    }
  }
}

/** What a change event carries for a topic moving from `baseJson` to `json` (TopicValue JSON): a delta when shorter. */
function changeOf (baseJson: string | undefined, json: string): TopicValue | { patch: unknown } {
  const next = JSON.parse(json) as TopicValue
  if (baseJson == null) return next
  const base = JSON.parse(baseJson) as TopicValue
  if (!('data' in base) || !('data' in next)) return next
  const delta = deltaOf(base.data, next.data)
  if (delta === undefined) return next
  return JSON.stringify(delta).length < json.length ? { patch: delta } : next
}
