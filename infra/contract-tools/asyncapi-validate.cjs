// Validates an AsyncAPI document with @asyncapi/parser (its JSON Schema checks plus its built-in
// Spectral rules), resolving $refs into other files. Prints every diagnostic; exits 1 on any error or
// warning. Run by tests/contract/lint.sh: NODE_PATH=<tools>/node_modules node asyncapi-validate.cjs FILE
'use strict';
const path = require('path');
const { Parser, fromFile } = require('@asyncapi/parser');

async function main(file) {
  const { document, diagnostics } = await fromFile(new Parser(), path.resolve(file)).parse();
  const severities = ['error', 'warning', 'info', 'hint'];
  let bad = 0;
  for (const d of diagnostics) {
    const where = d.path && d.path.length ? '#/' + d.path.join('/') : '#';
    console.log(`${file}: ${severities[d.severity]} ${d.code} at ${where}: ${d.message}`);
    if (d.severity <= 1) bad++;
  }
  if (!document || bad) {
    console.log(`${file}: ${bad} error(s) or warning(s)`);
    process.exit(1);
  }
  console.log(`${file}: valid AsyncAPI ${document.version()}, ${document.channels().length} channels`);
}

main(process.argv[2]).catch((e) => {
  console.error(e);
  process.exit(1);
});
