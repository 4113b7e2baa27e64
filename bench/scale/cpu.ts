/**
 * CPU time of a process, read from outside it: what the benchmark divides by the targets of a
 * refresh (the exporter's CPU per target) and by the requests of the bare client.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux the benchmark runs on). */
const TICKS_PER_SECOND = 100;

/**
 * User plus system CPU time of process `pid` so far (all of its threads: V8's GC helpers and
 * libuv's pool included), in ms; undefined where /proc is not available.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12th and 13th after the name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
