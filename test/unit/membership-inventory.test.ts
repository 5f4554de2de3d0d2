import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FieldProblem } from '../../src/config/fields.js'
import { parseConfig } from '../../src/config/schema.js'
import { CONFIG_SECTIONS } from '../../src/config/sections.js'
import type { Member } from '../../src/membership/cluster-view.js'
import { clusterSnapshot } from '../../src/membership/cluster-snapshot.js'
import { membershipSection, type MembershipConfig } from '../../src/membership/config.js'
import { DEFAULT_SUSPECT_TIMEOUT_MS } from '../../src/membership/constants.js'
import { parseNvidiaSmi, queryGpus } from '../../src/membership/gpu.js'
import { measureResources, resourcesChanged } from '../../src/membership/inventory.js'
import { applyLabelChange } from '../../src/membership/labels.js'
import type { VerifiedRecord } from '../../src/membership/record.js'
import type { Liveness, NodeState, Resources } from '../../src/membership/types.js'

describe('GPU inventory from nvidia-smi', () => {
  it('parses one GPU per line of `--query-gpu=name,memory.total --format=csv,noheader,nounits`', () => {
    const out = 'NVIDIA H100 80GB HBM3, 81559\nNVIDIA A100-SXM4-40GB, 40960\n'
    expect(parseNvidiaSmi(out)).toEqual([
      { model: 'NVIDIA H100 80GB HBM3', memoryBytes: 81559 * 1024 * 1024 },
      { model: 'NVIDIA A100-SXM4-40GB', memoryBytes: 40960 * 1024 * 1024 }
    ])
  })

  it('skips lines it cannot read ([N/A] memory, blanks, garbage) and handles commas in names', () => {
    expect(parseNvidiaSmi('Tesla T4, [N/A]\n\ngarbage\n, 100\nQuadro RTX 8000, Rev 2, 48601\r\n')).toEqual([
      { model: 'Quadro RTX 8000, Rev 2', memoryBytes: 48601 * 1024 * 1024 }
    ])
    expect(parseNvidiaSmi('')).toEqual([])
  })

  it('caps the list at 16 GPUs', () => {
    expect(parseNvidiaSmi('GPU, 1\n'.repeat(40))).toHaveLength(16)
  })

  it('reports no GPUs when the binary is absent', async () => {
    expect(await queryGpus(1000, '/nonexistent/nvidia-smi')).toEqual([])
  })
})

