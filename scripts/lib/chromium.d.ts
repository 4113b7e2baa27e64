/** Types of scripts/lib/chromium.js (plain CommonJS, used by the browser tests and the screenshot script). */
import type { Browser } from 'playwright-core';
/** Chromium's flags: headless, no sandbox, and nothing that calls home. */
export const CHROMIUM_ARGS: readonly string[];
/** The Chromium to drive; throws, saying how to get one, when there is none. */
export function chromiumPath(env?: NodeJS.ProcessEnv): string;
/** Starts headless Chromium; close it when done. */
export function launchChromium(env?: NodeJS.ProcessEnv): Promise<Browser>;
