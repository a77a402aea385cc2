// An agreement file (DESIGN.md "Files"): one consumer fed by this supplier.
import { z } from 'zod';
import { parseDN } from '../dit/dn.js';
import { parseWindow } from '../repl/session/schedule.js';
import { ldapUrl, timerDuration } from './server.js';

const window = z.string().superRefine((v, ctx) => {
  try {
    const w = parseWindow(v);
    if (w.start === w.end) ctx.addIssue({ code: 'custom', message: `"${v}" starts where it ends: it never opens` });
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `${(e as Error).message} (a window is "DAYS HH:MM-HH:MM", e.g. "mon-fri 22:00-06:00")` });
  }
});
const schedule = z.union([z.literal('always'), z.array(window).min(1)], { error: 'must be always or a list of windows, e.g. ["mon-fri 22:00-06:00"]' });

export const agreementFileSchema = z
  .strictObject({
    consumer: ldapUrl,
    bindDn: z.string().min(1).superRefine((v, ctx) => {
      let dn: ReturnType<typeof parseDN> | undefined;
      try {
        dn = parseDN(v);
      } catch {
        // below
      }
      if (!dn || dn.length === 0) return ctx.addIssue({ code: 'custom', message: `"${v}" is not a valid DN` });
      // A consumer takes replication only from its Replication Managers, entries below its cn=config (DESIGN.md).
      const top = dn[dn.length - 1]!;
      const underConfig = dn.length > 1 && top.length === 1 && top[0]!.type.toLowerCase() === 'cn' && top[0]!.value.toLowerCase() === 'config';
      if (!underConfig) ctx.addIssue({ code: 'custom', message: `"${v}" is not below cn=config: a consumer takes replication only from its Replication Managers, entries under its cn=config (e.g. "cn=replication manager,cn=config")` });
    }),
    bindPassword: z.string().min(1).optional(),
    bindPasswordFile: z.string().min(1).optional(),
    transport: z.enum(['plain', 'ldaps', 'starttls']).default('plain'),
    enabled: z.boolean().default(true),
    schedule: schedule.default('always'),
    windowSize: z.number().int().min(1).max(1000).default(10),
    groupSize: z.number().int().min(1).max(10000).default(100),
    compression: z.number().int().min(0).max(9).default(0),
    /** CA file to verify the consumer's certificate (else the system store). */
    tlsCa: z.string().min(1).optional(),
    /** Only for tests against throwaway certificates: skip certificate checks. */
    tlsInsecure: z.boolean().default(false),
    /** How often an idle session shows it is alive (default 10s). */
    heartbeat: timerDuration(100, '100ms').optional(),
  })
  .superRefine((a, ctx) => {
    if (!a.bindPassword && !a.bindPasswordFile)
      ctx.addIssue({ code: 'custom', path: ['bindPasswordFile'], message: 'set bindPasswordFile (or bindPassword)' });
    if (a.bindPassword && a.bindPasswordFile)
      ctx.addIssue({ code: 'custom', path: ['bindPasswordFile'], message: 'set only one of bindPassword and bindPasswordFile' });
    if (a.transport === 'ldaps' && !a.consumer.toLowerCase().startsWith('ldaps:'))
      ctx.addIssue({ code: 'custom', path: ['transport'], message: 'transport ldaps needs an ldaps:// consumer URL' });
    // TLS settings on a plain agreement would be silently ignored: the session,
    // the Replication Manager's password included, would go in the clear.
    if (a.transport === 'plain' && (a.tlsCa !== undefined || a.tlsInsecure))
      ctx.addIssue({ code: 'custom', path: ['transport'], message: `${a.tlsCa !== undefined ? 'tlsCa' : 'tlsInsecure'} is set but transport is plain (the default): set transport: starttls or ldaps` });
    if (a.transport !== 'ldaps' && a.consumer.toLowerCase().startsWith('ldaps:'))
      ctx.addIssue({ code: 'custom', path: ['transport'], message: `an ldaps:// consumer needs transport: ldaps` });
  });

export type AgreementFile = z.output<typeof agreementFileSchema>;
