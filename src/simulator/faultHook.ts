/**
 * How the simulator's server (server.ts) and its fault injection (faults.ts) meet. The server
 * serves the 200 bodies of the body scenarios on its own; every other scenario (the faults, the
 * slow and the odd bodies) is answered by the fault injection, which the tests' and the CLI's
 * simulator install and `--demo`'s does not, so the demo never loads it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Reply } from './replies';
import type { Scenario, SimTarget } from './types';

/** What the fault injection may ask of the server. */
export interface FaultHost {
  /** Writes a complete reply (Content-Length and a request id added), unless the response is gone. */
  send(res: ServerResponse, reply: Reply): void;
  /** A fresh `X-Bkapi-Request-Id`. */
  nextRequestId(): string;
  /** The port the server listens on. */
  readonly port: number;
}

/** One request to answer with a fault scenario. */
export interface FaultRequest {
  /** The body the route would serve (to trickle, cut, mislabel...). */
  trickleBody: () => Buffer;
  /** The route's answer in another shape (wrong_shape). */
  wrongShape: string;
  /** The detail of a 404 (not_found). */
  notFound: string;
  retryAfterSeconds?: number;
  /** The target asked for (processes/list/ only). */
  target?: SimTarget;
  /** processes/list/ only: answers failed on purpose so far for this target (flaky), kept by the server with the target. */
  failures?: { count: number };
}

/** The fault injection, one per simulator. */
export interface FaultInjection {
  /** Delay (ms) before a target's answers, unless the target sets its own latency (slow). */
  delayMs(target: SimTarget): number;
  /** Answers `scenario`; false for a scenario that then answers normally (slow, flaky once recovered...). */
  answer(req: IncomingMessage, res: ServerResponse, scenario: Scenario, request: FaultRequest): boolean;
  /** The JSON body a target of a fault scenario serves whole (simulator.bodyFor), given its healthy one; undefined when none. */
  bodyOf(target: SimTarget, healthy: () => Buffer): Buffer | undefined;
  /** Stops everything still being served (trickles). */
  close(): void;
}

/** Makes the fault injection of one simulator. */
export type FaultInjector = (host: FaultHost) => FaultInjection;
