/** Gateway authentication: the X-Bkapi-Authorization header, like bk-apigateway checks it. */
import { DEMO_CREDENTIALS, startSimulator, type Simulator } from '../../src/simulator';
import { get, processesPath } from './helpers';

const PATH = processesPath('demo-shop', 'default', 'prod');
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());

async function expectGateway401(res: Response): Promise<Record<string, unknown>> {
  expect(res.status).toBe(401);
  const body = JSON.parse(await res.text());
  expect(body).toMatchObject({ result: false, data: null, message: expect.any(String) });
  expect(String(body.code)).toMatch(/^16\d{5}$/);
  return body;
}

test.each([
  ['missing header', null],
  ['not JSON', 'bk_app_code=bkpaas-demo'],
  ['JSON but not an object', '["bkpaas-demo"]'],
  ['wrong secret', JSON.stringify({ bk_app_code: DEMO_CREDENTIALS.bk_app_code, bk_app_secret: 'nope', access_token: 't' })],
  ['wrong app code', JSON.stringify({ bk_app_code: 'other', bk_app_secret: DEMO_CREDENTIALS.bk_app_secret, access_token: 't' })],
  ['no user identity', JSON.stringify({ ...DEMO_CREDENTIALS })],
  ['empty user identity', JSON.stringify({ ...DEMO_CREDENTIALS, access_token: '' })],
])('401 when the header is %s', async (_name, auth) => {
  await expectGateway401(await get(sim, PATH, { auth }));
});

test.each(['access_token', 'bk_ticket', 'bk_token', 'bk_username'])('any user identity is accepted: %s', async (field) => {
  const res = await get(sim, PATH, { auth: JSON.stringify({ ...DEMO_CREDENTIALS, [field]: 'someone' }) });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
});

test('the secret is not echoed in the error', async () => {
  const res = await get(sim, PATH, { auth: JSON.stringify({ bk_app_code: 'x', bk_app_secret: 'super-secret-value', access_token: 't' }) });
  const text = JSON.stringify(await expectGateway401(res));
  expect(text).not.toContain('super-secret-value');
});

test('auth also guards the discovery APIs', async () => {
  await expectGateway401(await get(sim, '/bkapps/applications/lists/minimal', { auth: null }));
  await expectGateway401(await get(sim, '/bkapps/applications/demo-shop/modules/', { auth: null }));
});

test('configured credentials replace the demo ones; the tenant header is logged', async () => {
  const custom = await startSimulator({ credentials: { bk_app_code: 'mon', bk_app_secret: 's3cret' }, targets: [] });
  try {
    await expectGateway401(await get(custom, '/bkapps/applications/lists/minimal'));
    const res = await get(custom, '/bkapps/applications/lists/minimal', {
      auth: JSON.stringify({ bk_app_code: 'mon', bk_app_secret: 's3cret', bk_username: 'admin' }),
      headers: { 'X-Bk-Tenant-Id': 'tenant-a' },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const last = custom.requests[custom.requests.length - 1];
    expect(last.headers['x-bk-tenant-id']).toBe('tenant-a');
    expect(last.auth).toEqual({ bk_app_code: 'mon', bk_app_secret: 's3cret', bk_username: 'admin' });
  } finally {
    await custom.close();
  }
});

test('an unparsable header is logged with auth undefined', async () => {
  sim.clearRequests();
  await (await get(sim, PATH, { auth: '{not json' })).arrayBuffer();
  expect(sim.requests).toHaveLength(1);
  expect(sim.requests[0].auth).toBeUndefined();
  expect(sim.requests[0].headers['x-bkapi-authorization']).toBe('{not json');
});
