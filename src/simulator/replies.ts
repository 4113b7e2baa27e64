/**
 * Canned non-200 answers, shaped like those of the BlueKing API gateway (bk-apigateway) and of
 * the PaaS backend behind it. Bodies are built once and shared: serving one is a socket write.
 */

/** A complete answer: status, headers and body bytes. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const JSON_TYPE = 'application/json';
/** 100 KB: past Node's (and most clients') 16 KB limit for all response headers together. */
const HUGE_HEADER_VALUE = 'x'.repeat(100 * 1024);
const HTML_TYPE = 'text/html; charset=utf-8';

/** A 200 JSON reply from already serialised bytes. */
export function jsonReply(status: number, body: Buffer | string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'Content-Type': JSON_TYPE, ...headers }, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

/**
 * The gateway's own error body: `{"result": false, "code": 16xxxxx, "message": ..., "data": null}`
 * (plus `code_name`, which newer gateways add), with the `X-Bkapi-Error-*` headers it sends.
 */
export function gatewayError(status: number, code: number, codeName: string, message: string, headers: Record<string, string> = {}): Reply {
  const body = JSON.stringify({ result: false, code, code_name: codeName, message, data: null });
  return jsonReply(status, body, { 'X-Bkapi-Error-Code': String(code), 'X-Bkapi-Error-Message': codeName, ...headers });
}

/** The PaaS backend's error body: `{"code": ..., "detail": ...}` (+ `fields_detail` for validation errors). */
export function backendError(status: number, code: string | number, detail: string, fieldsDetail?: Record<string, string[]>): Reply {
  const body: Record<string, unknown> = { code, detail };
  if (fieldsDetail) body.fields_detail = fieldsDetail;
  return jsonReply(status, JSON.stringify(body));
}

function htmlReply(status: number, html: string): Reply {
  return { status, headers: { 'Content-Type': HTML_TYPE }, body: Buffer.from(html) };
}

// Gateway error codes: 16 + HTTP status + sequence, as bk-apigateway numbers them.
export const GW_CODES = {
  badRequest: 1640001,
  unauthorizedApp: 1640101,
  unauthorizedUser: 1640102,
  forbidden: 1640301,
  notFound: 1640401,
  methodNotAllowed: 1640501,
  rateLimited: 1642901,
} as const;

export const REPLIES = {
  missingAuth: (): Reply =>
    gatewayError(
      401,
      GW_CODES.unauthorizedApp,
      'UNAUTHORIZED',
      'App authentication failed, please provide a valid X-Bkapi-Authorization header [bk_app_code is required]',
    ),
  unparsableAuth: (): Reply =>
    gatewayError(
      401,
      GW_CODES.unauthorizedApp,
      'UNAUTHORIZED',
      'App authentication failed, the request header X-Bkapi-Authorization is not a valid JSON object',
    ),
  wrongApp: (): Reply =>
    gatewayError(401, GW_CODES.unauthorizedApp, 'UNAUTHORIZED', 'App authentication failed, bk_app_code or bk_app_secret is incorrect'),
  noUser: (): Reply =>
    gatewayError(
      401,
      GW_CODES.unauthorizedUser,
      'UNAUTHORIZED',
      'User authentication failed, please provide a valid user identity, such as access_token, bk_token, bk_ticket or bk_username',
    ),
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
  routeNotFound: (): Reply =>
    gatewayError(404, GW_CODES.notFound, 'API_NOT_FOUND', 'API not found [method=GET, stage=prod], please check the request path'),
  methodNotAllowed: (method: string): Reply => {
    const r = gatewayError(405, GW_CODES.methodNotAllowed, 'METHOD_NOT_ALLOWED', `Method ${method} is not allowed, the API only supports GET`);
    r.headers.Allow = 'GET';
    return r;
  },
  badRequest: (): Reply =>
    backendError(400, 'VALIDATION_ERROR', '参数校验失败: only_latest_version: 必须是有效的布尔值。', {
      only_latest_version: ['必须是有效的布尔值。'],
    }),
  invalidBoolean: (value: string): Reply =>
    backendError(400, 'VALIDATION_ERROR', `only_latest_version: "${value}" is not a valid boolean.`, {
      only_latest_version: [`"${value}" is not a valid boolean.`],
    }),
  badRequestNumeric: (): Reply => backendError(400, 40000, '当前环境尚未部署，无法获取进程信息 (environment not deployed)'),
  notFound: (detail: string): Reply => backendError(404, 'NOT_FOUND', detail),
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