describe('resource measurement', () => {
  it('measures cores, memory and the data dir file system', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'novacron-inv-'))
    try {
      const r = await measureResources(dir, [])
      expect(r.cpuCores).toBeGreaterThan(0)
      expect(r.memoryTotal).toBeGreaterThanOrEqual(r.memoryFree)
      expect(r.diskTotal).toBeGreaterThanOrEqual(r.diskFree)
      expect(r.diskTotal).toBeGreaterThan(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('ignores small movements of free memory and disk, republishes on real changes', () => {
    const a: Resources = { cpuCores: 4, load: 0.5, memoryTotal: 1000, memoryFree: 500, diskTotal: 1000, diskFree: 500, gpus: [] }
    expect(resourcesChanged(a, { ...a, memoryFree: 510, diskFree: 495, load: 0.9 })).toBe(false)
    expect(resourcesChanged(a, { ...a, memoryFree: 400 })).toBe(true)
    expect(resourcesChanged(a, { ...a, load: 1.5 })).toBe(true)
    expect(resourcesChanged(a, { ...a, cpuCores: 8 })).toBe(true)
  })
})

describe('runtime labels', () => {
  it('sets and removes labels on a copy', () => {
    const before = { rack: 'r1' }
    expect(applyLabelChange(before, { set: { tier: 'gold' }, remove: ['rack'] })).toEqual({ tier: 'gold' })
    expect(before).toEqual({ rack: 'r1' })
  })

  it('refuses bad keys, bad values, missing keys and empty changes with stable codes', () => {
    const code = (f: () => unknown): string => { try { f() } catch (err) { return (err as { code: string }).code } return 'none' }
    expect(code(() => applyLabelChange({}, { set: { 'Bad Key': 'x' } }))).toBe('ERR_LABEL_KEY')
    expect(code(() => applyLabelChange({}, { set: { ok: 'no spaces' } }))).toBe('ERR_LABEL_VALUE')
    expect(code(() => applyLabelChange({}, { set: { ok: 5 as unknown as string } }))).toBe('ERR_LABEL_VALUE')
    expect(code(() => applyLabelChange({}, { remove: ['nope'] }))).toBe('ERR_LABEL_NOT_FOUND')
    expect(code(() => applyLabelChange({}, {}))).toBe('ERR_LABELS_EMPTY')
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']))
    expect(code(() => applyLabelChange({}, { set: many }))).toBe('ERR_LABELS_TOO_MANY')
  })
})

describe('membership config section', () => {
  const base = { version: 1, site: 's', api: {}, connections: {} }

  it('defaults every timeout when the section is absent and is registered in CONFIG_SECTIONS', () => {
    const c = parseConfig(base, CONFIG_SECTIONS)
    expect((c.sections.membership as MembershipConfig).suspectTimeoutMs).toBe(DEFAULT_SUSPECT_TIMEOUT_MS)
  })

  it('names the bad field', () => {
    const field = (raw: Record<string, unknown>): string => {
      try { membershipSection.parse(raw, 'membership') } catch (err) { if (err instanceof FieldProblem) return err.field; throw err }
      return 'none'
    }
    expect(field({ suspectTimeoutMs: 10 })).toBe('membership.suspectTimeoutMs')
    expect(field({ probeIntervalMs: 'fast' })).toBe('membership.probeIntervalMs')
    expect(field({ bogus: 1 })).toBe('membership.bogus')
    expect(field({ probeIntervalMs: 300, probeTimeoutMs: 250 })).toBe('membership.probeTimeoutMs')
    expect(field({ probeIntervalMs: 300, probeTimeoutMs: 150 })).toBe('none')
  })
})

describe('cluster snapshot', () => {
  const res = (cores: number): Resources => ({ cpuCores: cores, load: 0, memoryTotal: 100, memoryFree: 50, diskTotal: 1000, diskFree: 600, gpus: cores > 8 ? [{ model: 'g', memoryBytes: 1 }] : [] })
  const member = (id: string, site: string, liveness: Liveness, cores: number): Member<VerifiedRecord> => {
    const state: NodeState = { peerId: id, bootEpoch: 1, seq: 1, issuedAtMs: 0, role: 'node', site, labels: {}, resources: res(cores), vms: [{ name: 'v', state: 'running', vcpus: 2, memoryBytes: 10, diskBytes: 1, gpus: 0 }], addresses: [], version: 'x' }
    return { id, record: { state, signed: { record: new Uint8Array(), signature: new Uint8Array() }, size: 0 } as unknown as VerifiedRecord, version: { bootEpoch: 1, seq: 1 }, liveness, livenessSince: 0, receivedAt: 500 }
  }

  it('totals per site count every node but the resources of live ones only', () => {
    const snap = clusterSnapshot([member('a', 'pop', 'alive', 4), member('b', 'pop', 'dead', 16), member('c', 'edge', 'suspect', 16)], 'a', 2000)
    expect(snap.members.map(m => m.peerId)).toEqual(['c', 'a', 'b'])
    expect(snap.members.find(m => m.peerId === 'a')?.self).toBe(true)
    expect(snap.members[0]?.recordAgeSeconds).toBe(1.5)
    const pop = snap.sites.find(s => s.site === 'pop')
    expect(pop).toMatchObject({ nodes: 2, alive: 1, dead: 1, suspect: 0, cpuCores: 4, gpus: 0, vms: 1, vmVcpus: 2 })
    expect(snap.totals).toMatchObject({ nodes: 3, alive: 1, suspect: 1, dead: 1, cpuCores: 20, gpus: 1, vms: 2, memoryTotal: 200 })
    expect(clusterSnapshot([member('a', 'pop', 'alive', 4)], 'a', 0, 'edge').members).toEqual([])
  })
})
