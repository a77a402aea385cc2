// Reading YAML config files. Every error is one line: FILE: field: reason.
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { MeshdirError } from '../errors.js';
import { serverFileSchema, type ServerFile } from './server.js';
import { agreementFileSchema, type AgreementFile } from './agreement.js';
import { hashDefect, isSupportedHash } from '../auth/password.js';
import { makeDirs } from '../dirs.js';

export class ConfigError extends MeshdirError {
  constructor(message: string) {
    super('MESHDIR_CONFIG_INVALID', message);
  }
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    // A FIFO or device would block the read (or never end): regular files only.
    if (!statSync(file).isFile()) throw new ConfigError(`${file}: not a regular file`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0]?.line;
    const what = err.code === 'DUPLICATE_KEY' ? `key "${/^[^:\n]*/.exec(text.slice(err.pos[0]))![0].trim()}" given twice` : err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    // A password hash pasted unquoted (`rootPassword: {SSHA}…`) reads as a
    // YAML flow mapping: name the key and what to do.
    const hash = line ? /^\s*([A-Za-z][\w.]*):\s+(\{[A-Za-z0-9.+-]+\}\S*)\s*(#.*)?$/.exec(text.split(/\r?\n/)[line - 1] ?? '') : null;
    if (hash) throw new ConfigError(`${file}:${line}: ${hash[1]}: not valid YAML: a value that starts with "{" must be quoted: ${hash[1]}: "${hash[2]}"`);
    throw new ConfigError(`${file}${line ? `:${line}` : ''}: not valid YAML: ${what}`);
  }
  try {
    return doc.toJS();
  } catch (e) {
    // e.g. aliases expanding past the yaml library's limit.
    throw new ConfigError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
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
  const defect = hashDefect(rootPasswordHash);
  if (defect) throw new ConfigError(`${abs}: ${cfg.rootPasswordFile ? 'rootPasswordFile' : 'rootPassword'}: not a hash any password matches: ${defect} (make one with \`meshdir passwd\`)`);
  const logFile = cfg.log.file ? fromDir(base, cfg.log.file) : undefined;
  if (logFile) {
    // Found now, not by a logger that cannot open its file (it would retry without a word).
    try {
      makeDirs(dirname(logFile));
      closeSync(openSync(logFile, 'a'));
    } catch (e) {
      throw new ConfigError(`${abs}: log.file: cannot write ${logFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
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
    log: { ...cfg.log, file: logFile },
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

/**
 * `serverDir`: the directory of the supplier's server file. A relative path
 * is relative to the agreement file; one found only relative to the server
 * file is taken from there (DESIGN.md's examples put `./secrets/m2.pw` next
 * to the server file's `./data` and `./agreements/m1`).
 */
export function loadAgreement(file: string, serverDir?: string): AgreementConfig {
  const abs = resolve(file);
  const a = validate(abs, agreementFileSchema, readYaml(abs));
  const base = dirname(abs);
  const path = (p: string): string => {
    const own = fromDir(base, p);
    if (serverDir === undefined || isAbsolute(p) || existsSync(own)) return own;
    const other = fromDir(serverDir, p);
    return existsSync(other) ? other : own;
  };
  let password = a.bindPassword ?? '';
  const pwFile = a.bindPasswordFile ? path(a.bindPasswordFile) : undefined;
  if (pwFile) {
    try {
      password = readFileSync(pwFile, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new ConfigError(`${abs}: bindPasswordFile: cannot read ${pwFile}: ${(e as NodeJS.ErrnoException).code}`);
    }
    // An empty password is an unauthenticated bind, which no consumer accepts.
    if (password === '') throw new ConfigError(`${abs}: bindPasswordFile: ${pwFile} is empty`);
  }
  const tlsCa = a.tlsCa ? path(a.tlsCa) : undefined;
  if (tlsCa) {
    let pem: string;
    try {
      pem = readFileSync(tlsCa, 'utf8');
    } catch (e) {
      throw new ConfigError(`${abs}: tlsCa: cannot read ${tlsCa}: ${(e as NodeJS.ErrnoException).code}`);
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`${abs}: tlsCa: ${tlsCa} holds no PEM certificate`);
  }
  const heartbeatMs = a.heartbeat ?? 10_000;
  const name = abs.replace(/^.*\//, '').replace(/\.ya?ml$/i, '');
  return { ...a, file: abs, name, password, passwordFile: pwFile, heartbeatMs, tlsCa };
}
