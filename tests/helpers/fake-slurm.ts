/**
 * Stand-ins for `sbatch`, `squeue` and `sacct` on PATH, for testing the Slurm executor without a
 * cluster: sbatch runs each array task of the script right away, here, one after another (with
 * SLURM_ARRAY_TASK_ID set and its output in the script's --output file), records each task's end
 * state, and prints the job id; sacct reports those states; squeue reports nothing queued.
 * An index written to `<dir>/cancel` is not run but recorded CANCELLED (as `scancel` would leave it), once.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const SBATCH = String.raw`#!/bin/bash
set -u
state="$FAKE_SLURM_DIR"
script="${'$'}{@: -1}"
id=$(( $(cat "$state/next" 2>/dev/null || echo 0) + 1 ))
echo "$id" > "$state/next"
cp "$script" "$state/job-$id.sbatch"
spec=$(sed -n 's/^#SBATCH --array=\([^%]*\).*/\1/p' "$script")
out=$(sed -n 's/^#SBATCH --output=\(.*\)$/\1/p' "$script")
cancel=$(cat "$state/cancel" 2>/dev/null || true)
rm -f "$state/cancel"
for part in ${'$'}{spec//,/ }; do
  a=${'$'}{part%-*}; b=${'$'}{part#*-}
  for ((i=a; i<=b; i++)); do
    if [ -n "$cancel" ] && [ "$i" = "$cancel" ]; then echo "${'$'}{id}_$i|CANCELLED by 0" >> "$state/acct"; continue; fi
    log=$(printf "${'$'}{out//%4a/%04d}" "$i")
    if SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_JOB_ID=$id bash "$script" > "$log" 2>&1; then s=COMPLETED; else s=FAILED; fi
    echo "${'$'}{id}_$i|$s" >> "$state/acct"
  done
done
echo "$id"
`;

const SACCT = String.raw`#!/bin/bash
job=""
while [ $# -gt 0 ]; do [ "$1" = "-j" ] && job="$2"; shift; done
grep "^${'$'}{job}_" "$FAKE_SLURM_DIR/acct" 2>/dev/null || true
`;

const SQUEUE = '#!/bin/bash\nexit 0\n';

export function fakeSlurm(): { dir: string; env: Record<string, string>; cancelNext(index: number): void; script(jobId: string): string } {
  const dir = mkdtempSync(join(tmpdir(), 'tessella-fake-slurm-'));
  for (const [name, text] of Object.entries({ sbatch: SBATCH, sacct: SACCT, squeue: SQUEUE })) {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), 0o755);
  }
  return {
    dir,
    env: { PATH: `${dir}${delimiter}${process.env['PATH'] ?? ''}`, FAKE_SLURM_DIR: dir },
    cancelNext: (index) => writeFileSync(join(dir, 'cancel'), String(index)),
    script: (jobId) => join(dir, `job-${jobId}.sbatch`),
  };
}
