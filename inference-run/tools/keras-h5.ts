/**
 * Reading and writing Keras h5 weight files through h5wasm (HDF5 compiled to WebAssembly; no native addon).
 */
import h5wasm from 'h5wasm/node';
import type { PatWeights, WeightTensor } from './keras-layout.ts';

async function ready(): Promise<typeof h5wasm> {
  await h5wasm.ready;
  return h5wasm;
}

/**
 * Every float dataset in the file, keyed by its path without a leading slash and without the `model_weights/`
 * group a full-model save adds, so weights-only and full-model files read the same.
 */
export async function readKerasH5(file: string): Promise<PatWeights> {
  const h5 = await ready();
  const f = new h5.File(file, 'r');
  try {
    const out: PatWeights = new Map();
    const walk = (group: InstanceType<typeof h5.Group>, prefix: string): void => {
      for (const key of group.keys()) {
        const entity = group.get(key);
        const path = prefix === '' ? key : `${prefix}/${key}`;
        if (entity instanceof h5.Group) walk(entity, path);
        else if (entity instanceof h5.Dataset) {
          const value = entity.value;
          if (!(value instanceof Float32Array) && !(value instanceof Float64Array)) continue;
          out.set(path.replace(/^model_weights\//, ''), {
            shape: entity.shape ?? [],
            data: Float32Array.from(value),
          });
        }
      }
    };
    walk(f, '');
    return out;
  } finally {
    f.close();
  }
}

/** Writes weights in the layout Keras 2 `save_weights` produces (layer groups with `weight_names`). */
export async function writeKerasH5(file: string, weights: PatWeights): Promise<void> {
  const h5 = await ready();
  const byLayer = new Map<string, [string, WeightTensor][]>();
  for (const [path, tensor] of weights) {
    const slash = path.indexOf('/');
    const layer = path.slice(0, slash);
    const list = byLayer.get(layer) ?? [];
    list.push([path.slice(slash + 1), tensor]);
    byLayer.set(layer, list);
  }
  const f = new h5.File(file, 'w');
  try {
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('keras_version', '2.15.0');
    f.create_attribute('layer_names', [...byLayer.keys()]);
    for (const [layer, list] of byLayer) {
      const g = f.create_group(layer);
      g.create_attribute(
        'weight_names',
        list.map(([name]) => name),
      );
      for (const [name, tensor] of list) {
        const parts = name.split('/');
        let parent = g;
        for (const part of parts.slice(0, -1)) {
          const existing = parent.get(part);
          parent = existing instanceof h5.Group ? existing : parent.create_group(part);
        }
        parent.create_dataset({
          name: parts.at(-1) ?? name,
          data: tensor.data,
          shape: tensor.shape,
          dtype: '<f4',
        });
      }
    }
  } finally {
    f.close();
  }
}
