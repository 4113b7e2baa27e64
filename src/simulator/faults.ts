/**
 * The simulator's fault injection: every scenario but the ten 200 bodies — refusals and error
 * pages, hangs, trickles, resets, dropped connections, redirects, the huge body, slow and flaky
 * targets, and the odd bodies. Installed by `startSimulator` (index.ts: tests, benchmark, CLI);
 * `--demo` runs the server without it (faultHook.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultHost, FaultInjection, FaultRequest } from './faultHook';
import { FAULT_REPLIES } from './faultReplies';
import { streamHuge } from './huge';
import { bodyScenarioOf } from './model';
import { badVersionsBody, fractionalCountsBody, hostileNamesBody, manyProcessesBody, negativeCountsBody, nullListsBody } from './oddBodies';
import { jsonReply, REPLIES, type Reply } from './replies';
import type { Scenario, SimTarget } from './types';

/** Scenarios that serve a healthy body the exporter cannot read whole: bodyOf() has none for them. */
const UNREADABLE_BODY = new Set<Scenario>(['trickle', 'reset', 'bad_gzip', 'huge_header']);

/** The `slow` scenario's delay unless the target sets its own latency. */
const SLOW_MS = 5000;

interface TrickleSession {
  res: ServerResponse;
  body: Buffer;
  pos: number;
}

/** Makes the fault injection of one simulator (a FaultInjector). */
export function injectFaults(host: FaultHost): FaultInjection {
  return new Faults(host);
}

class Faults implements FaultInjection {
  private readonly trickles = new Set<TrickleSession>();
  private trickleTimer?: NodeJS.Timeout;

  constructor(private readonly host: FaultHost) {}

  delayMs(target: SimTarget): number {
    return target.scenario === 'slow' ? SLOW_MS : 0;
  }

  bodyOf(target: SimTarget, healthy: () => Buffer): Buffer | undefined {
    const odd = oddBody(target);
    if (odd !== undefined) return odd;
    if (UNREADABLE_BODY.has(target.scenario) || !bodyScenarioOf(target.scenario)) return undefined;
    return healthy();
  }

  answer(req: IncomingMessage, res: ServerResponse, scenario: Scenario, ctx: FaultRequest): boolean {
    const send = (reply: Reply): true => {
      this.host.send(res, reply);
      return true;
    };
    const odd = oddBody(ctx.target ?? { app_code: 'app', module_name: 'default', environment: 'prod', scenario });
    if (odd !== undefined) return send(jsonReply(200, odd));
    switch (scenario) {
      case 'flaky':
        // Only processes/list/ keeps a count; elsewhere flaky answers normally.
        if (!ctx.failures || ctx.failures.count >= (ctx.target?.flakyFailures ?? 1)) return false;
        ctx.failures.count++;
        return send(FAULT_REPLIES.serviceUnavailable());
      case 'bad_request':
        return send(FAULT_REPLIES.badRequest());
      case 'bad_request_numeric':
        return send(FAULT_REPLIES.badRequestNumeric());
      case 'unauthorized':
        return send(FAULT_REPLIES.expiredToken());
      case 'forbidden':
        return send(FAULT_REPLIES.forbidden());
      case 'not_found':
        return send(REPLIES.notFound(ctx.notFound));
      case 'rate_limited': {
        const seconds = ctx.retryAfterSeconds ?? 30;
        const value = ctx.target?.retryAfterHttpDate ? new Date(Date.now() + seconds * 1000).toUTCString() : seconds;
        return send(FAULT_REPLIES.rateLimited(value));
      }
      case 'server_error':
        return send(FAULT_REPLIES.serverError());
      case 'bad_gateway':
        return send(FAULT_REPLIES.badGateway());
      case 'service_unavailable':
        return send(FAULT_REPLIES.serviceUnavailable());
      case 'gateway_timeout':
        return send(FAULT_REPLIES.gatewayTimeout());
      case 'echo_headers':
        return send(FAULT_REPLIES.echoHeaders({ ...req.headers }));
      case 'bad_gzip':
        return send(FAULT_REPLIES.mislabelledGzip(ctx.trickleBody()));
      case 'huge_header':
        return send(FAULT_REPLIES.hugeHeader(ctx.trickleBody()));
      case 'drop':
        // No answer at all: the connection just closes (a proxy or load balancer dropping it).
        req.socket.destroy();
        return true;
      case 'reset':
        this.resetMidBody(res, ctx.trickleBody());
        return true;
      case 'non_json':
        return send(FAULT_REPLIES.nonJson());
      case 'wrong_shape':
        return send(jsonReply(200, ctx.wrongShape));
      case 'redirect':
        return send(FAULT_REPLIES.redirect(ctx.target?.redirectLocation ?? `http://127.0.0.2:${this.host.port}${req.url ?? '/'}`));
      case 'hang':
        // Nothing is ever written; the socket is freed when the client gives up or on close().
        return true;
      case 'trickle':
        this.startTrickle(res, ctx.trickleBody());
        return true;
      case 'huge':
        streamHuge(res, { 'X-Bkapi-Request-Id': this.host.nextRequestId() });
        return true;
      default:
        return false;
    }
  }

  close(): void {
    if (this.trickleTimer) clearInterval(this.trickleTimer);
    this.trickleTimer = undefined;
    this.trickles.clear();
  }

  /** Sends the headers (with the full Content-Length) and half the body, then resets the connection. */
  private resetMidBody(res: ServerResponse, body: Buffer): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length), 'X-Bkapi-Request-Id': this.host.nextRequestId() });
    res.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => {
      const socket = res.socket;
      if (socket && !socket.destroyed) socket.resetAndDestroy();
    });
  }

  private startTrickle(res: ServerResponse, body: Buffer): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Bkapi-Request-Id': this.host.nextRequestId() });
    res.flushHeaders();
    this.trickles.add({ res, body, pos: 0 });
    if (!this.trickleTimer) {
      this.trickleTimer = setInterval(() => this.trickleTick(), 1000);
      this.trickleTimer.unref();
    }
  }

  private trickleTick(): void {
    for (const s of this.trickles) {
      if (s.res.destroyed || s.res.writableEnded) {
        this.trickles.delete(s);
        continue;
      }
      // After the body, JSON-legal whitespace: the answer never completes.
      s.res.write(s.pos < s.body.length ? s.body.subarray(s.pos, s.pos + 1) : ' ');
      s.pos++;
    }
    if (this.trickles.size === 0 && this.trickleTimer) {
      clearInterval(this.trickleTimer);
      this.trickleTimer = undefined;
    }
  }
}

/**
 * The serialised 200 body of the odd-body scenarios (null_lists, bad_versions, hostile_names,
 * negative_counts, fractional_counts, many_processes); undefined for others.
 */
function oddBody(t: SimTarget): Buffer | undefined {
  switch (t.scenario) {
    case 'null_lists':
      return Buffer.from(JSON.stringify(nullListsBody()));
    case 'bad_versions':
      return Buffer.from(JSON.stringify(badVersionsBody(t)));
    case 'hostile_names':
      return Buffer.from(JSON.stringify(hostileNamesBody()));
    case 'negative_counts':
      return Buffer.from(JSON.stringify(negativeCountsBody(t)));
    case 'fractional_counts':
      return Buffer.from(JSON.stringify(fractionalCountsBody(t)));
    case 'many_processes':
      return manyProcessesBody(t.processItems);
    default:
      return undefined;
  }
}
