import type { PeerSession } from './peer-session.js'

/**
 * Chunk sessions a pull opens while it waits for its manifest, handed to its transfer when that starts.
 *
 * A pull from several providers asks one of them for the manifest (1.5 MB for a 1 GiB disk: ~0.3 s over a
 * 100 Mbit/s link) and only then started its transfer, which opened a session to each provider. With the receiver's
 * event loop busy starting the transfer, the last of four sessions opened 245 ms after the transfer started in the
 * test bed. Opened during the wait instead, they are ready when the transfer asks; the session that brought the
 * manifest is kept too. Whatever the transfer does not take is closed when the pull ends (`closeAll`).
 */
export class EarlySessions {
  private readonly sessions = new Map<string, Promise<PeerSession | undefined>>()
  private closed = false

  constructor (private readonly connect: (peer: string) => Promise<PeerSession>) {}

  /** Start opening a session to `peer` (once; a failure leaves the transfer to dial it itself). */
  open (peer: string): void {
    if (this.closed || this.sessions.has(peer)) return
    this.sessions.set(peer, this.connect(peer).then(s => this.keepOrClose(s), () => undefined))
  }

  /** Keep an open session (the one that brought the manifest) for the transfer. */
  adopt (peer: string, session: PeerSession): void {
    if (this.closed || this.sessions.has(peer)) {
      session.close()
      return
    }
    this.sessions.set(peer, Promise.resolve(session))
  }

  /** The session opened to `peer`, if any is open: it is the caller's from now on. */
  async take (peer: string): Promise<PeerSession | undefined> {
    const pending = this.sessions.get(peer)
    if (pending === undefined) return undefined
    this.sessions.delete(peer)
    const session = await pending
    return session?.closed === false ? session : undefined
  }

  /** Close every session not taken, and any that finishes opening later. */
  closeAll (): void {
    this.closed = true
    for (const pending of this.sessions.values()) void pending.then(s => s?.close())
    this.sessions.clear()
  }

  private keepOrClose (session: PeerSession): PeerSession | undefined {
    if (!this.closed) return session
    session.close()
    return undefined
  }
}
