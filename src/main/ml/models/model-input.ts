/**
 * What a model does to a decoded image before it sees it: the stain normalisation it was trained
 * with (stored beside its weights as stain_normalization.json), then its image processor's resize.
 * Every inference path (patches, slide tiles, explanations) goes through here, so a model sees at
 * inference exactly the pixels training showed it.
 */
import { type StainParams, stainNormalizer } from '../preprocess/stain.js';
import { decodeImage, modelInputSize, type PreprocessorConfig, type RGBImage, rescaleNormalize, resizeForModel } from './processors.js';

export interface ModelInput {
  preprocessor: PreprocessorConfig;
  stain: StainParams | null;
}

/** A decoded image, stain-normalised when the model asks for it, at the model's input size. */
export function prepareImage(img: RGBImage, input: ModelInput): RGBImage {
  return resizeForModel(input.stain ? stainNormalizer(input.stain)(img) : img, input.preprocessor);
}

/** Several images (files or encoded buffers) -> one NCHW float32 batch, as the model takes it. */
export async function preprocessBatch(inputs: (string | Buffer | Uint8Array)[], input: ModelInput): Promise<{ data: Float32Array; shape: [number, number, number, number] }> {
  const { height, width } = modelInputSize(input.preprocessor);
  const per = 3 * height * width;
  const data = new Float32Array(inputs.length * per);
  for (let i = 0; i < inputs.length; i++) {
    const img = prepareImage(await decodeImage(inputs[i]!), input);
    if (img.height !== height || img.width !== width) throw new Error(`image ${i}: processed to ${img.height}x${img.width}, expected ${height}x${width}`);
    rescaleNormalize(img, input.preprocessor, data.subarray(i * per, (i + 1) * per));
  }
  return { data, shape: [inputs.length, 3, height, width] };
}
