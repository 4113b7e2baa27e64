/**
 * One tick of the simulated cluster's life for `evolve: true` (--demo): rollouts that bring a
 * new release up and retire the old one over a few ticks, instances that fail and recover,
 * crash loops whose restarts grow, processes scaled up and down. Randomness comes from the
 * caller's seeded PRNG, so a given sequence of ticks is reproducible.
 */
import { newInstance, type TargetModel } from './model';

/** Probabilities per tick and target; the scenario raises the one it is named after. */
function chances(m: TargetModel): { rollout: number; fail: number; scale: number } {
  return {
    // A crash loop is the point of that demo target: no release comes to rescue it.
    rollout: m.scenario === 'rollout' ? 0.35 : m.scenario === 'crashloop' ? 0 : 0.04,
    fail: m.scenario === 'failed' ? 0.3 : 0.03,
    scale: 0.03,
  };
}

/**
 * Advances `m` by one tick (number `tick`, wall time `nowMs`); returns whether anything that is
 * rendered changed. Models of the `stopped` and `empty` scenarios never move.
 */
export function evolveModel(m: TargetModel, tick: number, nowMs: number, random: () => number): boolean {
  if (m.scenario === 'stopped' || m.scenario === 'empty') return false;
  let changed = false;

  // 0. State the initial model left unfinished (the `rollout` scenario's old release and
  // starting pods) is a rollout already under way: this tick brings the new pods up and
  // retires the old release, the next one removes it.
  for (const p of m.processes) {
    if (p.version < m.version && p.removeAt === undefined) {
      p.retireAt = tick;
      p.removeAt = tick + 1;
      for (const i of m.instances) {
        if (i.processType === p.type && i.version === p.version && i.removeAt === undefined) {
          i.terminateAt = tick;
          i.removeAt = tick + 1;
        }
      }
    }
  }
  for (const i of m.instances) {
    if ((i.state === 'Starting' || i.state === 'Pending') && i.readyAt === undefined && i.removeAt === undefined) {
      i.readyAt = tick;
    }
  }

  // 1. Scheduled transitions.
  for (const i of m.instances) {
    if (i.readyAt !== undefined && tick >= i.readyAt) {
      i.readyAt = undefined;
      i.state = 'Running';
      i.richStatus = 'Running';
      i.ready = true;
      changed = true;
    }
    if (i.recoverAt !== undefined && tick >= i.recoverAt) {
      i.recoverAt = undefined;
      i.state = 'Running';
      i.richStatus = 'Running';
      i.stateMessage = null;
      i.ready = true;
      // The restarted container keeps its last termination, as Kubernetes' lastState does.
      i.restartCount += 1;
      changed = true;
    }
    if (i.terminateAt !== undefined && tick >= i.terminateAt) {
      i.terminateAt = undefined;
      i.state = 'Terminating';
      i.richStatus = 'Terminating';
      i.ready = false;
      changed = true;
    }
    // Crash-looping containers keep restarting with the clock as well as per request.
    if (i.crashing) {
      i.restartCount += 1;
      changed = true;
    }
  }
  for (const p of m.processes) {
    if (p.retireAt !== undefined && tick >= p.retireAt) {
      p.retireAt = undefined;
      p.replicas = 0;
      changed = true;
    }
  }
  const instancesBefore = m.instances.length;
  m.instances = m.instances.filter((i) => i.removeAt === undefined || tick < i.removeAt);
  const processesBefore = m.processes.length;
  m.processes = m.processes.filter((p) => p.removeAt === undefined || tick < p.removeAt);
  if (m.instances.length !== instancesBefore || m.processes.length !== processesBefore) changed = true;

  const busy = m.processes.some((p) => p.removeAt !== undefined) || m.instances.some((i) => i.removeAt !== undefined);
  const c = chances(m);
  let seq = 0;
  const podSeed = (): string => `evolve-${tick}-${seq++}-${Math.floor(random() * 1e9)}`;

  // 2. A rollout: version + 1 for every running type; old pods stale for two ticks, then gone.
  if (!busy && random() < c.rollout) {
    const from = m.version;
    const to = from + 1;
    const running = m.processes.filter((p) => p.version === from);
    for (const old of running) {
      const pkg = m.packages.find((p) => p.name === old.type);
      const replicas = pkg ? pkg.targetReplicas : old.replicas;
      m.processes.push({ ...old, version: to, replicas, retireAt: undefined, removeAt: undefined });
      old.retireAt = tick + 2;
      old.removeAt = tick + 3;
      for (let k = 0; k < replicas; k++) {
        const x = newInstance(m, old.type, to, podSeed(), nowMs);
        x.state = 'Starting';
        x.richStatus = 'Starting';
        x.ready = false;
        x.readyAt = tick + 1;
        m.instances.push(x);
      }
      for (const i of m.instances) {
        if (i.processType === old.type && i.version === from) {
          i.terminateAt = tick + 2;
          i.removeAt = tick + 3;
          // A pod of the old release cannot stay in a crash loop once it is replaced.
          i.crashing = false;
        }
      }
    }
    if (running.length > 0) {
      m.version = to;
      changed = true;
    }
  }

  // 3. A healthy instance fails and recovers two ticks later.
  if (random() < c.fail) {
    const healthy = m.instances.filter((i) => i.ready && i.state === 'Running' && i.removeAt === undefined);
    if (healthy.length > 0) {
      const i = healthy[Math.floor(random() * healthy.length)];
      i.state = 'Failed';
      i.richStatus = 'Failed';
      i.ready = false;
      i.stateMessage = 'OOMKilled: container exceeded its memory limit';
      i.terminated = { exit_code: 137, reason: 'OOMKilled' };
      i.recoverAt = tick + 2;
      changed = true;
    }
  }

  // 4. A process type is scaled up or down by one.
  if (!busy && random() < c.scale && m.packages.length > 0) {
    const pkg = m.packages[Math.floor(random() * m.packages.length)];
    const proc = m.processes.find((p) => p.type === pkg.name && p.version === m.version);
    // An autoscaled process's replicas are the autoscaler's, not the user's.
    if (proc && pkg.targetStatus === 'start' && pkg.autoscaling !== true) {
      const up = random() < 0.5 ? pkg.targetReplicas < pkg.maxReplicas : pkg.targetReplicas <= 1;
      if (up) {
        pkg.targetReplicas += 1;
        proc.replicas = pkg.targetReplicas;
        const x = newInstance(m, pkg.name, m.version, podSeed(), nowMs);
        x.state = 'Pending';
        x.richStatus = 'Pending';
        x.ready = false;
        x.readyAt = tick + 1;
        m.instances.push(x);
        changed = true;
      } else {
        // The newest pod goes; a crash-looping one stays so the crashloop demo keeps looping.
        const victim = m.instances
          .filter((i) => i.processType === pkg.name && i.version === m.version && i.removeAt === undefined && !i.crashing)
          .pop();
        if (victim) {
          pkg.targetReplicas -= 1;
          proc.replicas = pkg.targetReplicas;
          victim.state = 'Terminating';
          victim.richStatus = 'Terminating';
          victim.ready = false;
          victim.removeAt = tick + 1;
          changed = true;
        }
      }
    }
  }

  if (changed) {
    m.rvProc += 1;
    m.rvInst += 1;
  }
  return changed;
}
