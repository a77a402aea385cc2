// The server file (DESIGN.md "Files"). Its keys are an interface that
// administrators' scripts depend on: add keys, never rename or re-shape.
import { z } from 'zod';
import { formatDuration, parseDuration } from './duration.js';

const duration = z.union([z.string(), z.number()], { error: 'must be a duration (seconds, or e.g. 90s, 15m, 12h, 7d)' }).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

/** Node's timers wait at most 2^31-1 ms; a longer one would fire at once. */
const TIMER_MAX_MS = 24 * 86_400_000;
/** A duration something waits for with a timer: from `minMs` to 24 days. */
export const timerDuration = (minMs: number, min: string) =>
  duration.pipe(z.number().min(minMs, `must be at least ${min}`).max(TIMER_MAX_MS, 'must be at most 24d'));

/** Why `v` is not an LDAP URL to connect to, or (`listening`: port 0 is any free port) to listen on; undefined: it is. */
function ldapUrlProblem(v: string, listening = false): string | undefined {
  if (!/^ldaps?:\/\/[^/\s]+\/?$/i.test(v)) return 'must be ldap://host:port or ldaps://host:port';
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return `"${v}" is not a valid URL (port 1-65535; an IPv6 address in brackets: ldap://[::1]:389)`;
  }
  if (u.username || u.password) return 'takes no user or password';
  if (u.port === '0' && !listening) return 'port must be 1-65535';
  const host = u.hostname;
  if (host === '') return 'needs a host';
  if (/^[\d.]+$/.test(host) && !/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(host)) return `"${host}" is not an IPv4 address`;
  return undefined;
}

const urlOf = (listening: boolean) =>
  z.string().superRefine((v, ctx) => {
    const why = ldapUrlProblem(v, listening);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  });
export const ldapUrl = urlOf(false);
const listenUrl = urlOf(true);

/** Attribute names as keys of a map: one entry per attribute, whatever the case. */
const byAttribute = <T extends z.ZodType>(value: T) =>
  z.record(z.string(), value).superRefine((m, ctx) => {
    const seen = new Map<string, string>();
    for (const k of Object.keys(m)) {
      const other = seen.get(k.toLowerCase());
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `names the same attribute as "${other}"` });
      seen.set(k.toLowerCase(), k);
    }
  });
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s[\]/]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9389')
  .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'port must be 0-65535');
const indexKind = z.enum(['eq', 'sub', 'pres']);
const policy = z.enum(['lww', 'priority', 'min', 'max', 'sum', 'manual']);
const right = z.enum(['read', 'search', 'compare', 'write', 'add', 'delete', 'proxy']);

const tls = z.strictObject({
  cert: z.string().min(1),
  key: z.string().min(1),
  ca: z.string().min(1).optional(),
  /** Client certificates: none (default), request, or require (checked against `ca`). */
  clientCert: z.enum(['none', 'request', 'require']).default('none'),
}).superRefine((t, ctx) => {
  // Without it, client certificates would be checked against Node's bundled public CAs.
  if (t.clientCert !== 'none' && t.ca === undefined)
    ctx.addIssue({ code: 'custom', path: ['ca'], message: `clientCert: ${t.clientCert} needs ca (the CA file that signs client certificates)` });
});

const limits = z
  .strictObject({
    maxPduBytes: z.number().int().min(1024).default(8 * 1024 * 1024),
    maxConnections: z.number().int().min(1).default(4096),
    maxOpsPerConnection: z.number().int().min(1).default(256),
    /** 0: connections are never closed for idleness. */
    idleTimeout: duration.pipe(z.number().max(TIMER_MAX_MS, 'must be at most 24d')).default(900_000),
    /** A client that leaves its responses unread this long is disconnected (slapd's writetimeout; 0: never). */
    writeTimeout: duration.pipe(z.number().max(TIMER_MAX_MS, 'must be at most 24d')).default(60_000),
    sizeLimit: z.number().int().min(0).default(500),
    timeLimit: duration.default(3_600_000),
    /** Candidates an unindexed search may examine before adminLimitExceeded (0 = unlimited). */
    lookThroughLimit: z.number().int().min(0).default(0),
  })
  .prefault({});

const access = z
  .strictObject({
    anonymousRead: z.boolean().default(true),
    /** DNs (besides rootDn) allowed to write anywhere in the suffix. */
    writers: z.array(z.string()).default([]),
    /** Accept `userPassword` values stored in clear text for simple binds. */
    allowCleartextPasswords: z.boolean().default(false),
    /** Refuse simple binds with a password over a connection without TLS (confidentialityRequired). */
    requireTlsForBind: z.boolean().default(false),
    /** Failed binds per DN: slowed after `delayAfter`, locked for `lockFor` after `lockAfter`. */
    bruteForce: z
      .strictObject({
        delayAfter: z.number().int().min(0).default(3),
        lockAfter: z.number().int().min(1).default(10),
        lockFor: duration.default(300_000),
        window: duration.default(900_000),
      })
      .prefault({}),
    /** Ordered access rules (first match decides); see README "Access control". */
    rules: z
      .array(
        z.strictObject({
          subtree: z.string().min(1).optional(),
          filter: z.string().min(1).optional(),
          attrs: z.array(z.string().min(1)).min(1).optional(),
          who: z.string().min(1),
          allow: z.array(right).optional(),
          deny: z.array(right).optional(),
        }).refine((r) => r.allow !== undefined || r.deny !== undefined, 'a rule needs allow or deny'),
      )
      .default([]),
  })
  .prefault({});

