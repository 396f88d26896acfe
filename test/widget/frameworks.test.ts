import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';

// The widget page's React and Vue snippets (docs/widget.md) compile, with strict settings, against the built package as a
// host imports it (its exports map, the emitted .d.ts files): npm run build:widget first.
const root = fileURLToPath(new URL('../../', import.meta.url));

function diagnostics(file: string, options: ts.CompilerOptions = {}) {
  const program = ts.createProgram([fileURLToPath(new URL(`./snippets/${file}`, import.meta.url))], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: [],
    baseUrl: root,
    ...options,
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

t.test('React 19: the tag, its attributes and properties are typed in JSX', async (t) => {
  t.same(diagnostics('react-bell.tsx', { jsx: ts.JsxEmit.ReactJSX }), []);
});

t.test('Vue: the tag is a typed global component', async (t) => {
  t.same(diagnostics('vue-bell.ts'), []);
});
