/**
 * The canned answers of the fault scenarios: the gateway's and the backend's refusals, nginx's
 * error pages, and answers broken on purpose. Loaded with the fault injection (faults.ts) only.
 */
import { backendError, gatewayError, GW_CODES, HTML_TYPE, htmlReply, jsonReply, type Reply } from './replies';

/** 100 KB: past Node's (and most clients') 16 KB limit for all response headers together. */
const HUGE_HEADER_VALUE = 'x'.repeat(100 * 1024);

/** One reply per fault scenario that answers with a canned body. */
export const FAULT_REPLIES = {
  expiredToken: (): Reply =>
    gatewayError(401, GW_CODES.unauthorizedUser, 'UNAUTHORIZED', 'User authentication failed, the access_token is invalid or expired'),
  forbidden: (): Reply =>
    gatewayError(
      403,
      GW_CODES.forbidden,
      'APP_NO_PERMISSION',
      'App has no permission to the resource [app_code=bkpaas-demo, resource=list_processes]',
    ),
  /** `retryAfter`: seconds, or an already formatted value (an HTTP date). */
  rateLimited: (retryAfter: number | string): Reply =>
    gatewayError(429, GW_CODES.rateLimited, 'RATE_LIMIT_RESTRICTION', 'Request rejected by rate limit, please try again later', {
      'Retry-After': String(retryAfter),
    }),
  badRequest: (): Reply =>
    backendError(400, 'VALIDATION_ERROR', '参数校验失败: only_latest_version: 必须是有效的布尔值。', {
      only_latest_version: ['必须是有效的布尔值。'],
    }),
  badRequestNumeric: (): Reply => backendError(400, 40000, '当前环境尚未部署，无法获取进程信息 (environment not deployed)'),
  serverError: (): Reply =>
    htmlReply(
      500,
      '<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n',
    ),
  badGateway: (): Reply =>
    htmlReply(
      502,
      '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
    ),
  serviceUnavailable: (): Reply =>
    htmlReply(
      503,
      '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
    ),
  gatewayTimeout: (): Reply =>
    htmlReply(
      504,
      '<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
    ),
  /** A debug error page that dumps the request headers (credentials included) into its body. */
  echoHeaders: (headers: Record<string, unknown>): Reply =>
    htmlReply(500, `<html><body><h1>Internal error</h1><pre>request headers: ${JSON.stringify(headers)}</pre></body></html>\n`),
  nonJson: (): Reply =>
    htmlReply(
      200,
      '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>蓝鲸智云 - 登录</title></head>\n<body>\n<div id="login">Please log in to continue.</div>\n</body>\n</html>\n',
    ),
  /** A 200 JSON body labelled `Content-Encoding: gzip` that is not compressed (a mislabelling proxy). */
  mislabelledGzip: (body: Buffer): Reply => jsonReply(200, body, { 'Content-Encoding': 'gzip' }),
  /** A 200 JSON body under a 100 KB response header (a proxy dumping a trace into it). */
  hugeHeader: (body: Buffer): Reply => jsonReply(200, body, { 'X-Bkapi-Debug-Trace': HUGE_HEADER_VALUE }),
  redirect: (location: string): Reply => ({
    status: 302,
    headers: { Location: location, 'Content-Type': HTML_TYPE },
    body: Buffer.from(`<html><body>Redirecting to <a href="${location}">${location}</a></body></html>\n`),
  }),
};
