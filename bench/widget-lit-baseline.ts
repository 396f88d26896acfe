// The baseline of bench/widget.ts: Lit alone, as the widget uses it, built with the widget's Vite settings.
export { css, html, LitElement, nothing } from 'lit';
