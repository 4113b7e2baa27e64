/**
 * The one place that talks HTTP to BlueKing PaaS (and the only importer of node-fetch).
 * Keep-alive pool, gateway auth header, per-request timeout, no redirects, size cap, and every
 * failure turned into an UpstreamError with the contract's reason.
 */
import { AUTH_HEADER, IDENTITY_KEYS, SECRET_KEYS } from '../authFields';
import http from 'node:http';
import type https from 'node:https';
import fetch, { type Response } from 'node-fetch';
import type { AuthConfig, TargetSpec, UpstreamConfig } from '../config/types';
import { SAME_ANSWER, type ProcessSnapshot } from '../model/snapshot';
import { nextTurn, nextTurnWithinBudget, runInSlices } from '../slices';
import { httpAgent, httpsAgent } from './agents';
import { answerDigest } from './answerDigest';
import { UpstreamError, reasonForStatus } from './errors';
import { parseSteps } from './parse';
import { requestBoundWithin } from './requestBound';
import { parseJsonSteps } from './slicedJson';
import { utf8Steps } from './slicedUtf8';

/** An HTTP 200 answer: its body, and the body's JSON on demand. */
interface Answer {
  bytes: Buffer;
  json(): Promise<unknown>;
}

/** Called once per upstream request with the status code (or "error") and its duration. */
export type RequestObserver = (code: string, seconds: number) => void;

const EXCERPT_CHARS = 200;

/**
 * Bodies from this length on are decoded and parsed in slices (slicedUtf8.ts, slicedJson.ts: the
 * parse costs about three times JSON.parse's CPU); a typical answer is a few KB, and JSON.parse
 * of 1 MB takes a few ms.
 */
const SLICED_PARSE_CHARS = 1024 * 1024;

/** Builds the gateway's X-Bkapi-Authorization JSON from the configured credentials. */
export function authorizationHeader(auth: AuthConfig): string {
  const out: Record<string, string> = { bk_app_code: auth.bk_app_code };
  if (auth.bk_app_secret) out.bk_app_secret = auth.bk_app_secret;
  for (const k of IDENTITY_KEYS) if (auth[k]) out[k] = auth[k] as string;
  return JSON.stringify(out);
}

/** The `processes/list/` path of a target, segments URL-encoded, trailing slash kept. */
export function processListPath(t: Pick<TargetSpec, 'app_code' | 'module_name' | 'environment'>): string {
  const e = encodeURIComponent;
  return `/bkapps/applications/${e(t.app_code)}/modules/${e(t.module_name)}/envs/${e(t.environment)}/processes/list/`;
}

/** OpenSSL's certificate verification failures (as Node reports them) and Node's host-name check. */
const CERTIFICATE_ERRORS = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
]);

/** Whether a connection error code says the server's certificate is not trusted. */
export function isCertificateError(code: string): boolean {
  return CERTIFICATE_ERRORS.has(code);
}

/** zlib's (`Z_DATA_ERROR`, ...) and brotli's (`ERR__ERROR_FORMAT_...`) codes: a body that does not decompress. */
const DECODING_ERROR = /^(Z_|ERR__ERROR_)/;

/**
 * llhttp's codes for an answer that is not valid HTTP (`HPE_HEADER_OVERFLOW`,
 * `HPE_INVALID_CHUNK_SIZE`, ...), except a connection closed mid-message: that one is the network.
 */
function isMalformedHttp(code: string): boolean {
  return code.startsWith('HPE_') && code !== 'HPE_INVALID_EOF_STATE';
}

