import { fileURLToPath } from 'node:url';
import { defineConfig, transformWithEsbuild, type Plugin, type UserConfig } from 'vite';

/** A path from the repository's root, where this file is. */
const fromRoot = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Vite keeps whitespace in library-mode ES output (for bundlers downstream); this bundle is also
 * served to browsers as is, so every chunk is minified completely.
 */
const minifyChunks: Plugin = {
  name: 'tresta:minify-chunks',
  // After every renderChunk hook (Vite's own esbuild pass would re-add the whitespace).
  async generateBundle(_options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== 'chunk') continue;
      chunk.code = (
        await transformWithEsbuild(chunk.code, chunk.fileName, { minify: true, format: 'esm', target: 'es2022', loader: 'js' })
      ).code;
    }
  },
};

/**
 * Collapses the whitespace of the widget's css`` templates, which esbuild leaves as written. Spaces
 * before ":" stay: "a :hover" and "a:hover" are different selectors.
 */
const minifyCssTemplates: Plugin = {
  name: 'tresta:minify-css-templates',
  transform(code, id) {
    if (!id.endsWith('.styles.ts')) return null;
    const minified = code.replace(/css`([^`]*)`/g, (_match, text: string) => {
      const compact = text
        .replace(/\s+/g, ' ')
        .replace(/\s*([{};,>])\s*/g, '$1')
        .replace(/:\s+/g, ':');
      return `css\`${compact.trim()}\``;
    });
    return { code: minified, map: null };
  },
};

/**
 * The widget's build, in library mode: one ES module with Lit bundled in (a page loads it with a
 * single <script type="module">), minified. Lazy chunks (Ably's SDK) land in a `widget/` folder
 * beside it, so their relative import from /api/notifications/widget.js resolves to
 * /api/notifications/widget/<file>, which the plugin serves. The benchmark builds a Lit-only entry
 * with this same function, to compare like with like.
 */
export function widgetBuildConfig(entry: string, outDir: string, fileName = 'widget.js', chunkFolder = 'widget'): UserConfig {
  return {
    root: fromRoot('.'),
    plugins: [minifyCssTemplates, minifyChunks],
    logLevel: 'warn',
    build: {
      lib: { entry, formats: ['es'], fileName: () => fileName },
      outDir,
      // The client's build goes beside the widget's, into the same folder.
      emptyOutDir: fileName === 'widget.js',
      target: 'es2022',
      minify: 'esbuild',
      sourcemap: false,
      reportCompressedSize: false,
      // allow-extension: the lazy chunks import Lit from the entry itself, rather than from a third shared chunk.
      rollupOptions: { preserveEntrySignatures: 'allow-extension', output: { chunkFileNames: `${chunkFolder}/[name]-[hash].js` } },
    },
  };
}

const outDir = fromRoot('./dist/widget');

/**
 * The package's two browser bundles, one `vite build --mode <name>` each, widget first (it empties
 * dist/widget). `client` is `tresta-notifications/client`, a bundle of its own beside widget.js (its
 * lazy chunks — the real-time connection, Ably — in `client/`), so the widget's initial chunk never
 * imports a shared one.
 */
const BUILDS: Record<string, () => UserConfig> = {
  widget: () => widgetBuildConfig(fromRoot('./widget/index.ts'), outDir),
  client: () => widgetBuildConfig(fromRoot('./widget/client/index.ts'), outDir, 'client.js', 'client'),
};

export default defineConfig(({ mode }) => {
  const build = BUILDS[mode];
  if (!build) throw new Error(`vite.config.ts builds --mode ${Object.keys(BUILDS).join(' or --mode ')}, not "${mode}"`);
  return build();
});
