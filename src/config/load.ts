// Reading YAML config files. Every error is one line: FILE: field: reason.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { MeshdirError } from '../errors.js';
import { serverFileSchema, type ServerFile } from './server.js';
import { agreementFileSchema, type AgreementFile } from './agreement.js';
import { parseDuration } from './duration.js';
import { isSupportedHash } from '../auth/password.js';

export class ConfigError extends MeshdirError {
  constructor(message: string) {
    super('MESHDIR_CONFIG_INVALID', message);
  }
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0]?.line;
    throw new ConfigError(`${file}${line ? `:${line}` : ''}: not valid YAML: ${err.message.split('\n')[0]}`);
  }
  return doc.toJS();
}

function validate<S extends z.ZodType>(file: string, schema: S, data: unknown): z.output<S> {
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new ConfigError(`${file}: expected a YAML mapping of keys`);
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  // A misspelt key is the likely cause of a "required" next to it: name it first.
  const issue = r.error.issues.find((i) => i.code === 'unrecognized_keys') ?? r.error.issues[0]!;
  let path = issue.path.join('.');
  let reason = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = (issue as { keys: string[] }).keys[0]!;
    path = path ? `${path}.${key}` : key;
    reason = 'unknown key (check its spelling against the documented keys)';
  } else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    reason = 'required';
  }
  throw new ConfigError(`${file}: ${path || '(top level)'}: ${reason}`);
}

function fromDir(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}

/** A loaded server file, paths resolved against the file's own directory. */
export interface ServerConfig extends ServerFile {
  file: string;
  /** The root password hash (from rootPassword or rootPasswordFile). */
  rootPasswordHash: string;
}

export function loadServerConfig(file: string): ServerConfig {
  const abs = resolve(file);
  const cfg = validate(abs, serverFileSchema, readYaml(abs));
  const base = dirname(abs);
  let rootPasswordHash = cfg.rootPassword ?? '';
  if (cfg.rootPasswordFile) {
    const pwFile = fromDir(base, cfg.rootPasswordFile);
    try {
      rootPasswordHash = readFileSync(pwFile, 'utf8').trim();
    } catch (e) {
      throw new ConfigError(`${abs}: rootPasswordFile: cannot read ${pwFile}: ${(e as NodeJS.ErrnoException).code}`);
    }
    if (!rootPasswordHash) throw new ConfigError(`${abs}: rootPasswordFile: ${pwFile} is empty`);
  }
  // A value no bind could ever match: refused here rather than found out by a failing bind.
  if (!isSupportedHash(rootPasswordHash) && !cfg.access.allowCleartextPasswords) {
    const field = cfg.rootPasswordFile ? 'rootPasswordFile' : 'rootPassword';
    const scheme = /^\{([^}]*)\}/.exec(rootPasswordHash)?.[1];
    throw new ConfigError(`${abs}: ${field}: ${scheme === undefined ? 'not a password hash' : `{${scheme}} is not a supported hash`} (make one with \`meshdir passwd\` or slappasswd: {SSHA}, {SSHA512}, {PBKDF2-SHA512}…; cleartext needs access.allowCleartextPasswords: true)`);
  }
  return {
    ...cfg,
    file: abs,
    rootPasswordHash,
    dataDir: fromDir(base, cfg.dataDir),
    schemaDir: fromDir(base, cfg.schemaDir),
    agreementsDir: cfg.agreementsDir ? fromDir(base, cfg.agreementsDir) : undefined,
    tls: cfg.tls && {
      ...cfg.tls,
      cert: fromDir(base, cfg.tls.cert),
      key: fromDir(base, cfg.tls.key),
      ca: cfg.tls.ca ? fromDir(base, cfg.tls.ca) : undefined,
    },
    log: { ...cfg.log, file: cfg.log.file ? fromDir(base, cfg.log.file) : undefined },
  };
}

export interface AgreementConfig extends AgreementFile {
  file: string;
  /** The agreement's name: its file name without `.yaml`. */
  name: string;
  password: string;
  /** bindPasswordFile resolved against the agreement file (watched for changes). */
  passwordFile?: string;
  heartbeatMs: number;
}

export function loadAgreement(file: string): AgreementConfig {
  const abs = resolve(file);
  const a = validate(abs, agreementFileSchema, readYaml(abs));
  const base = dirname(abs);
  let password = a.bindPassword ?? '';
  const pwFile = a.bindPasswordFile ? fromDir(base, a.bindPasswordFile) : undefined;
  if (pwFile) {
    try {
      password = readFileSync(pwFile, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new ConfigError(`${abs}: bindPasswordFile: cannot read ${pwFile}: ${(e as NodeJS.ErrnoException).code}`);
    }
  }
  let heartbeatMs = 10_000;
  if (a.heartbeat !== undefined) {
    try {
      heartbeatMs = parseDuration(a.heartbeat);
    } catch (e) {
      throw new ConfigError(`${abs}: heartbeat: ${(e as Error).message}`);
    }
  }
  const name = abs.replace(/^.*\//, '').replace(/\.ya?ml$/i, '');
  return { ...a, file: abs, name, password, passwordFile: pwFile, heartbeatMs, tlsCa: a.tlsCa ? fromDir(base, a.tlsCa) : undefined };
}
