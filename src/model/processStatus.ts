/**
 * The part of a process row a target keeps between refreshes for the status page: every count
 * and setting of the type, without its instance list (at thousands of targets the instances would
 * double the live heap; their totals are here).
 */
import type { ProcessRow } from './aggregate';

/** One process type as the status page shows it. */
export type ProcessStatus = Omit<ProcessRow, 'instances' | 'infos' | 'resource_request'> & {
  /** Instances of the type. */
  instance_count: number;
};

/** The status of `row`: its fields but the instance list, the process items' infos and the requests. */
export function processStatus(row: ProcessRow): ProcessStatus {
  const { instances, infos: _infos, resource_request: _request, ...rest } = row;
  return { ...rest, instance_count: instances.length };
}
