// The custom-elements manifest (dist/widget/custom-elements.json, `customElements` in package.json)
// that IDEs, Storybook and framework wrappers read: generated from the element's source and JSDoc at
// build time. Only the public element is described; its inner elements are implementation.
const PUBLIC_TAG = 'tresta-notifications';
/** Reactive state and members the element's own lazy chunks use: not API. */
const INTERNAL = new Set(['open', 'activeTab', 'toastsLoaded', 'notifications', 'i18n', 'setOpen', 'emit']);

/** Keeps the public element and its public API: no private, protected, static or internal members, no events without a name. */
function publicApiOnly() {
  return {
    name: 'tresta-public-api-only',
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules) {
        module.declarations = (module.declarations ?? []).filter((declaration) => declaration.tagName === PUBLIC_TAG);
        // The definition is written by the plugin below (the analyzer misreads the loop that defines it).
        module.exports = (module.exports ?? []).filter(
          (entry) => entry.kind === 'js' && module.declarations.some((d) => d.name === entry.declaration?.name),
        );
        for (const declaration of module.declarations) {
          declaration.members = (declaration.members ?? []).filter(
            (member) =>
              member.kind === 'field' &&
              !member.static &&
              (member.privacy ?? 'public') === 'public' &&
              !member.name.startsWith('_') &&
              !INTERNAL.has(member.name),
          );
          declaration.attributes = (declaration.attributes ?? []).filter((attribute) => !INTERNAL.has(attribute.fieldName));
          declaration.events = (declaration.events ?? []).filter((event) => event.name && event.description);
        }
      }
      customElementsManifest.modules = customElementsManifest.modules.filter((module) => module.declarations.length > 0);
    },
  };
}

/** The element is defined inside a function (safe against double loading): tell the manifest where. */
function definition() {
  return {
    name: 'tresta-definition',
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules) {
        for (const declaration of module.declarations) {
          module.path = 'dist/widget/widget.js';
          for (const entry of module.exports) entry.declaration.module = module.path;
          module.exports.push({
            kind: 'custom-element-definition',
            name: declaration.tagName,
            declaration: { name: declaration.name, module: module.path },
          });
        }
      }
    },
  };
}

export default {
  globs: ['widget/components/tresta-notifications.ts'],
  outdir: 'dist/widget',
  litelement: true,
  dependencies: false,
  plugins: [publicApiOnly(), definition()],
};
