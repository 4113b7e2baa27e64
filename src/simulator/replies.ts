/**
 * Canned non-200 answers, shaped like those of the BlueKing API gateway (bk-apigateway) and of
 * the PaaS backend behind it: the ones any request may get (authentication, routing,
 * validation). The fault scenarios' own answers are in faultReplies.ts, loaded with the fault
 * injection.
 */

/** A complete answer: status, headers and body bytes. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const JSON_TYPE = 'application/json';
/** The content type of the HTML pages nginx and Django answer with. */
export const HTML_TYPE = 'text/html; charset=utf-8';

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

/** A reply with an HTML page for a body. */
export function htmlReply(status: number, html: string): Reply {
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

/** What the gateway answers to any request it refuses: authentication, routing, validation. */
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
  routeNotFound: (): Reply =>
    gatewayError(404, GW_CODES.notFound, 'API_NOT_FOUND', 'API not found [method=GET, stage=prod], please check the request path'),
  methodNotAllowed: (method: string): Reply => {
    const r = gatewayError(405, GW_CODES.methodNotAllowed, 'METHOD_NOT_ALLOWED', `Method ${method} is not allowed, the API only supports GET`);
    r.headers.Allow = 'GET';
    return r;
  },
  invalidBoolean: (value: string): Reply =>
    backendError(400, 'VALIDATION_ERROR', `only_latest_version: "${value}" is not a valid boolean.`, {
      only_latest_version: [`"${value}" is not a valid boolean.`],
    }),
  notFound: (detail: string): Reply => backendError(404, 'NOT_FOUND', detail),
};
