import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
const optionsFile = join(root, 'plugin/startup/options.ts');

/** One field of an options type: its dotted name and the compiler's symbol for it (its doc comment). */
export interface OptionField {
  name: string;
  symbol: ts.Symbol;
}

let compiled: { program: ts.Program; checker: ts.TypeChecker } | undefined;

/** plugin/startup/options.ts compiled once per test process, with the repository's compiler options. */
function compileOptions(): { program: ts.Program; checker: ts.TypeChecker } {
  if (compiled) return compiled;
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram([optionsFile], { ...options, noEmit: true });
  compiled = { program, checker: program.getTypeChecker() };
  return compiled;
}

/**
 * Every field of a type exported by plugin/startup/options.ts, nested ones by their dotted names
 * (`database.directUrl`), read with the TypeScript compiler. The walk goes into the plugin's own
 * object types (unions and intersections included; a record of them as `<NAME>`) and stops at types
 * from other packages (an ioredis client, MikroORM) and at functions. A field met in several
 * members of a union is listed once per member.
 */
export function optionFields(typeName: string): { fields: OptionField[]; checker: ts.TypeChecker } {
  const { program, checker } = compileOptions();
  const module = checker.getSymbolAtLocation(program.getSourceFile(optionsFile)!)!;
  const exported = checker.getExportsOfModule(module).find((symbol) => symbol.name === typeName);
  if (!exported) throw new Error(`plugin/startup/options.ts exports no ${typeName}`);

  // A property with no declaration is one a mapped type made from the plugin's own keys (a scheduled job's pattern).
  const ours = (property: ts.Symbol) =>
    (property.declarations ?? []).every((declaration) => !declaration.getSourceFile().fileName.includes('/node_modules/'));
  const fields: OptionField[] = [];
  const visit = (type: ts.Type, path: string) => {
    if (type.getCallSignatures().length > 0) return;
    for (const part of type.isUnion() ? type.types : [type]) {
      for (const property of checker.getPropertiesOfType(part).filter(ours)) {
        const name = `${path}${property.name}`;
        fields.push({ name, symbol: property });
        visit(checker.getNonNullableType(checker.getTypeOfSymbol(property)), `${name}.`);
      }
      for (const index of checker.getIndexInfosOfType(part)) {
        if (checker.getPropertiesOfType(index.type).some(ours)) visit(index.type, `${path}<NAME>.`);
      }
    }
  };
  visit(checker.getDeclaredTypeOfSymbol(exported), '');
  return { fields, checker };
}

/** The dotted names of every field of `TrestaNotificationsOptions`. */
export function optionNames(): string[] {
  return [...new Set(optionFields('TrestaNotificationsOptions').fields.map((field) => field.name))];
}
