/**
 * `tessella model pull` and `tessella model catalogue`: models from the Hugging Face Hub.
 * HF_TOKEN (or HUGGING_FACE_HUB_TOKEN, or the token file `huggingface-cli login` writes) and
 * HF_ENDPOINT are read as huggingface_hub reads them.
 */
import type { CatalogueModel, RegisteredModel } from '../../../shared/contract/models.js';
import { CliError, type CliCommand } from '../command.js';
import { abortOnSigint } from '../interrupt.js';
import { DomainError } from '../../errors.js';
import { catalogueEntry, licenceLine } from '../../ml/hub/catalogue.js';
import { parseHubRef } from '../../ml/hub/repo-id.js';

function megabytes(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : bytes < 1e9 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e9).toFixed(2)} GB`;
}

interface PullResult {
  id: string;
  revision: string;
  commit: string;
  dir: string;
  present: boolean;
  files: { name: string; size: number }[];
  bytes: number;
  model: RegisteredModel;
}

const pull: CliCommand = {
  path: ['model', 'pull'],
  summary: 'Download a model from the Hugging Face Hub (resumable, verified) and register it: then --model ORG/NAME works offline',
  positionals: ['ORG/NAME'],
  options: { revision: { type: 'string', description: 'branch, tag or commit (default main; ORG/NAME@REV also works)' } },
  async run({ positionals, options, io, app }): Promise<PullResult> {
    if (positionals.length !== 1) throw new CliError(`expected one Hub model id (org/name), got ${positionals.length}`, 2);
    const ref = parseHubRef(positionals[0]!);
    if (!ref) throw new CliError(`"${positionals[0]}" is not a Hub model id (expected org/name, e.g. owkin/phikon)`, 2);
    if (ref.revision && options.revision !== undefined && ref.revision !== options.revision) throw new CliError('give the revision once: ORG/NAME@REV or --revision REV', 2);
    const revision = (options.revision as string | undefined) ?? ref.revision;
    // Licence first: before any byte, and before the Hub is even asked.
    io.info(licenceLine(ref.id, catalogueEntry(ref.id)));
    const { startPull } = await import('../../models/hub-pull.js');
    const ctx = await app();
    // Ctrl-C: the download stops, nothing is registered, the part fetched is kept for the next pull
    const interrupt = abortOnSigint();
    try {
      const started = await startPull(ctx, { id: ref.id, ...(revision ? { revision } : {}) }, { signal: interrupt.signal });
      const { plan } = started;
      if (!io.json) {
        io.info(
          plan.present
            ? `${plan.id}@${plan.revision} (${plan.commit.slice(0, 12)}) is already here`
            : `${plan.id}@${plan.revision} is commit ${plan.commit.slice(0, 12)}: ${plan.files.map((f) => f.name).join(', ')} (${megabytes(plan.totalBytes)})`,
        );
      }
      // The bar counts kilobytes: a byte count would overflow its text on a multi-GB file.
      const bar = io.progress(`pull ${plan.id} (kB)`, Math.ceil(plan.totalBytes / 1024));
      let model: RegisteredModel;
      try {
        model = await started.finish((p) => bar.tick(Math.floor(p.done / 1024), 'file' in p ? p.file : undefined));
      } finally {
        bar.end();
      }
      return { id: plan.id, revision: plan.revision, commit: plan.commit, dir: plan.dir, present: plan.present, files: plan.files.map((f) => ({ name: f.name, size: f.size })), bytes: plan.totalBytes, model };
    } catch (e) {
      if (interrupt.signal.aborted) throw new CliError(e instanceof DomainError && e.kind === 'cancelled' ? e.message : `pull of ${ref.id} cancelled`, 130);
      throw e;
    } finally {
      interrupt.release();
    }
  },
  human: (r: PullResult) => `${r.present ? 'already pulled' : 'pulled'} ${r.id}@${r.revision} (${r.commit.slice(0, 12)}) into ${r.dir}; use it as --model ${r.model.name}`,
};

const catalogue: CliCommand = {
  path: ['model', 'catalogue'],
  summary: 'Pathology foundation models Tessella can pull from the Hub: licence, gating, pooling, normalisation, resolution',
  async run({ app }): Promise<{ models: CatalogueModel[] }> {
    const { catalogueListing } = await import('../../models/hub-pull.js');
    return { models: catalogueListing((await app()).home.models) };
  },
  human: (r: { models: CatalogueModel[] }) =>
    [
      ...r.models.map((m) =>
        [
          `${m.id}${m.pulled.length ? '  (pulled)' : ''}`,
          `    ${m.name}: ${m.architecture} (${m.family}), ${m.pooling} ${m.embeddingDim}-d, ${m.inputSize} px${m.mpp !== undefined ? ` at ${m.mpp} µm/px` : ''}${m.parametersM !== undefined ? `, ${m.parametersM} M parameters` : ''}`,
          `    licence ${m.license ?? 'see the model card'}; ${m.gated === true ? 'gated' : m.gated === false ? 'not gated' : 'gating: see the model card'}`,
        ].join('\n'),
      ),
      'weights are not bundled: `tessella model pull ORG/NAME` fetches them from the authors\u2019 repo',
    ].join('\n'),
};

export const hubCommands: CliCommand[] = [pull, catalogue];
