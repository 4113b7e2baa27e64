/** Tolerant parsing of the two discovery APIs' bodies (docs/upstream-api.md, "Listing APIs"). */
import { z } from 'zod';
import { UpstreamError } from '../upstream/errors';

const appPage = z.object({
  count: z.number().int().nonnegative().optional(),
  results: z.array(
    z.object({
      application: z.object({ code: z.string().min(1) }),
    }),
  ),
});

const moduleList = z.array(z.object({ name: z.string().min(1) }));

/** One page of `applications/lists/minimal`: the app codes and the total count when given. */
export function parseAppPage(json: unknown): { codes: string[]; count?: number } {
  const parsed = appPage.safeParse(json);
  if (!parsed.success) {
    throw new UpstreamError('invalid_response', `unexpected app list shape: ${parsed.error.issues[0].path.join('.') || '(body)'}: ${parsed.error.issues[0].message}`);
  }
  return { codes: parsed.data.results.map((r) => r.application.code), count: parsed.data.count };
}

/** The module names of `applications/{code}/modules/`. */
export function parseModules(json: unknown): string[] {
  // Some deployments wrap lists as {"data": [...]} or {"results": [...]}; accept those too.
  const list = json && typeof json === 'object' && !Array.isArray(json) ? ((json as Record<string, unknown>).data ?? (json as Record<string, unknown>).results) : json;
  const parsed = moduleList.safeParse(list);
  if (!parsed.success) {
    throw new UpstreamError('invalid_response', `unexpected module list shape: ${parsed.error.issues[0].path.join('.') || '(body)'}: ${parsed.error.issues[0].message}`);
  }
  return parsed.data.map((m) => m.name);
}
