// The wire contract against the code that answers it: the routes' JSON schemas describe exactly the
// contract's types (fixtures/schemas-agree.ts, compiled here, since tap runs tests without type-checking
// them), and the contract's error codes are exactly those the catalog in plugin/errors.ts creates.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';
import * as errors from '../../plugin/errors.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The repository's compiler options, for a program of the given files alone. */
function program(files: string[]): ts.Program {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  return ts.createProgram(
    files.map((file) => join(root, file)),
    { ...options, noEmit: true },
  );
}

t.test("every route schema's type is its type in the contract, field by field", async (t) => {
  const diagnostics = ts.getPreEmitDiagnostics(program(['test/contract/fixtures/schemas-agree.ts']));
  const report = ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  });
  t.equal(report, '', 'schemas-agree.ts compiles');
});

/** The members of the contract's TrestaErrorCode union, read by the compiler. */
function contractErrorCodes(): string[] {
  const path = 'plugin/contract/error-body.ts';
  const compiled = program([path]);
  const checker = compiled.getTypeChecker();
  const source = compiled.getSourceFile(join(root, path));
  const alias = source?.statements.find(
    (statement): statement is ts.TypeAliasDeclaration =>
      ts.isTypeAliasDeclaration(statement) && statement.name.text === 'TrestaErrorCode',
  );
  if (!alias) throw new Error(`no TrestaErrorCode in ${path}`);
  const union = checker.getTypeAtLocation(alias.name);
  return (union.isUnion() ? union.types : [union]).filter((type) => type.isStringLiteral()).map((type) => type.value);
}

/** Every code plugin/errors.ts creates: its errors' codes, and the codes it exports on their own. */
function catalogCodes(): string[] {
  return Object.values(errors).flatMap((value) => {
    if (typeof value === 'string') return [value];
    if (typeof value !== 'function') return [];
    return [new (value as new (...args: string[]) => { code: string })('x', 'y').code];
  });
}

t.test("the contract's error codes are the catalog's, every one", async (t) => {
  const contract = contractErrorCodes();
  const catalog = catalogCodes();
  t.ok(contract.length >= 30, `the contract's codes were read (${contract.length})`);
  t.same(
    catalog.filter((code) => !contract.includes(code)),
    [],
    'no code of the catalog is missing from the contract',
  );
  t.same(
    contract.filter((code) => !catalog.includes(code)),
    [],
    'no code of the contract is missing from the catalog',
  );
});

t.test('no module but the catalog creates a TRESTA_ERR_ code', async (t) => {
  const outside: string[] = [];
  for (const path of await readdir(join(root, 'plugin'), { recursive: true })) {
    if (!path.endsWith('.ts') || path === 'errors.ts' || path.startsWith('contract')) continue;
    const text = await readFile(join(root, 'plugin', path), 'utf8');
    for (const match of text.matchAll(/['"`](TRESTA_ERR_[A-Z\d_]+)['"`]/g)) outside.push(`plugin/${path}: ${match[1]}`);
  }
  t.same(outside, [], 'every code is written in plugin/errors.ts (and listed in the contract)');
});