/** Parses Retry-After (delta seconds or an HTTP date) into milliseconds from now. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export class UpstreamClient {
  private readonly config: UpstreamConfig;
  private readonly observe: RequestObserver;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  /** The agent for base_url's scheme (node-fetch takes the agent or a function choosing one). */
  private readonly agent: http.Agent | ((url: URL) => http.Agent);
  private readonly headers: Record<string, string>;
  private readonly secrets: string[];

  constructor(config: UpstreamConfig, observe: RequestObserver = () => {}) {
    this.config = config;
    this.observe = observe;
    // No maxSockets: the scheduler's Limiter bounds the requests in flight (its slots, and first
    // fetches that stepped aside); a second, lower bound here would queue those inside the agent.
    const agentOptions = { keepAlive: true, maxFreeSockets: config.concurrency };
    this.httpAgent = httpAgent(agentOptions);
    this.httpsAgent = httpsAgent(agentOptions);
    // Requests never leave base_url (redirects are not followed): its scheme picks the agent once.
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(config.base_url)?.[1].toLowerCase();
    this.agent = scheme === 'https' ? this.httpsAgent : scheme === 'http' ? this.httpAgent : (u: URL) => (u.protocol === 'https:' ? this.httpsAgent : this.httpAgent);
    this.headers = {
      Accept: 'application/json',
      'User-Agent': 'bkpaas-process-exporter',
      [AUTH_HEADER]: authorizationHeader(config.auth),
    };
    if (config.tenant_id) this.headers['X-Bk-Tenant-Id'] = config.tenant_id;
    this.secrets = SECRET_KEYS.map((k) => config.auth[k]).filter((s): s is string => !!s && s.length >= 4);
  }

  /**
   * Fetches and parses one target's process list. Throws UpstreamError. With `lastDigest` (the
   * digest of the target's last answer), an answer with that digest is not parsed: SAME_ANSWER.
   */
  async fetchProcessList(target: TargetSpec, signal?: AbortSignal, lastDigest?: string): Promise<ProcessSnapshot | typeof SAME_ANSWER> {
    for (const segment of [target.app_code, target.module_name, target.environment]) {
      // URL parsers resolve "." and ".." (encoded or not): the request would reach another API path.
      if (segment === '.' || segment === '..' || segment === '') {
        throw new UpstreamError('client_error', `GET ${this.config.base_url}${processListPath(target)}: not requested, ${JSON.stringify(segment)} is not a name`);
      }
    }
    let path = processListPath(target);
    if (target.only_latest_version !== undefined) path += `?only_latest_version=${target.only_latest_version}`;
    const body = await this.get(path, signal);
    // A large body is not digested (one hash of several MB would hold the event loop): it is parsed in slices anyway.
    const digest = body.bytes.length < SLICED_PARSE_CHARS ? answerDigest(body.bytes) : undefined;
    if (digest !== undefined && digest === lastDigest) return SAME_ANSWER;
    const json = await body.json();
    // In slices, after a turn of the event loop (JSON.parse just held it): a body of 100 000
    // items must not hold it (scrapes, /healthz). The turns also batch the work: responses that
    // arrived meanwhile are read before any of them is parsed (fewer wake-ups per request; skipping
    // them for small bodies was measured to cost more CPU, not less).
    await nextTurn();
    const snapshot = await runInSlices(parseSteps(json));
    snapshot.digest = digest;
    return snapshot;
  }

  /**
   * GETs base_url + path and decodes the JSON body. Bounded by upstream.timeout (and `signal`),
   * never follows redirects, caps the body at max_response_bytes. Throws UpstreamError.
   */
  async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    return (await this.get(path, signal)).json();
  }

  /**
   * GETs base_url + path: an HTTP 200 answer's body, its JSON decoded on demand. Bounded by
   * upstream.timeout (and `signal`), never follows redirects, caps the body at
   * max_response_bytes. Throws UpstreamError (any other status is one). The request's duration,
   * observed once the body is in, does not include decoding it.
   */
  private async get(path: string, signal?: AbortSignal): Promise<Answer> {
    const url = this.config.base_url + path;
    const where = `GET ${url}`;
    // Under a caller's bound that ends within our timeout (the pool's budget), the request runs
    // on it: no controller, timer or listener of ours (see requestBound.ts).
    const bound = requestBoundWithin(signal, this.config.timeout_ms);
    // Otherwise one controller per request, aborted by our timeout, by the caller's signal, or
    // when the body is refused (too large, cut off: frees the socket at once instead of letting
    // node-fetch drain the rest in the background). Plain listeners, cleared in `finally`:
    // AbortSignal.timeout and AbortSignal.any would keep per-request objects alive past the
    // request (see scheduler/budgets.ts).
    const request = bound ?? new AbortController();
    const timeout = { aborted: false };
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => request.abort();
    if (!bound) {
      timer = setTimeout(() => {
        timeout.aborted = true;
        request.abort();
      }, this.config.timeout_ms);
      if (signal?.aborted) request.abort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    }
    const started = performance.now();
    let code = 'error';
    try {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'GET',
          headers: this.headers,
          redirect: 'manual',
          agent: this.agent,
          size: this.config.max_response_bytes,
          // node-fetch v2 types predate the global AbortSignal; the runtime check is by shape.
          signal: request.signal as unknown as import('node-fetch').RequestInit['signal'],
        });
      } catch (err) {
        throw this.transportError(err, where, timeout.aborted);
      }
      code = String(res.status);
      let bytes: Buffer;
      try {
        bytes = await res.buffer();
      } catch (err) {
        const error = this.bodyError(err, res, where) ?? this.transportError(err, where, timeout.aborted);
        // A refused body ends the fetch (never retried), so a bound may be aborted for it; after a
        // network failure the connection is gone already, and the fetch may still retry.
        if (!bound || error.reason === 'invalid_response') request.abort();
        throw error;
      }
      if (res.status !== 200) throw this.statusError(res, await this.text(bytes), where);
      const contentType = res.headers.get('content-type') ?? 'none';
      return { bytes, json: () => this.parseJson(bytes, where, contentType) };
    } finally {
      if (!bound) {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
      this.observe(code, (performance.now() - started) / 1000);
    }
  }

  /** A body's text (a large one decoded in slices). */
  private async text(bytes: Buffer): Promise<string> {
    return bytes.length < SLICED_PARSE_CHARS ? bytes.toString('utf8') : runInSlices(utf8Steps(bytes));
  }

  /** An HTTP 200 body's JSON. Throws UpstreamError (invalid_response) when it is not JSON. */
  private async parseJson(bytes: Buffer, where: string, contentType: string): Promise<unknown> {
    const text = await this.text(bytes);
    // A turn of the event loop between reading the body (node-fetch's one copy of it) and parsing
    // it, and a parse only within the turn's budget (slices.ts: answers arrive together).
    await nextTurnWithinBudget();
    try {
      // One JSON.parse call of a body of several MB would hold the event loop for tens of ms.
      return text.length < SLICED_PARSE_CHARS ? JSON.parse(text) : await runInSlices(parseJsonSteps(text));
    } catch {
      throw new UpstreamError('invalid_response', `${where}: HTTP 200 with a body that is not JSON (content-type ${contentType}): ${this.excerpt(text)}`, {
        status: 200,
      });
    }
  }

  /** Closes pooled keep-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private transportError(err: unknown, where: string, timedOut: boolean): UpstreamError {
    const e = err as { name?: string; type?: string; code?: string; message?: string };
    if (e.name === 'AbortError' || timedOut) {
      return new UpstreamError('timeout', `${where}: no complete answer within ${this.config.timeout_ms} ms`);
    }
    if (e.type === 'max-size') {
      return new UpstreamError('invalid_response', `${where}: response body larger than ${this.config.max_response_bytes} bytes`);
    }
    // The server answered, but not in HTTP: asking again gets the same answer.
    if (e.code && isMalformedHttp(e.code)) {
      const what = e.code === 'HPE_HEADER_OVERFLOW' ? `response headers larger than ${http.maxHeaderSize} bytes` : 'response that is not valid HTTP';
      return new UpstreamError('invalid_response', `${where}: ${what} (${e.code})`);
    }
    // Connection refused or reset, DNS, TLS certificate problems: the network failed us. A
    // certificate that is not trusted stays so: retrying only repeats the handshake.
    const detail = e.code ? `${e.code}` : this.redact(e.message ?? String(err));
    return new UpstreamError('network', `${where}: ${detail}`, { permanent: e.code !== undefined && isCertificateError(e.code) });
  }

  /** A body that arrived but does not decode under its Content-Encoding; undefined for other failures. */
  private bodyError(err: unknown, res: Response, where: string): UpstreamError | undefined {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !DECODING_ERROR.test(code)) return undefined;
    const encoding = res.headers.get('content-encoding') ?? 'none';
    return new UpstreamError('invalid_response', `${where}: HTTP ${res.status} body that does not decode as Content-Encoding ${encoding} (${code})`, {
      status: res.status,
    });
  }

  private statusError(res: Response, text: string, where: string): UpstreamError {
    const status = res.status;
    const reason = reasonForStatus(status);
    if (status >= 300 && status < 400) {
      const location = res.headers.get('location');
      return new UpstreamError(
        'invalid_response',
        `${where}: HTTP ${status} redirect${location ? ` to ${this.redact(location.split('?')[0])}` : ''} (not followed)`,
        { status },
      );
    }
    const asked = status === 429 ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
    // Honoured up to max_retry_after: a day (or the year 9999) would silence the target for good.
    const retryAfterMs = asked === undefined ? undefined : Math.min(asked, this.config.max_retry_after_ms);
    let retry = '';
    if (asked !== undefined && retryAfterMs !== undefined) {
      const s = (ms: number) => Math.ceil(ms / 1000);
      retry = asked > retryAfterMs ? ` (Retry-After ${s(asked)}s capped to ${s(retryAfterMs)}s)` : ` (retry after ${s(asked)} s)`;
    }
    return new UpstreamError(reason, `${where}: HTTP ${status}${retry}: ${this.describeBody(text)}`, {
      status,
      retryAfterMs,
    });
  }

  /** The useful part of an error body: the gateway's `message`, the backend's `detail`, or an excerpt. */
  private describeBody(text: string): string {
    try {
      const j = JSON.parse(text) as Record<string, unknown>;
      if (j && typeof j === 'object') {
        const msg = typeof j.message === 'string' ? j.message : typeof j.detail === 'string' ? j.detail : undefined;
        const code = typeof j.code === 'string' || typeof j.code === 'number' ? `${j.code} ` : '';
        if (msg !== undefined) return this.excerpt(`${code}${msg}`);
      }
    } catch {
      // not JSON: fall through to an excerpt (HTML error pages are common on 5xx)
    }
    return this.excerpt(text);
  }

  /** A short single-line excerpt with control characters and secrets removed. */
  private excerpt(text: string): string {
    // Redact before cutting: a secret cut in half by the excerpt would no longer match.
    // eslint-disable-next-line no-control-regex
    const flat = this.redact(text.slice(0, 64 * 1024)).replace(/<[^>]*>/g, ' ').replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
    const cut = flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
    return cut || '(empty body)';
  }

  /** Replaces every secret, as is and as it reads inside a JSON string (an echoed header), with ***. */
  private redact(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      out = out.split(s).join('***');
      const escaped = JSON.stringify(s).slice(1, -1);
      if (escaped !== s) out = out.split(escaped).join('***');
    }
    return out;
  }
}
