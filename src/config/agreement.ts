// An agreement file (DESIGN.md "Files"): one consumer fed by this supplier.
import { z } from 'zod';

const schedule = z.union([
  z.literal('always'),
  z.array(z.string().regex(/^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?(,(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?)*\s+\d{2}:\d{2}-\d{2}:\d{2}$/i,
    'a window is "DAYS HH:MM-HH:MM", e.g. "mon-fri 22:00-06:00"')).min(1),
]);

export const agreementFileSchema = z
  .strictObject({
    consumer: z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/i, 'must be ldap://host:port or ldaps://host:port'),
    bindDn: z.string().min(1),
    bindPassword: z.string().min(1).optional(),
    bindPasswordFile: z.string().min(1).optional(),
    transport: z.enum(['plain', 'ldaps', 'starttls']).default('plain'),
    enabled: z.boolean().default(true),
    schedule: schedule.default('always'),
    windowSize: z.number().int().min(1).max(1000).default(10),
    groupSize: z.number().int().min(1).max(10000).default(100),
    compression: z.number().int().min(0).max(9).default(0),
    /** CA file to verify the consumer's certificate (else the system store). */
    tlsCa: z.string().optional(),
    /** Only for tests against throwaway certificates: skip certificate checks. */
    tlsInsecure: z.boolean().default(false),
    heartbeat: z.union([z.string(), z.number()]).optional(),
  })
  .superRefine((a, ctx) => {
    if (!a.bindPassword && !a.bindPasswordFile)
      ctx.addIssue({ code: 'custom', path: ['bindPasswordFile'], message: 'set bindPasswordFile (or bindPassword)' });
    if (a.transport === 'ldaps' && !a.consumer.toLowerCase().startsWith('ldaps:'))
      ctx.addIssue({ code: 'custom', path: ['transport'], message: 'transport ldaps needs an ldaps:// consumer URL' });
    if (a.transport !== 'ldaps' && a.consumer.toLowerCase().startsWith('ldaps:'))
      ctx.addIssue({ code: 'custom', path: ['transport'], message: `an ldaps:// consumer needs transport: ldaps` });
  });

export type AgreementFile = z.output<typeof agreementFileSchema>;
