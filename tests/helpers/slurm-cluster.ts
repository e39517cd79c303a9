/**
 * A one-node Slurm cluster for the cohort tests: this host as the only node, its own slurm.conf,
 * state and spool folders in a temporary directory and two free-looking ports, munged started when
 * none answers. Needs root (has.slurm). Tests pass `env` (SLURM_CONF) to every tessella they start;
 * `stop()` ends only the daemons this helper started.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SlurmCluster {
  env: Record<string, string>;
  stop(): void;
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function pidOf(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function startSlurmCluster(): SlurmCluster {
  const dir = mkdtempSync(join(tmpdir(), 'tessella-slurm-'));
  for (const d of ['state', 'spool', 'log']) mkdirSync(join(dir, d));
  const node = hostname().split('.')[0]!;
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=tessella-test',
      `SlurmctldHost=${node}`,
      'AuthType=auth/munge',
      'SlurmUser=root',
      'SlurmdUser=root',
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      `SlurmctldPort=${port}`,
      `SlurmdPort=${port + 1}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'SchedulerType=sched/builtin',
      'SelectType=select/cons_tres',
      'ReturnToService=2',
      'MpiDefault=none',
      `NodeName=${node} CPUs=2 RealMemory=2000 State=UNKNOWN`,
      `PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  let startedMunge = false;
  if (spawnSync('munge', ['-n'], { stdio: 'ignore' }).status !== 0) {
    for (const d of ['/run/munge', '/var/log/munge', '/var/lib/munge']) mkdirSync(d, { recursive: true });
    execFileSync('munged', ['--force'], { stdio: 'ignore' });
    startedMunge = true;
  }
  execFileSync('slurmctld', [], { env, stdio: 'ignore' });
  execFileSync('slurmd', [], { env, stdio: 'ignore' });
  const stop = () => {
    const pids: number[] = [];
    for (const f of [join(dir, 'slurmd.pid'), join(dir, 'slurmctld.pid'), ...(startedMunge ? ['/run/munge/munged.pid'] : [])]) {
      const pid = pidOf(f);
      if (!pid) continue;
      try {
        process.kill(pid, 'SIGTERM');
        pids.push(pid);
      } catch {
        /* already gone */
      }
    }
    // slurmctld saves its state as it stops: the folder goes once the daemons have.
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 60 && pids.some(alive); i++) sleep(250);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
  // The node registers within seconds; a cluster that never gets there is a broken set-up, said as such.
  for (let i = 0; i < 120; i++) {
    const r = spawnSync('sinfo', ['-h', '-o', '%t'], { env, encoding: 'utf8' });
    if (r.status === 0 && /idle|mix|alloc/.test(r.stdout)) return { env: { SLURM_CONF: conf }, stop };
    sleep(500);
  }
  const log = existsSync(join(dir, 'log', 'slurmctld.log')) ? readFileSync(join(dir, 'log', 'slurmctld.log'), 'utf8').split('\n').slice(-3).join(' | ') : '';
  stop();
  throw new Error(`the one-node Slurm cluster did not come up: ${log}`);
}
