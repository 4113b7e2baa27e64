import { formatListen, parseListen } from '../../src/config/listen';

const EXPECTED = 'expected [HOST]:PORT such as ":9876", "0.0.0.0:9876", "localhost:9876" or "[::1]:9876"';

describe('parseListen', () => {
  test.each<[string, string, number]>([
    [':9876', '', 9876],
    ['0.0.0.0:9876', '0.0.0.0', 9876],
    ['127.0.0.1:0', '127.0.0.1', 0],
    ['[::1]:9876', '::1', 9876],
    ['[::]:80', '::', 80],
    ['localhost:9876', 'localhost', 9876],
    ['exporter.example.com:65535', 'exporter.example.com', 65535],
  ])('%s', (text, host, port) => {
    expect(parseListen(text)).toEqual({ host, port });
  });

  test.each<[string, string]>([
    ['9876', 'missing ":" before the port (did you mean ":9876"?)'],
    ['localhost', 'missing ":PORT"'],
    ['', 'missing ":PORT"'],
    [':', 'missing port'],
    ['0.0.0.0:', 'missing port'],
    [':http', 'port "http" is not a number'],
    [':-1', 'port "-1" is not a number'],
    [':65536', 'port 65536 is out of range 0-65535'],
    [':123456', 'port "123456" is not a number'],
    ['::1:9876', 'an IPv6 host must be written in brackets, e.g. "[::1]:9876"'],
    ['[localhost]:9876', 'the host in brackets must be an IPv6 address'],
    ['[::1:9876', 'the host in brackets must be an IPv6 address'],
    ['bad_host!:9876', '"bad_host!" is not a valid host name or IP address'],
    ['999.1.1.1:9876', '"999.1.1.1" is not a valid host name or IP address'],
    ['http://0.0.0.0:9876', 'give a host and port, not a URL'],
  ])('%j is rejected', (text, why) => {
    expect(() => parseListen(text)).toThrow(new Error(`invalid listen address ${JSON.stringify(text)}: ${why}; ${EXPECTED}`));
  });
});

describe('formatListen', () => {
  test.each(['0.0.0.0:9876', ':9876', '[::1]:9876', 'localhost:0'])('%s round-trips', (text) => {
    expect(formatListen(parseListen(text))).toBe(text);
  });
});
