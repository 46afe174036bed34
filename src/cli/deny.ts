import {
  DEFAULT_DENYLIST_KEY,
  checkEntry,
  describeEntry,
  editDenylist,
  keyOfEntry,
  readDenylist,
  serializeDenylist,
  type DenylistEntry,
} from '../denylist/index.js';
import type { ObjectStore } from '../store/types.js';
import { readCertificate } from '../x509/cert.js';
import { EXIT, UsageError, storeFlag, parse, parseTime, requireOne } from './args.js';
import type { Io } from './io.js';
import { readChecked } from './pem-check.js';

const OPTIONS = {
  store: { type: 'string' },
  key: { type: 'string' },
  serial: { type: 'string' },
  'issuer-cert': { type: 'string' },
  sha256: { type: 'string' },
  subject: { type: 'string' },
  reason: { type: 'string' },
  expires: { type: 'string' },
  by: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

/** `deny add|remove|list --store URL ...`: edits the break-glass denylist with conditional writes (DESIGN.md). */
export async function denyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS, 'ACTION');
  const [action, ...extra] = positionals;
  if (action !== 'add' && action !== 'remove' && action !== 'list') {
    throw new UsageError(action === undefined ? 'give add, remove or list' : `unknown action "${action}" (add, remove or list)`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const store = storeFlag(values.store);
  const key = values.key ?? process.env.CRL_DENYLIST_KEY ?? DEFAULT_DENYLIST_KEY;
  if (action === 'list') {
    refuse(values, ['serial', 'issuer-cert', 'sha256', 'subject', 'reason', 'expires', 'by'], 'list');
    return list(store, key, values.json ?? false, io);
  }
  refuse(values, ['json'], action);
  const selector = selectorOf(values);
  if (action === 'remove') {
    refuse(values, ['reason', 'expires', 'by'], 'remove');
    const wanted = keyOfEntry({ ...selector, reason: '-', addedBy: '-', addedAt: '1970-01-01T00:00:00Z' });
    let removed = 0;
    const result = await editDenylist(store, key, (l) => {
      const kept = l.entries.filter((e) => keyOfEntry(e) !== wanted);
      removed = l.entries.length - kept.length;
      return { ...l, entries: kept };
    });
    if (removed === 0) {
      io.err(`no entry for ${describeEntry({ ...selector, reason: '', addedBy: '', addedAt: '' })} in ${store.url} ${key}`);
      return EXIT.unknown;
    }
    io.out(`removed ${removed} entr${removed === 1 ? 'y' : 'ies'}; ${result.list.entries.length} left (ETag ${result.etag})`);
    return EXIT.good;
  }
  const by = values.by ?? process.env.USER ?? process.env.LOGNAME;
  if (!by) throw new UsageError('--by NAME is required when $USER is not set');
  const entry = checkEntry({
    ...selector,
    reason: requireOne(values.reason, '--reason'),
    addedBy: by,
    addedAt: new Date().toISOString(),
    ...(values.expires !== undefined && { expires: parseTime(values.expires, undefined, '--expires').toISOString() }),
  });
  const wanted = keyOfEntry(entry);
  let replaced = false;
  const result = await editDenylist(store, key, (l) => {
    const others = l.entries.filter((e) => keyOfEntry(e) !== wanted);
    replaced = others.length !== l.entries.length;
    return { ...l, entries: [...others, entry] };
  });
  io.out(
    `${replaced ? 'updated' : 'added'} ${describeEntry(entry)}: ${entry.reason}; ${result.list.entries.length} entries in ` +
      `${store.url} ${key} (ETag ${result.etag}${result.attempts > 1 ? `, after ${result.attempts - 1} concurrent edit(s)` : ''})`,
  );
  io.out('the authorizer picks it up on its next revalidation round (CRL_REVALIDATE_SECONDS)');
  return EXIT.good;
}

async function list(store: ObjectStore, key: string, json: boolean, io: Io): Promise<number> {
  const { list: l, etag } = await readDenylist(store, key);
  if (json) {
    io.out(new TextDecoder().decode(serializeDenylist(l)).trimEnd());
    return EXIT.good;
  }
  io.out(`${store.url} ${key}: ${l.entries.length} entries${etag ? ` (ETag ${etag})` : ' (no denylist yet)'}`);
  const now = Date.now();
  for (const e of l.entries) {
    const expired = e.expires !== undefined && Date.parse(e.expires) <= now;
    io.out(
      `  ${describeEntry(e)}  reason: ${e.reason}  by ${e.addedBy} at ${e.addedAt}` +
        (e.expires ? `  expires ${e.expires}${expired ? ' (EXPIRED, no longer matches)' : ''}` : ''),
    );
  }
  return EXIT.good;
}

/** Exactly one selector; for `--serial`, the issuer is named by the CA certificate given. */
function selectorOf(values: Values): Pick<DenylistEntry, 'serial' | 'issuer' | 'sha256' | 'subject'> {
  const given = (['serial', 'sha256', 'subject'] as const).filter((k) => values[k] !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of --serial HEX --issuer-cert FILE, --sha256 HEX or --subject NAME');
  if (values['issuer-cert'] !== undefined && values.serial === undefined) throw new UsageError('--issuer-cert goes with --serial');
  if (values.serial !== undefined) {
    const path = requireOne(values['issuer-cert'], '--issuer-cert');
    // The issuer by name (RFC 5280 comparison): it matches every certificate of that CA with this serial, with or
    // without an authorityKeyIdentifier, and a re-keyed CA of the same name too (break-glass errs towards denying).
    const ca = readCertificate(readChecked(path, '--issuer-cert', 'cert'));
    return { serial: values.serial, issuer: ca.subjectText };
  }
  if (values.sha256 !== undefined) return { sha256: values.sha256 };
  return { subject: values.subject! };
}

function refuse(values: Values, flags: (keyof Values)[], action: string): void {
  for (const f of flags) if (values[f] !== undefined) throw new UsageError(`deny ${action} does not take --${String(f)}`);
}
