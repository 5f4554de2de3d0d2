import type { SectionParser } from './schema.js'
import { membershipSection } from '../membership/config.js'
import { vmsConfigSection } from '../vms/config.js'
import { imagesConfigSection } from '../images/config.js'

/**
 * Config sections owned by services other than the core mesh. Each service exports its SectionParser;
 * registering it here makes `config.json` accept (and validate) its top-level key.
 */
export const CONFIG_SECTIONS: SectionParser[] = [
  membershipSection,
  vmsConfigSection,
  imagesConfigSection
]
