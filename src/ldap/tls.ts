// TLS material from files, reloaded when the files change (certificates
// are renewed without a restart).
import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from '../log.js';
import { MeshdirError } from '../errors.js';

export interface TlsFiles {
  cert: string;
  key: string;
  ca?: string;
}

export class TlsMaterial {
  #ctx: SecureContext;
  readonly #files: TlsFiles;
  readonly #log: Logger;

  constructor(files: TlsFiles, log: Logger) {
    this.#files = files;
    this.#log = log;
    this.#ctx = this.#load();
  }

  #load(): SecureContext {
    const read = (what: string, path: string): Buffer => {
      try {
        return readFileSync(path);
      } catch (e) {
        throw new MeshdirError('MESHDIR_TLS', `tls.${what}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code}`);
      }
    };
    const options: SecureContextOptions = {
      cert: read('cert', this.#files.cert),
      key: read('key', this.#files.key),
      ca: this.#files.ca ? read('ca', this.#files.ca) : undefined,
    };
    // Each file on its own first, so the error names the one at fault.
    const bad = (what: string, path: string, why: string): MeshdirError => new MeshdirError('MESHDIR_TLS', `tls.${what}: ${path}: ${why}`);
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(options.cert as Buffer);
    } catch (e) {
      throw bad('cert', this.#files.cert, `not a PEM certificate (${(e as Error).message})`);
    }
    let key;
    try {
      key = createPrivateKey(options.key as Buffer);
    } catch (e) {
      throw bad('key', this.#files.key, `not a usable PEM private key (${(e as Error).message})`);
    }
    if (!cert.checkPrivateKey(key)) throw bad('key', this.#files.key, `does not match the certificate in tls.cert (${this.#files.cert})`);
    if (this.#files.ca && !/-----BEGIN CERTIFICATE-----/.test(String(options.ca))) throw bad('ca', this.#files.ca, 'holds no PEM certificate');
    try {
      return createSecureContext(options);
    } catch (e) {
      throw new MeshdirError('MESHDIR_TLS', `tls: certificate or key is not usable: ${(e as Error).message}`);
    }
  }

  get context(): SecureContext {
    return this.#ctx;
  }

  /** Poll the files; a changed pair is loaded, a broken one is logged and the old one kept. */
  watch(intervalMs = 2000): void {
    const reload = (): void => {
      try {
        this.#ctx = this.#load();
        this.#log.info({ cert: this.#files.cert }, 'TLS certificate reloaded');
      } catch (e) {
        this.#log.error({ err: (e as Error).message }, 'TLS reload failed; keeping the previous certificate');
      }
    };
    for (const f of [this.#files.cert, this.#files.key, this.#files.ca]) {
      if (f) watchFile(f, { interval: intervalMs, persistent: false }, (cur, prev) => {
        if (cur.mtimeMs !== prev.mtimeMs) reload();
      });
    }
  }

  unwatch(): void {
    for (const f of [this.#files.cert, this.#files.key, this.#files.ca]) if (f) unwatchFile(f);
  }
}
