/** Which of a repo's files a pull takes: config, preprocessor, one set of weights, safetensors first. */
import { describe, expect, it } from 'vitest';
import { selectFiles, shardsOf } from '../../../src/main/ml/hub/select-files.js';

const repo = (...names: string[]) => names.map((name) => ({ name }));

describe('selectFiles', () => {
  it('prefers model.safetensors, then a safetensors index, then pytorch_model.bin, then its index', () => {
    expect(selectFiles('a/b', 'main', repo('config.json', 'preprocessor_config.json', 'pytorch_model.bin', 'model.safetensors', 'model.onnx', 'tf_model.h5'))).toEqual({
      files: ['config.json', 'preprocessor_config.json', 'model.safetensors'],
      weights: 'safetensors',
    });
    expect(selectFiles('a/b', 'main', repo('config.json', 'model.safetensors.index.json', 'pytorch_model.bin'))).toMatchObject({ index: 'model.safetensors.index.json', weights: 'safetensors-sharded' });
    // UNI, H-optimus and Prov-GigaPath ship only the pickle; open_clip bundles and subfolders are never taken
    expect(selectFiles('a/b', 'main', repo('config.json', 'pytorch_model.bin', 'open_clip_pytorch_model.bin', 'sub/model.safetensors'))).toEqual({ files: ['config.json', 'pytorch_model.bin'], weights: 'pytorch' });
    expect(selectFiles('a/b', 'main', repo('config.json', 'pytorch_model.bin.index.json'))).toMatchObject({ index: 'pytorch_model.bin.index.json', weights: 'pytorch-sharded' });
  });

  it('refuses a repo without config.json or without weights it reads', () => {
    expect(() => selectFiles('a/b', 'main', repo('model.safetensors'))).toThrow(/a\/b@main has no config\.json/);
    expect(() => selectFiles('a/b', 'v2', repo('config.json', 'model.onnx', 'flax_model.msgpack'))).toThrow(/a\/b@v2 has no weights Tessella reads/);
  });

  it('reads the shards an index names, each once, and refuses one the repo does not hold', () => {
    const index = JSON.stringify({ weight_map: { x: 's-2.safetensors', y: 's-1.safetensors', z: 's-2.safetensors' } });
    expect(shardsOf('a/b', 'i.json', index, repo('s-1.safetensors', 's-2.safetensors'))).toEqual(['s-1.safetensors', 's-2.safetensors']);
    expect(() => shardsOf('a/b', 'i.json', index, repo('s-1.safetensors'))).toThrow(/names a shard the repo does not hold/);
    expect(() => shardsOf('a/b', 'i.json', JSON.stringify({ weight_map: { x: '../evil' } }), repo('../evil'))).toThrow();
  });
});
