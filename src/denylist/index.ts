export {
  parseDenylist,
  serializeDenylist,
  checkEntry,
  canonicalSerial,
  EMPTY_DENYLIST,
  MAX_DENYLIST_BYTES,
  MAX_DENYLIST_ENTRIES,
  type Denylist,
  type DenylistEntry,
} from './format.js';
export { CompiledDenylist, describeEntry, keyOfEntry } from './match.js';
export { nameKeyOfText, nameDerOfText } from './rfc4514.js';
export { DenylistSource, DEFAULT_DENYLIST_KEY, type RefreshOutcome } from './source.js';
export { editDenylist, readDenylist, EDIT_ATTEMPTS } from './edit.js';
