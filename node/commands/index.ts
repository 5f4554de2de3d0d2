import type { Command } from '../cli-kit.js'
import { initCommand } from './init.js'
import { secretNewCommand } from './secret.js'
import { bootstrapStartCommand, nodeStartCommand } from './start.js'
import { peersCommand, peersFindCommand, statusCommand } from './status.js'
import { idCommand } from './id.js'
import { clusterCommand, labelRmCommand, labelSetCommand } from './cluster.js'
import { VM_COMMANDS } from './vm.js'
import { installCommand, uninstallCommand } from './install.js'

import { imagePullCommand } from './image-pull.js'
import { IMAGE_COMMANDS } from './image.js'

/** Every CLI command. A service's commands are added here. */
export const COMMANDS: Command[] = [
  initCommand,
  secretNewCommand,
  nodeStartCommand,
  bootstrapStartCommand,
  statusCommand,
  peersCommand,
  peersFindCommand,
  idCommand,
  clusterCommand,
  labelSetCommand,
  labelRmCommand,
  ...VM_COMMANDS,
  installCommand,
  uninstallCommand,
  imagePullCommand,
  ...IMAGE_COMMANDS
]
