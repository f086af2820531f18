// Writes the weights nabla gives each network of test/fixtures/pytorch/models.json, built from its
// spec with new nb.Generator(seed), as DIR/<name>.safetensors (nb.saveModel, the spec as the config):
// what scripts/torch/safetensors_roundtrip.py loads into PyTorch for the fixture outputs, and what
// test/io/pytorch-roundtrip.test.ts regenerates byte for byte. Needs the build (npx tsc -p tsconfig.build.json).
// Run: node scripts/torch/nabla_weights.mjs DIR
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nb from 'nabla';

const [dir] = process.argv.slice(2);
if (dir === undefined) {
  console.error('usage: node scripts/torch/nabla_weights.mjs DIR');
  process.exit(1);
}
const models = JSON.parse(readFileSync(new URL('../../test/fixtures/pytorch/models.json', import.meta.url), 'utf8'));
for (const [name, { seed, spec }] of Object.entries(models)) {
  const path = join(dir, `${name}.safetensors`);
  nb.saveModel(path, nb.buildNetwork(spec, { generator: new nb.Generator(seed) }), spec);
  console.log(`wrote ${path}`);
}
