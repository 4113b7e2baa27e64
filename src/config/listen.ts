import { isIP } from 'node:net';

import type { ListenAddress } from './types';

/** What a listen address looks like, for error messages. */
export const LISTEN_EXPECTED = '[HOST]:PORT such as ":9876", "0.0.0.0:9876", "localhost:9876" or "[::1]:9876"';

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function fail(given: string, why: string): never {
  throw new Error(`invalid listen address ${JSON.stringify(given)}: ${why}; expected ${LISTEN_EXPECTED}`);
}

/**
 * Parses `[HOST]:PORT` (`:9876`, `0.0.0.0:9876`, `127.0.0.1:0`, `[::1]:9876`, `localhost:9876`) and
 * returns the host (without brackets; "" for all interfaces) and the port (0..65535; 0 picks a free one).
 * Throws an Error naming the given text and what is expected otherwise.
 */
export function parseListen(s: string): ListenAddress {
  if (s.includes('://')) fail(s, 'give a host and port, not a URL');
  const colon = s.lastIndexOf(':');
  if (colon < 0) fail(s, /^\d+$/.test(s) ? `missing ":" before the port (did you mean ":${s}"?)` : 'missing ":PORT"');
  let host = s.slice(0, colon);
  const portText = s.slice(colon + 1);

  if (host.startsWith('[') || host.endsWith(']')) {
    if (!(host.startsWith('[') && host.endsWith(']')) || isIP(host.slice(1, -1)) !== 6) {
      fail(s, 'the host in brackets must be an IPv6 address');
    }
    host = host.slice(1, -1);
  } else if (host.includes(':')) {
    fail(s, 'an IPv6 host must be written in brackets, e.g. "[::1]:9876"');
  } else if (host !== '' && isIP(host) !== 4 && (!HOSTNAME.test(host) || /^[\d.]+$/.test(host))) {
    fail(s, `${JSON.stringify(host)} is not a valid host name or IP address`);
  }

  if (!/^\d{1,5}$/.test(portText)) {
    fail(s, portText === '' ? 'missing port' : `port ${JSON.stringify(portText)} is not a number`);
  }
  const port = Number(portText);
  if (port > 65535) fail(s, `port ${port} is out of range 0-65535`);
  return { host, port };
}

/** Formats a listen address back to `[HOST]:PORT` text, bracketing IPv6 hosts. */
export function formatListen(addr: ListenAddress): string {
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  return `${host}:${addr.port}`;
}
