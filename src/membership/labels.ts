import { LABEL_KEY, LABEL_VALUE } from '../config/fields.js'
import { InvalidInputError } from '../errors.js'
import { MAX_LABELS } from './constants.js'

/** A runtime label change: keys to set, keys to remove. */
export interface LabelChange {
  set?: Record<string, string>
  remove?: string[]
}

/**
 * Apply a label change to a copy of `labels`. Validates every key and value first and throws
 * InvalidInputError (nothing changed) on the first bad one, a removal of a missing key, or too many labels.
 */
export function applyLabelChange (labels: Record<string, string>, change: LabelChange): Record<string, string> {
  const set = change.set ?? {}
  const remove = change.remove ?? []
  if (Object.keys(set).length === 0 && remove.length === 0) throw new InvalidInputError('labels', 'nothing to change: give labels to set or keys to remove', 'ERR_LABELS_EMPTY')
  for (const [k, v] of Object.entries(set)) {
    if (!LABEL_KEY.test(k)) throw new InvalidInputError(`set.${k}`, `label key must match ${LABEL_KEY}`, 'ERR_LABEL_KEY')
    if (typeof v !== 'string' || !LABEL_VALUE.test(v)) throw new InvalidInputError(`set.${k}`, `label value must be a string matching ${LABEL_VALUE}`, 'ERR_LABEL_VALUE')
  }
  const out = { ...labels }
  for (const k of remove) {
    if (typeof k !== 'string' || !(k in out)) throw new InvalidInputError('remove', `label "${String(k)}" is not set`, 'ERR_LABEL_NOT_FOUND')
    delete out[k]
  }
  Object.assign(out, set)
  if (Object.keys(out).length > MAX_LABELS) throw new InvalidInputError('labels', `more than ${MAX_LABELS} labels`, 'ERR_LABELS_TOO_MANY')
  return out
}
