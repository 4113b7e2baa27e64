/**
 * HTTP basic auth against bcrypt hashes (web config `basic_auth_users`), as exporter-toolkit does
 * it: an unknown user is compared against a dummy hash so the answer takes as long as for a known
 * one (timing does not tell which users exist); bcrypt runs one comparison at a time (it is
 * CPU-bound and would otherwise let a flood of bad passwords starve the event loop); successful
 * verifications are cached briefly under a SHA-256 of user, hash and password, so a Prometheus
 * scraping every few seconds costs one bcrypt per `cacheMs`.
 */
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** The cost of a bcrypt hash ($2b$10$… → 10). */
function costOf(hash: string): number {
  return Number(hash.slice(4, 6));
}

export interface Credentials {
  user: string;
  password: string;
}

/** Decodes an `Authorization: Basic …` header; undefined when absent or malformed. */
export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const m = /^Basic[ ]+([A-Za-z0-9+/=._~-]+)[ ]*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface BasicAuthOptions {
  /** How long a successful verification is remembered (default 60 s). */
  cacheMs?: number;
  /** At most this many remembered verifications (default 1000; the oldest go first). */
  cacheSize?: number;
  /** For tests: the comparison (default bcryptjs.compare). */
  compare?: (password: string, hash: string) => Promise<boolean>;
}

export class BasicAuth {
  private readonly users: Map<string, string>;
  private readonly cache = new Map<string, number>();
  private readonly cacheMs: number;
  private readonly cacheSize: number;
  private readonly compare: (password: string, hash: string) => Promise<boolean>;
  /** What an unknown user's password is compared against: a hash of a random password, at the highest configured cost. */
  private readonly dummyHash: string;
  /** bcrypt comparisons run one after another. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(users: Record<string, string>, opts: BasicAuthOptions = {}) {
    this.users = new Map(Object.entries(users));
    this.cacheMs = opts.cacheMs ?? 60_000;
    this.cacheSize = opts.cacheSize ?? 1000;
    this.compare = opts.compare ?? ((password, hash) => bcrypt.compare(password, hash));
    const cost = Math.max(4, ...[...this.users.values()].map(costOf).filter((c) => Number.isInteger(c)));
    this.dummyHash = this.users.size > 0 ? bcrypt.hashSync(randomBytes(18).toString('base64'), cost) : '';
  }

  /** True when basic auth is configured at all. */
  get enabled(): boolean {
    return this.users.size > 0;
  }

  /** Whether `credentials` name a configured user with the right password. Never throws. */
  async verify(credentials: Credentials | undefined, now = Date.now()): Promise<boolean> {
    if (!credentials) return false;
    const known = this.users.get(credentials.user);
    const hash = known ?? this.dummyHash;
    const key = createHash('sha256').update(`${credentials.user}\0${hash}\0${credentials.password}`).digest();
    const cacheKey = key.toString('base64');
    const until = this.cache.get(cacheKey);
    if (until !== undefined) {
      if (until > now) return true;
      this.cache.delete(cacheKey);
    }
    let ok = false;
    try {
      ok = await this.serially(() => this.compare(credentials.password, hash));
    } catch {
      ok = false;
    }
    // Unknown users went through the same comparison; only now does knowing them matter.
    ok = ok && known !== undefined;
    if (ok) this.remember(cacheKey, now);
    return ok;
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private remember(key: string, now: number): void {
    if (this.cache.size >= this.cacheSize) {
      for (const [k, until] of this.cache) if (until <= now) this.cache.delete(k);
      while (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(key, now + this.cacheMs);
  }
}
