/**
 * The label names a target's extra `labels` may not use (config) must cover every label name the
 * metric families set (metrics/families.ts): the two files must agree, so this test compares them.
 */
import { RESERVED_LABEL_NAMES } from '../../src/config/schema';
import { SCOPE_LABELS, TARGET_FAMILIES } from '../../src/metrics/families';

test('every label name a family or its scope sets is reserved in the config', () => {
  const used = new Set(['app_code', 'module_name', 'environment', 'instance', ...Object.values(SCOPE_LABELS).flat(), ...TARGET_FAMILIES.flatMap((f) => f.labels)]);
  expect([...used].filter((name) => !RESERVED_LABEL_NAMES.includes(name))).toEqual([]);
});
