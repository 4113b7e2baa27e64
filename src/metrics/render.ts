/** Joins per-target chunks into exposition text, one block per family. */
import { familyHeader } from './exposition';
import { TARGET_FAMILIES } from './families';

/**
 * Concatenates the given targets' chunks family by family (the text format wants a family's
 * series together under one header). Families without any series are left out.
 */
export function renderTargets(targets: ReadonlyArray<readonly string[]>): string {
  const parts: string[] = [];
  for (let f = 0; f < TARGET_FAMILIES.length; f++) {
    let any = false;
    for (const chunks of targets) {
      const c = chunks[f];
      if (c) {
        if (!any) {
          parts.push(familyHeader(TARGET_FAMILIES[f]));
          any = true;
        }
        parts.push(c);
      }
    }
  }
  return parts.join('');
}
