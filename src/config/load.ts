import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DATA_DIR_FILES } from '../constants.js'
import { writeFileAtomic } from '../storage/atomic-file.js'
import { ConfigError } from './errors.js'
import { FieldProblem } from './fields.js'
import { configToJson, parseConfig, type NodeConfig } from './schema.js'
import { CONFIG_SECTIONS } from './sections.js'

export function configPath (dataDir: string): string {
  return join(dataDir, DATA_DIR_FILES.config)
}

/** Read and validate `<dataDir>/config.json`. Throws ConfigError naming the file and the field. */
export async function loadConfig (dataDir: string): Promise<NodeConfig> {
  const file = configPath(dataDir)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new ConfigError(file, '(file)', 'does not exist: run `novacron init --data-dir DIR` first', 'ERR_CONFIG_MISSING')
    throw new ConfigError(file, '(file)', `cannot be read (${code ?? String(err)})`, 'ERR_CONFIG_UNREADABLE')
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(file, '(file)', `is not valid JSON (${(err as Error).message})`, 'ERR_CONFIG_SYNTAX')
  }
  try {
    return parseConfig(raw, CONFIG_SECTIONS)
  } catch (err) {
    if (err instanceof FieldProblem) throw new ConfigError(file, err.field, err.problem)
    throw err
  }
}

export async function saveConfig (dataDir: string, config: NodeConfig): Promise<void> {
  await writeFileAtomic(configPath(dataDir), JSON.stringify(configToJson(config), null, 2) + '\n', 0o600)
}
