#!/usr/bin/env node
// sarif_validate.js NODE_MODULES < LOG: validates a SARIF log read from
// stdin against the official SARIF 2.1.0 schema shipped by Microsoft's
// @microsoft/jest-sarif, with the validator that package uses (ajv, JSON
// Schema draft-04, configured as its matcher configures it). Both are
// pinned with their integrity hashes in tests/tools/package-lock.json.
// Exit 0: valid; 1: invalid (errors on stderr); 2: usage.
'use strict';
const path = require('path');
const fs = require('fs');

const modules = process.argv[2];
if (!modules) {
  process.stderr.write('usage: sarif_validate.js NODE_MODULES < LOG\n');
  process.exit(2);
}
const Ajv = require(path.join(modules, 'ajv'));
const schema = require(path.join(
  modules, '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'));
const ajv = new Ajv({schemaId: 'auto', validateSchema: false,
                     allErrors: true});
ajv.addMetaSchema(require(path.join(modules,
                                    'ajv/lib/refs/json-schema-draft-04.json')));
const validate = ajv.compile(schema);
const log = JSON.parse(fs.readFileSync(0, 'utf8'));
if (validate(log)) process.exit(0);
for (const e of validate.errors.slice(0, 20))
  process.stderr.write(`${e.dataPath || '/'}: ${e.message}\n`);
process.exit(1);
