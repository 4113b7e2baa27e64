/**
 * Watches the `*_file` secrets of the config in force and calls back when one changes, so a
 * rotated token or app secret reaches the running exporter without a restart or a signal.
 *
 * Polls with fs.stat (which follows symlinks) rather than fs.watch: Kubernetes updates a mounted
 * Secret by swapping a `..data` symlink, which inotify on the file itself does not report, and
 * a stat every few seconds of a handful of files costs nothing.
 */

import { stat } from 'node:fs/promises';

/** How often the files are checked (docs/credentials.md says "every 10 s"). */
export const SECRET_FILE_CHECK_MS = 10_000;

/** What identifies a file's content without reading it: inode, size, modification time; "missing" when it cannot be read. */
async function fingerprint(file: string): Promise<string> {
  try {
    const st = await stat(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch (err) {
    return `missing:${(err as { code?: string }).code ?? 'error'}`;
  }
}

export class SecretFileWatcher {
  private files: string[] = [];
  private seen = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(
    /** Called with the changed file once a change is seen; watching goes on. */
    private readonly onChange: (file: string) => void,
    private readonly intervalMs = SECRET_FILE_CHECK_MS,
  ) {}

  /** Watches exactly `files` from now on (the secret files of the config just loaded). */
  async watch(files: readonly string[]): Promise<void> {
    this.files = [...new Set(files)];
    const seen = new Map<string, string>();
    for (const f of this.files) seen.set(f, await fingerprint(f));
    this.seen = seen;
    if (this.files.length === 0) return this.stop();
    if (!this.timer) {
      this.timer = setInterval(() => void this.check(), this.intervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const f of this.files) {
        const now = await fingerprint(f);
        if (now === this.seen.get(f)) continue;
        this.seen.set(f, now);
        this.onChange(f);
        return;
      }
    } finally {
      this.checking = false;
    }
  }
}
