/** `--provider NAME`, read the same way by every command that runs the fast engine; it wins over the engine.provider setting. */
import { PROVIDER_NAMES } from '../../shared/contract/models.js';
import { defaultHome } from '../home.js';
import { canonicalProvider, pinOf, resolveProvider, type ProviderChoice } from '../ml/engine/providers.js';
import { peekSettings } from '../store/settings-peek.js';
import { CliError, type CliIO, type ParsedOptions } from './command.js';

export const PROVIDER_OPTION = {
  type: 'string',
  multiple: true,
  description: `onnx execution provider: ${PROVIDER_NAMES.join(', ')} or auto (default: the engine.provider setting, else the best available; cpu is the fallback)`,
} as const;

/** The --provider values, checked (usage error for a name no onnxruntime build has); undefined when not given. */
export function providerOptionOf(options: ParsedOptions): string[] | undefined {
  const given = options.provider as string[] | string | undefined;
  const list = (Array.isArray(given) ? given : given === undefined ? [] : [given]).map(canonicalProvider);
  for (const p of list) {
    if (p !== 'auto' && !(PROVIDER_NAMES as readonly string[]).includes(p)) throw new CliError(`--provider must be one of ${PROVIDER_NAMES.join(', ')} or auto, got "${p}"`, 2);
  }
  return list.length ? list : undefined;
}

/** The provider this command runs with (--provider, else the data home's setting, else the best here); a pin that cannot load is noted on stderr. */
export async function providerChoiceOf(options: ParsedOptions, io: CliIO): Promise<ProviderChoice> {
  const option = providerOptionOf(options);
  const setting = option ? undefined : peekSettings(defaultHome()).engine.provider;
  const choice = await resolveProvider(pinOf(setting, option));
  if (choice.pinned && !choice.pinned.providers.includes(choice.chosen)) io.info(`note: ${choice.reason}`);
  return choice;
}
