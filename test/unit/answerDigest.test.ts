/**
 * The answer digest (src/upstream/answerDigest.ts): the same for answers that differ only in the
 * plain values of `"resource_version"` keys, different for any other difference.
 */
import { answerDigest } from '../../src/upstream/answerDigest';

const digest = (text: string) => answerDigest(Buffer.from(text, 'utf8'));

/** A list answer as real servers send it, with the two resource versions and one restart count given. */
function answer(rvProc: string, rvInst: string, restarts = 0, gap = ''): string {
  return (
    `{"processes":{"items":[{"name":"app-m-default--web","type":"web","replicas":2}],"metadata":{"resource_version":${gap}${rvProc}}},` +
    `"instances":{"items":[{"name":"web-1","restart_count":${restarts},"state":"Running"}],"metadata":{"resource_version":${gap}${rvInst}}},` +
    `"process_packages":[{"name":"web","target_replicas":2}]}`
  );
}

describe('answerDigest', () => {
  it('is the same when only the resource versions moved, quoted or as integers', () => {
    const first = digest(answer('"192437966"', '"192437970"'));
    expect(digest(answer('"192438001"', '"192438777"'))).toBe(first);
    expect(digest(answer('"1"', '"abc.DEF_9-x"'))).toBe(first);
    expect(digest(answer('192438001', '0'))).toBe(first);
    // Spaced after the colon (another JSON renderer): the same between such answers.
    expect(digest(answer('"5"', '"6"', 0, ' '))).toBe(digest(answer('"7"', '8', 0, ' ')));
  });

  it('differs when anything else differs: a count, a name, a byte of spacing elsewhere', () => {
    const first = digest(answer('"1"', '"2"'));
    expect(digest(answer('"1"', '"2"', 1))).not.toBe(first);
    expect(digest(answer('"1"', '"2"').replace('web-1', 'web-2'))).not.toBe(first);
    expect(digest(answer('"1"', '"2"').replace('"replicas":2', '"replicas": 2'))).not.toBe(first);
    expect(digest(answer('"1"', '"2"') + ' ')).not.toBe(first);
  });

  it('leaves out only plain values: any other value of a resource_version counts in full', () => {
    // Strings with spaces or escapes, objects, null, and integers with a leading zero (not JSON).
    for (const [a, b] of [
      ['"1 2"', '"1 3"'],
      ['"1\\"2"', '"1\\"3"'],
      ['{"v":1}', '{"v":2}'],
      ['null', '"1"'],
      ['0123', '0456'],
      ['abc', 'abd'],
    ]) {
      expect(digest(answer(a, '"9"'))).not.toBe(digest(answer(b, '"9"')));
    }
  });

  it('skips the value of a resource_version key only: the same string as a value counts', () => {
    const a = '{"name":"resource_version","x":"1"}';
    const b = '{"name":"resource_version","x":"2"}';
    expect(digest(a)).not.toBe(digest(b));
    // Not followed by a colon: a value, so what follows it is not left out.
    expect(digest('["resource_version","1"]')).not.toBe(digest('["resource_version","2"]'));
  });

  it('takes any bytes, JSON or not', () => {
    expect(digest('')).toBe(digest(''));
    expect(digest('<html>502</html>')).not.toBe(digest('<html>503</html>'));
    expect(digest('{"resource_version":')).not.toBe(digest('{"resource_version":"'));
  });
});