const replication = z
  .strictObject({
    managers: z.array(z.string()).default([]),
    referrals: z.array(ldapUrl).default([]),
    changelog: z.strictObject({ maxAge: duration.default(7 * 86_400_000), maxRecords: z.number().int().min(0).default(0) }).prefault({}),
    tombstoneLifetime: duration.default(7 * 86_400_000),
    /** How long the conflict log keeps a record (0: for ever). */
    conflictLog: z.strictObject({ maxAge: duration.default(30 * 86_400_000) }).prefault({}),
    /** How often the changelog and the conflict log are trimmed and old tombstones purged. */
    maintenanceInterval: timerDuration(100, '100ms').default(60_000),
    priority: z.number().int().default(0),
    attributePolicies: byAttribute(policy).default({}),
    /** Attributes whose values must be unique in the suffix, and what happens to the later entry on a clash. */
    // DESIGN.md: `rename` (default) or `discard`: an attribute named without
    // one (`{ uid: }`, or a list `[uid, mail]`) takes the default.
    uniqueAttributes: z
      .preprocess((v) => (Array.isArray(v) ? Object.fromEntries(v.map((a) => [a, null])) : v), byAttribute(z.enum(['rename', 'discard']).nullable().transform((p) => p ?? 'rename')))
      .default({}),
  })
  .prefault({});

export const serverFileSchema = z
  .strictObject({
    replicaId: z.number().int().min(1).max(4095).optional(),
    role: z.enum(['master', 'hub', 'consumer']).default('master'),
    listen: z.array(listenUrl).min(1),
    tls: tls.optional(),
    dataDir: z.string().min(1),
    suffix: z.string().min(1),
    rootDn: z.string().min(1),
    rootPassword: z.string().min(1).optional(),
    rootPasswordFile: z.string().min(1).optional(),
    schemaDir: z.string().min(1).default('./schema'),
    indexes: byAttribute(z.array(indexKind)).default({ objectClass: ['eq'] }),
    agreementsDir: z.string().min(1).optional(),
    /** Where to refer requests for DNs outside the suffix (slapd's `referral` directive); none: 32 / 53. */
    referral: z.array(ldapUrl).default([]),
    replication,
    limits,
    access,
    log: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** Write logs to this file instead of stdout. */
        file: z.string().optional(),
        /** One line per operation, like slapd's `loglevel stats`. */
        access: z.boolean().default(true),
      })
      .prefault({}),
    /** Prometheus metrics over HTTP at http://listen/metrics (off without this key). */
    metrics: z.strictObject({ listen: hostPort }).optional(),
    /** LMDB map size in MiB; the map grows past it when `growMap` is on (default). */
    mapSizeMiB: z.number().int().min(16).default(4096),
    /** false: the database never grows past mapSizeMiB; writes then get unwillingToPerform. */
    growMap: z.boolean().default(true),
  })
  .superRefine((c, ctx) => {
    if (c.role === 'master' && c.replicaId === undefined)
      ctx.addIssue({ code: 'custom', path: ['replicaId'], message: 'a master needs a replicaId (1-4095, unique among masters)' });
    if (c.role !== 'master' && c.replicaId !== undefined)
      ctx.addIssue({ code: 'custom', path: ['replicaId'], message: `a ${c.role} has no replicaId (only masters originate changes)` });
    if (!c.rootPassword && !c.rootPasswordFile)
      ctx.addIssue({ code: 'custom', path: ['rootPassword'], message: 'set rootPassword (a hash from `meshdir passwd`) or rootPasswordFile' });
    if (c.rootPassword && c.rootPasswordFile)
      ctx.addIssue({ code: 'custom', path: ['rootPasswordFile'], message: 'set only one of rootPassword and rootPasswordFile' });
    // The second listener on one address would only fail at start, as "address already in use" (exit 1).
    const listening = new Map<string, number>();
    c.listen.forEach((v, i) => {
      // (This refinement runs also when a URL was refused above.)
      if (ldapUrlProblem(v, true)) return;
      const u = new URL(v);
      const port = u.port || (u.protocol === 'ldaps:' ? '636' : '389');
      if (port === '0') return;
      const at = `${u.hostname.toLowerCase()}:${port}`;
      const first = listening.get(at);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['listen', i], message: `listens on ${at} as listen.${first} does` });
      else listening.set(at, i);
    });
    if (c.listen.some((u) => u.toLowerCase().startsWith('ldaps:')) && !c.tls)
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'an ldaps:// listener needs tls.cert and tls.key' });
    // A tombstone purged while a master may still send a change made before
    // it saw the delete (a child added under it, a modify) leaves replicas
    // different for good; a master cut off longer than changelog.maxAge is
    // told it needs a total update instead (needs-init), so tombstones must
    // outlive the changelog (as 389-DS asks of its purge delay).
    const r = c.replication;
    if (r.tombstoneLifetime < r.changelog.maxAge)
      ctx.addIssue({ code: 'custom', path: ['replication', 'tombstoneLifetime'], message: `must be at least changelog.maxAge (${formatDuration(r.changelog.maxAge)}): a tombstone purged before the changelog forgets the delete lets replicas differ for good` });
  });

export type ServerFile = z.output<typeof serverFileSchema>;
